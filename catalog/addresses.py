"""The standard address table of a city (city/addresses.csv): house-number runs of its roads and the street each
lies in, read and checked against the gazetteer. Optional: a city without one resolves roads to their district."""
from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from catalog.entities import AddressRange, AddressTable, City
from catalog.problems import Location, Problem

ADDRESSES_FILE = "city/addresses.csv"
COLUMNS = ("district", "road", "first", "last", "street")


def read_address_table(path: Path, city: City, shown: str) -> tuple[AddressTable, list[Problem]]:
    """The table in `path` (empty when there is no file) and every problem found in it, by line."""
    if not path.is_file():
        return AddressTable(), []
    lines = [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return AddressTable(), []
    header_line, header = lines[0]
    if tuple(c.strip() for c in next(csv.reader([header]))) != COLUMNS:
        return AddressTable(), [Problem("bad-address-header", f"the first row must name the columns "
                                        f"{','.join(COLUMNS)}; it reads {header!r}", Location(shown, header_line))]
    ranges, problems = [], []
    for number, line in lines[1:]:
        row = [c.strip() for c in next(csv.reader([line]))]
        found = _address_range(row, city)
        if isinstance(found, str):
            problems.append(Problem("bad-address", found, Location(shown, number)))
        else:
            ranges.append((number, found))
    problems += _overlaps(ranges, shown)
    return AddressTable(tuple(r for _, r in ranges)), problems


def _address_range(row: list[str], city: City) -> AddressRange | str:
    """The row as a house-number run, or what is wrong with it."""
    if len(row) != len(COLUMNS):
        return f"a row needs {len(COLUMNS)} columns ({','.join(COLUMNS)}), this one has {len(row)}"
    district_code, road, first, last, street_code = row
    district = next((d for d in city.districts if d.code == district_code), None)
    if district is None:
        return f"district {district_code!r} is not in city/gazetteer.yaml"
    if road not in district.roads:
        return f"road {road!r} is not among {district.name}'s roads in city/gazetteer.yaml; add it there first"
    if not any(s.code == street_code for s in district.streets):
        return f"street {street_code!r} is not a street of {district.name} ({district_code})"
    if not (first.isdigit() and last.isdigit()) or not 0 < int(first) <= int(last):
        return f"house numbers {first!r}–{last!r} must be whole numbers from 1, the first not above the last"
    return AddressRange(district_code, road, int(first), int(last), street_code)


def _overlaps(ranges: list[tuple[int, AddressRange]], shown: str) -> list[Problem]:
    """A house number of a road in a district may lie in one run only."""
    problems, by_road = [], {}
    for number, r in sorted(ranges, key=lambda item: (item[1].district, item[1].road, item[1].first)):
        previous = by_road.get((r.district, r.road))
        if previous is not None and previous[1].last >= r.first:
            problems.append(Problem("overlapping-addresses", f"{r.road} {r.first}–{r.last}号 overlaps "
                                    f"{previous[1].first}–{previous[1].last}号 on line {previous[0]}; a house "
                                    "number lies in one street", Location(shown, number)))
        by_road[(r.district, r.road)] = (number, r)
    return problems


def with_addresses(city: City, root: Path, shown: str) -> tuple[City, list[Problem]]:
    """The city with the data directory's address table, and the table's problems."""
    table, problems = read_address_table(root / ADDRESSES_FILE, city, shown)
    return replace(city, addresses=table), problems
