"""Injected bursts for hot-spot detection to find: when, where, which leaves, and how many extra tickets."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from catalog import Catalogue, Street
from catalog.deadlines import TZ


@dataclass(frozen=True)
class Event:
    name: str
    label: str
    start: datetime
    hours: int
    leaf_pattern: str          # regex on leaf names
    share: float               # extra tickets as a share of the requested total
    street: str | None = None  # street name (a local event), or
    districts: tuple[str, ...] = ()  # district names; neither: city-wide


EVENTS = [
    Event("water_main_break", "铁西区兴华街道供水主管道爆管", datetime(2025, 8, 12, 6, 30, tzinfo=TZ), 36,
          r"爆管|停水|水压低|浑浊", 0.0018, street="兴华街道"),
    Event("rainstorm", "7月28日强降雨城区积水", datetime(2025, 7, 28, 14, 0, tzinfo=TZ), 30,
          r"积水|内涝|雨污水井|下穿", 0.0035, districts=("和平区", "沈河区", "皇姑区")),
    Event("cold_wave", "2026年1月寒潮", datetime(2026, 1, 19, 0, 0, tzinfo=TZ), 96,
          r"暖气不热|寒潮|冻坏|室温|停暖|结冰", 0.007),
]


def event_leaves(catalogue: Catalogue, event: Event) -> list[str]:
    leaves = [n.code for n in catalogue.leaves() if re.search(event.leaf_pattern, n.name)]
    if not leaves:
        raise ValueError(f"event {event.name}: no leaf name matches {event.leaf_pattern!r} in catalogue "
                         f"{catalogue.version}; adjust the pattern")
    return leaves


def event_street(catalogue: Catalogue, event: Event) -> Street | None:
    if event.street is None:
        return None
    for street in catalogue.city.streets():
        if street.name == event.street:
            return street
    raise ValueError(f"event {event.name}: no street named {event.street} in the gazetteer")
