"""Where a ticket happened: from the places its text names, or drawn by population from the gazetteer."""
from __future__ import annotations

import random
from dataclasses import dataclass

from catalog import AddressRange, City, District, Street
from model.location import street_short
from model.text import to_simplified

# How the address field of a 12345 ticket is written, and how often: format key → share (sums to 1).
ADDRESS_FORMATS: dict[str, float] = {
    "full": 0.30,               # 和平区太原街街道太原街社区12号楼3单元
    "city_short": 0.10,         # 沈阳市和平区太原街太原街社区12号楼
    "community": 0.20,          # 太原街社区12号楼3单元
    "street_community": 0.10,   # 太原街街道中华路社区
    "landmark": 0.10,           # 沈阳站附近 (streets without landmarks: full)
    "district_road": 0.15,      # 和平区中华路128号 (a house number of the street in the address table)
    "road": 0.05,               # 中华路128号
}
LANDMARK_RELATIONS = ("附近", "对面", "旁边", "东门对面", "西侧", "南门", "北门附近", "后身")


@dataclass(frozen=True)
class Spot:
    """The exact spot of a problem, drawn once: a repeat complaint about it names the same building or number."""

    building: int
    entrance: int
    house: int            # the house number on a road
    road_index: int       # which of the district's roads
    landmark_index: int   # which of the street's landmarks

    @classmethod
    def draw(cls, rng: random.Random) -> Spot:
        return cls(rng.randint(1, 40), rng.randint(1, 6), rng.randint(1, 300), rng.randrange(10_000),
                   rng.randrange(10_000))


@dataclass(frozen=True)
class Place:
    district: District
    street: Street
    community: str
    spot: Spot
    runs: tuple[AddressRange, ...] = ()    # the street's house-number runs in the city's address table

    @property
    def spot_key(self) -> str:
        """The spot as ground truth for repeat detection: the same key means the same physical place."""
        return f"{self.street.code}|{self.community}|{self.spot.building}|{self.spot.road_index}"

    @property
    def named_spots(self) -> tuple[str, ...]:
        """What an address can name of the spot: its building (a village's house) in the community, and its house
        number on a road. Two problems that share one of them read as one place to anyone reading the addresses."""
        return f"{self.street.code}|{self.community}|{self._dwelling(unit=False)}", self._house_number()

    def address(self, rng: random.Random, city: str) -> tuple[str, str]:
        """(address field, format key): a format drawn by ADDRESS_FORMATS, written from gazetteer names only."""
        fmt = rng.choices(list(ADDRESS_FORMATS), weights=list(ADDRESS_FORMATS.values()))[0]
        if (fmt == "landmark" and not self.street.landmarks) or (fmt.endswith("road") and not self.district.roads):
            fmt = "full"
        return self._render(fmt, rng, city), fmt

    def _render(self, fmt: str, rng: random.Random, city: str) -> str:
        d, s, c = self.district.name, self.street.name, self.community
        if fmt == "full":
            return f"{d}{s}{c}{self._dwelling()}"
        if fmt == "city_short":
            return f"{city}{d}{street_short(s)}{c}{self._dwelling(unit=False)}"
        if fmt == "community":
            return f"{c}{self._dwelling()}"
        if fmt == "street_community":
            return f"{s}{c}"
        if fmt == "landmark":
            landmarks = self.street.landmarks
            return f"{landmarks[self.spot.landmark_index % len(landmarks)]}{rng.choice(LANDMARK_RELATIONS)}"
        road = self._house_number()
        return f"{d}{road}" if fmt == "district_road" else road

    def _house_number(self) -> str:
        """The spot's road and house number: a number in one of the street's runs of the address table, else
        (a city without a table) any road of the district with the spot's number."""
        if not self.runs:
            roads = self.district.roads
            return f"{roads[self.spot.road_index % len(roads)]}{self.spot.house}号"
        run = self.runs[self.spot.road_index % len(self.runs)]
        return f"{run.road}{run.first + self.spot.house % (run.last - run.first + 1)}号"

    def _dwelling(self, unit: bool = True) -> str:
        """Building and entrance in a community, group and house number in a village (the spot's own)."""
        if self.community.endswith("村"):
            return f"{self.spot.building % 12 + 1}组{self.spot.house % 60 + 1}号"
        building = f"{self.spot.building}号楼"
        return f"{building}{self.spot.entrance}单元" if unit else building


class Gazetteer:
    """Place names of the demo city, for finding the place a text names."""

    def __init__(self, city: City):
        self.city = city
        self.districts = list(city.districts)
        self.weights = [d.population for d in self.districts]
        self.streets_by_name: list[tuple[str, Street]] = sorted(
            ((name, s) for s in city.streets() for name in {s.name, street_short(s.name)} if len(name) >= 2),
            key=lambda item: -len(item[0]))
        self.district_of = {d.code: d for d in self.districts}

    def mentioned(self, text: str) -> tuple[District | None, Street | None]:
        """The district and street a text names, traditional characters folded first (和平區 names 和平区)."""
        text = to_simplified(text)
        district = next((d for d in self.districts if d.name in text), None)
        for name, street in self.streets_by_name:
            if name in text and (district is None or street.district_code == district.code):
                return self.district_of[street.district_code], street
        return district, None

    def place_for(self, text: str, rng: random.Random) -> Place:
        text = to_simplified(text)   # for the community names below
        district, street = self.mentioned(text)
        if district is None:
            district = rng.choices(self.districts, weights=self.weights)[0]
        if street is None:
            street = rng.choice(district.streets)
        community = next((c for c in street.communities if c in text), None) or rng.choice(street.communities)
        return Place(district, street, community, Spot.draw(rng), self.city.addresses.of_street(street.code))

    def in_street(self, street: Street, rng: random.Random) -> Place:
        return Place(self.district_of[street.district_code], street, rng.choice(street.communities), Spot.draw(rng),
                     self.city.addresses.of_street(street.code))
