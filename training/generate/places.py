"""Where a ticket happened: from the places its text names, or drawn by population from the gazetteer."""
from __future__ import annotations

import random
from dataclasses import dataclass

from catalog import City, District, Street


@dataclass(frozen=True)
class Place:
    district: District
    street: Street
    community: str

    def address(self, rng: random.Random) -> str:
        return (f"{self.district.name}{self.street.name}{self.community}"
                f"{rng.randint(1, 40)}号楼{rng.randint(1, 6)}单元")


def _short(name: str) -> str:
    """How citizens say a street: 太原街街道 → 太原街, 兴华街道 → 兴华."""
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class Gazetteer:
    """Place names of the demo city, for finding the place a text names."""

    def __init__(self, city: City):
        self.city = city
        self.districts = list(city.districts)
        self.weights = [d.population for d in self.districts]
        self.streets_by_name: list[tuple[str, Street]] = sorted(
            ((name, s) for s in city.streets() for name in {s.name, _short(s.name)} if len(name) >= 2),
            key=lambda item: -len(item[0]))
        self.district_of = {d.code: d for d in self.districts}

    def mentioned(self, text: str) -> tuple[District | None, Street | None]:
        district = next((d for d in self.districts if d.name in text), None)
        for name, street in self.streets_by_name:
            if name in text and (district is None or street.district_code == district.code):
                return self.district_of[street.district_code], street
        return district, None

    def place_for(self, text: str, rng: random.Random) -> Place:
        district, street = self.mentioned(text)
        if district is None:
            district = rng.choices(self.districts, weights=self.weights)[0]
        if street is None:
            street = rng.choice(district.streets)
        community = next((c for c in street.communities if c in text), None) or rng.choice(street.communities)
        return Place(district, street, community)

    def in_street(self, street: Street, rng: random.Random) -> Place:
        return Place(self.district_of[street.district_code], street, rng.choice(street.communities))
