"""The catalogue's typed entities, built from validated source records."""
from __future__ import annotations

from dataclasses import dataclass, field

from catalog.problems import Location
from catalog.rules import DispatchMode, TimeLimit, UnitRule, Urgency

LEVEL_NAMES = {1: "大类", 2: "小类", 3: "细类", 4: "子类"}


@dataclass(frozen=True)
class Dispatch:
    """What a leaf fixes for dispatch: who handles it, how, by when, and what counts as closed."""

    responsible: UnitRule
    co_handlers: tuple[UnitRule, ...]
    mode: DispatchMode
    closure_standard: str
    time_limit: TimeLimit
    urgency: Urgency
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    description: str
    keywords: tuple[str, ...]
    aliases: tuple[str, ...]
    dispatch: Dispatch | None = None
    location: Location | None = None

    @property
    def level(self) -> int:
        return len(self.code) // 2

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @property
    def parent_code(self) -> str | None:
        return self.code[:-2] or None

    @property
    def is_leaf(self) -> bool:
        return self.dispatch is not None


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str          # department | utility | enterprise | platform | district | street
    hours: str = "office"
    phone: str = ""
    active: bool = True
    note: str = ""
    district: str | None = None  # for street offices: the district code


@dataclass(frozen=True)
class Street:
    code: str
    name: str
    kind: str
    district_code: str
    communities: tuple[str, ...]
    landmarks: tuple[str, ...]

    @property
    def unit_code(self) -> str:
        return f"street:{self.code}"


@dataclass(frozen=True)
class District:
    code: str
    name: str
    kind: str
    population: int
    streets: tuple[Street, ...]
    roads: tuple[str, ...]

    @property
    def unit_code(self) -> str:
        return f"district:{self.code}"

    @property
    def government_name(self) -> str:
        return f"{self.name}人民政府"


@dataclass(frozen=True)
class AddressRange:
    """A run of house numbers on a road (门牌号段) and the street (街道 or town) it lies in."""
    district: str
    road: str
    first: int
    last: int
    street: str

    def holds(self, number: int) -> bool:
        return self.first <= number <= self.last


class AddressTable:
    """The standard address table (标准地址库): which street a road's house number lies in. A road runs through
    several streets; its house numbers are split into runs, each in one street."""

    def __init__(self, ranges: tuple[AddressRange, ...] = ()):
        self.ranges = tuple(ranges)
        self._by_road: dict[str, list[AddressRange]] = {}
        self._by_street: dict[str, list[AddressRange]] = {}
        for r in self.ranges:
            self._by_road.setdefault(r.road, []).append(r)
            self._by_street.setdefault(r.street, []).append(r)

    def __len__(self) -> int:
        return len(self.ranges)

    def at(self, road: str, number: int, district: str | None = None) -> list[AddressRange]:
        """The runs that hold this house number of the road (one per district the road runs through)."""
        return [r for r in self._by_road.get(road, ()) if r.holds(number) and district in (None, r.district)]

    def of_street(self, street: str) -> tuple[AddressRange, ...]:
        return tuple(self._by_street.get(street, ()))


@dataclass(frozen=True)
class City:
    name: str
    note: str
    districts: tuple[District, ...]
    # city/addresses.csv, when the city has one; not catalogue content (its hash and version ignore it)
    addresses: AddressTable = field(default_factory=AddressTable, compare=False)

    @property
    def population(self) -> int:
        return sum(d.population for d in self.districts)

    def streets(self) -> list[Street]:
        return [s for d in self.districts for s in d.streets]


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str          # semantic version, e.g. 1.0.0
    content_hash: str     # sha256 of the canonical content
    expected_levels: dict[int, int]

    @property
    def full_version(self) -> str:
        """Semantic version plus a short content hash: what models and tickets record."""
        return f"{self.version}+{self.content_hash[:12]}"
