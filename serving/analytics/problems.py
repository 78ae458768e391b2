"""每月一题 candidates: the month's problems (a leaf, or a leaf in a district) ranked for leaders to pick from, by a
composite they can check. Pure functions.

Four components, each with its evidence:
- volume: the problem's tickets in the month;
- repeat rate: the share of them linked to an earlier ticket about the same problem (the supervision sweep's link);
- dissatisfaction rate: the share of the return-visited ones that were 不满意;
- cross-unit spread: how many distinct units (lead, co-handler, or a lead it was returned from) handled them, the
  street offices counted as one and the district governments as one (a 属地 problem handled in every street is not
  a problem of dozens of departments).
Each component becomes the share of the other candidates the problem is above (0–1; ties are above none of each
other), and the composite is the weighted sum of these shares. A problem needs `min_volume` tickets to be a candidate."""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

WEIGHTS = {"volume": 0.4, "repeat": 0.2, "dissatisfaction": 0.25, "spread": 0.15}
NAMES = {"volume": "诉求量", "repeat": "重复诉求率", "dissatisfaction": "不满意率",
         "spread": "涉及单位数（各街道合计为一、各区县政府合计为一）"}


@dataclass(frozen=True)
class ProblemTicket:
    id: int
    number: str | None
    leaf: str
    district: str | None
    repeat: bool
    visited: bool
    unsatisfied: bool
    units: tuple[str, ...]


@dataclass(frozen=True)
class ProblemPolicy:
    min_volume: int = 10
    examples: int = 3
    weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))

    def __post_init__(self):
        if self.min_volume < 1:
            raise ValueError(f"min_volume must be at least 1, got {self.min_volume}")
        if set(self.weights) != set(WEIGHTS) or any(w < 0 for w in self.weights.values()) or \
                not sum(self.weights.values()):
            raise ValueError(f"weights need each of {', '.join(WEIGHTS)}, none negative and not all 0; got "
                             f"{self.weights}")


@dataclass(frozen=True)
class Component:
    value: float | int | None     # a count, or a share between 0 and 1 (None: nothing to divide by)
    percentile: float             # among the candidates, 0–1
    weight: float
    numerator: int
    denominator: int | None
    examples: tuple[int, ...]     # ticket ids that show it


@dataclass(frozen=True)
class Problem:
    rank: int
    leaf: str
    district: str | None          # None: city-wide
    score: float                  # Σ weight × percentile, 0–1
    components: dict[str, Component]
    units: tuple[str, ...]


def _percentiles(values: list[float]) -> list[float]:
    """The share of the other candidates each value is above: 0 for the lowest (and all tied with it), 1 for the
    single highest."""
    if len(values) == 1:
        return [1.0]
    ordered = sorted(values)
    return [bisect_left(ordered, v) / (len(values) - 1) for v in values]


def _share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def monthly_problems(tickets: Sequence[ProblemTicket], *, by_district: bool = False, limit: int = 20,
                     policy: ProblemPolicy = ProblemPolicy()) -> list[Problem]:
    """The top `limit` candidates, best first (score, then volume, then code)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    groups: dict[tuple[str, str | None], list[ProblemTicket]] = {}
    for t in tickets:
        groups.setdefault((t.leaf, t.district if by_district else None), []).append(t)
    chosen = sorted(key for key, members in groups.items() if len(members) >= policy.min_volume)
    if not chosen:
        return []
    raw = {key: _components(groups[key], policy.examples) for key in chosen}
    ranks = {name: dict(zip(chosen, _percentiles([_sortable(raw[key][name][0]) for key in chosen])))
             for name in WEIGHTS}
    total = sum(policy.weights.values())
    problems = []
    for key in chosen:
        components = {name: Component(raw[key][name][0], round(ranks[name][key], 4), policy.weights[name],
                                      *raw[key][name][1:]) for name in WEIGHTS}
        score = sum(c.weight * c.percentile for c in components.values()) / total
        units = tuple(sorted({u for t in groups[key] for u in t.units}))
        problems.append(Problem(0, key[0], key[1], round(score, 4), components, units))
    problems.sort(key=lambda p: (-p.score, -p.components["volume"].numerator, p.leaf, p.district or ""))
    return [Problem(i, p.leaf, p.district, p.score, p.components, p.units)
            for i, p in enumerate(problems[:limit], start=1)]


def body_of(unit: str) -> str:
    """The unit as the spread counts it: every street office is one body (街道), every district government one."""
    kind = unit.split(":", 1)[0]
    return kind if kind in ("street", "district") else unit


def _sortable(value: float | int | None) -> float:
    return -1.0 if value is None else float(value)


def _components(members: list[ProblemTicket], examples: int) -> dict[str, tuple]:
    """(value, numerator, denominator, example ids) per component."""
    repeats = [t.id for t in members if t.repeat]
    visited = [t for t in members if t.visited]
    unsatisfied = [t.id for t in visited if t.unsatisfied]
    bodies: dict[str, int] = {}
    for t in members:
        for unit in t.units:
            bodies.setdefault(body_of(unit), t.id)     # the first ticket that shows each
    spread = sorted(bodies.values())
    return {"volume": (len(members), len(members), None, tuple(t.id for t in members[:examples])),
            "repeat": (_share(len(repeats), len(members)), len(repeats), len(members), tuple(repeats[:examples])),
            "dissatisfaction": (_share(len(unsatisfied), len(visited)), len(unsatisfied), len(visited),
                                tuple(unsatisfied[:examples])),
            "spread": (len(bodies), len(bodies), None, tuple(dict.fromkeys(spread))[:examples])}
