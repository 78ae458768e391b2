"""The demo city's standard address table (catalog/data/city/addresses.csv), drawn once from its gazetteer.

A real city loads its own table (民政 / 公安 standard addresses). For the demo city each road runs through two to four
of its district's streets — first those named after it or holding a community or landmark named after it (中华路社区
lies on 中华路) — in runs of 60–160 house numbers; a street no road reached gets a run at the end of one road.

    .venv/bin/python -m training.generate.address_table > catalog/data/city/addresses.csv
"""
from __future__ import annotations

import random
import sys

from catalog import City, District, load_catalogue
from catalog.addresses import COLUMNS

SEED = 12345
HEADER = ("# 演示城市标准地址表（门牌号段 → 街道），由 training/generate/address_table.py 按固定种子生成，"
          "不代表真实门牌\n")


def _named_after(road: str, district: District) -> list[str]:
    """The streets whose name, communities or landmarks carry the road's name (or its stem: 太原街 → 太原)."""
    stem = road[:-1] if road.endswith(("路", "街")) and len(road) >= 3 else road
    return [s.code for s in district.streets
            if any(stem in name for name in (s.name, *s.communities, *s.landmarks))]


def district_rows(district: District, rng: random.Random) -> list[tuple[str, str, int, int, str]]:
    rows, ends = [], {}
    codes = [s.code for s in district.streets]
    for road in district.roads:
        through = _named_after(road, district)[:2]
        others = [c for c in codes if c not in through]
        through += rng.sample(others, min(len(others), max(0, rng.randint(2, 4) - len(through))))
        first = 1
        for street in through:
            last = first + rng.randint(60, 160) - 1
            rows.append((district.code, road, first, last, street))
            first = last + 1
        ends[road] = first
    for street in (c for c in codes if c not in {row[4] for row in rows}):
        road = rng.choice(district.roads)
        last = ends[road] + rng.randint(60, 160) - 1
        rows.append((district.code, road, ends[road], last, street))
        ends[road] = last + 1
    return rows


def table_csv(city: City, seed: int = SEED) -> str:
    rng = random.Random(seed)
    lines = [HEADER + ",".join(COLUMNS)]
    for district in city.districts:
        lines += [",".join(map(str, row)) for row in district_rows(district, rng)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table_csv(load_catalogue().city))
