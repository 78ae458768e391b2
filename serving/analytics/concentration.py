"""Concentration: the streets and communities where a leaf's complaints are far denser than its city-wide volume
and the place's share of all complaints predict. Pure functions over placed tickets.

A street's expected count for a leaf is the leaf's city-wide count × the street's share of every placed ticket in
the same period; a community's is its street's expected count split evenly over the street's communities (from
the gazetteer). The score is the Poisson upper tail of the count."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson


@dataclass(frozen=True)
class Placed:
    """A ticket's leaf and place (community None where neither field nor text names one)."""
    id: int
    number: str | None
    leaf: str
    district: str | None
    street: str
    community: str | None = None


@dataclass(frozen=True)
class DensityPolicy:
    min_count: int = 5          # fewer tickets never make a dense place
    alpha: float = 1e-6         # the Poisson tail below which a count is unusual
    ratio: float = 3.0          # … and at least this many times the expected count

    def __post_init__(self):
        if self.min_count < 2:
            raise ValueError(f"a dense place needs at least 2 tickets (min_count), got {self.min_count}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha is a probability between 0 and 1, got {self.alpha}")


@dataclass(frozen=True)
class DenseCell:
    level: str                  # street | community
    leaf: str
    district: str | None
    street: str
    community: str | None
    count: int
    expected: float
    ratio: float
    score: float                # −log10 of the Poisson upper tail
    leaf_total: int             # the leaf's placed tickets city-wide
    share: float                # the place's share of all placed tickets (a community: its street's, evenly split)
    tickets: tuple[int, ...]    # ids, oldest first
    communities: tuple[tuple[str, int], ...] = ()   # a street's tickets per community, most first


def crowded(tickets: Sequence[Placed], min_count: int) -> set[tuple[str, str]]:
    """The (leaf, street) cells with at least `min_count` tickets: the only ones worth placing more precisely."""
    return {cell for cell, n in Counter((t.leaf, t.street) for t in tickets).items() if n >= min_count}


def _tail(count: int, expected: float) -> float:
    return float(poisson.sf(count - 1, expected))


def _unusual(count: int, expected: float, policy: DensityPolicy) -> float | None:
    """The score of a count that is unusual, else None."""
    if count < policy.min_count or count < policy.ratio * expected:
        return None
    tail = _tail(count, expected)
    return round(-float(np.log10(max(tail, 1e-300))), 2) if tail <= policy.alpha else None


def dense_cells(tickets: Sequence[Placed], *, communities_per_street: dict[str, int],
                policy: DensityPolicy = DensityPolicy()) -> list[DenseCell]:
    """Leaf × street and leaf × community cells denser than expected, strongest first."""
    if not tickets:
        return []
    volume = Counter(t.street for t in tickets)
    total = len(tickets)
    leaf_total = Counter(t.leaf for t in tickets)
    by_cell: dict[tuple[str, str], list[Placed]] = {}
    for t in tickets:
        by_cell.setdefault((t.leaf, t.street), []).append(t)
    found = []
    for (leaf, street), members in by_cell.items():
        if len(members) < policy.min_count:
            continue
        share = volume[street] / total
        expected = leaf_total[leaf] * share
        per_community = Counter(t.community for t in members if t.community)
        score = _unusual(len(members), expected, policy)
        if score is not None:
            found.append(_cell("street", members, None, expected, score, leaf_total[leaf], share,
                               tuple(sorted(per_community.items(), key=lambda cn: (-cn[1], cn[0])))))
        split = max(communities_per_street.get(street, 1), 1)
        for community, count in per_community.items():
            score = _unusual(count, expected / split, policy)
            if score is not None:
                inside = [t for t in members if t.community == community]
                found.append(_cell("community", inside, community, expected / split, score, leaf_total[leaf],
                                   share / split))
    return sorted(found, key=lambda c: (-c.score, -c.count, c.leaf, c.street, c.community or ""))


def _cell(level: str, members: list[Placed], community: str | None, expected: float, score: float,
          leaf_total: int, share: float, communities: tuple = ()) -> DenseCell:
    first = members[0]
    return DenseCell(level, first.leaf, first.district, first.street, community, len(members), round(expected, 3),
                     round(len(members) / expected, 1), score, leaf_total,
                     round(share, 5), tuple(t.id for t in members), communities)
