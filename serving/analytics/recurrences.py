"""屡治屡犯: the same problem at the same place coming back after it was closed, again and again. Pure functions.

Tickets are grouped by leaf and place: the spot the address names (community and building, or road and house
number: model.repeats.spot_of); a community alone is no place here, a busy leaf has many problems in one. Walking a group in time order, a ticket is a return when
an earlier ticket of the group was closed after the previous return (or the first ticket) was filed and before it
was: several tickets while the problem is still being handled count once. A group with `times` returns or more in
the lookback is listed, with its chain of tickets."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Case:
    """A ticket as the recurrence finder sees it: its problem, place and when it was filed and first closed."""
    id: int
    number: str | None
    leaf: str
    district: str | None
    street: str | None
    place: str                   # a spot: community|building, or road + house number
    created_at: datetime
    closed_at: datetime | None   # first closed (or answered on the spot); None while open


@dataclass(frozen=True)
class Link:
    case: Case
    returned: bool               # filed after an earlier ticket of the chain had been closed


@dataclass(frozen=True)
class Recurrence:
    leaf: str
    district: str | None
    street: str | None
    place: str
    returns: int
    chain: tuple[Link, ...]      # oldest first

    @property
    def first_at(self) -> datetime:
        return self.chain[0].case.created_at

    @property
    def last_at(self) -> datetime:
        return self.chain[-1].case.created_at


def chain_of(cases: Sequence[Case]) -> tuple[Link, ...]:
    """The group's tickets in time order, each marked whether it came back after a closure."""
    ordered = sorted(cases, key=lambda c: (c.created_at, c.id))
    links, since = [], None
    for i, case in enumerate(ordered):
        returned = since is not None and any(
            e.closed_at is not None and since <= e.closed_at <= case.created_at for e in ordered[:i])
        if i == 0 or returned:
            since = case.created_at
        links.append(Link(case, returned))
    return tuple(links)


def recurrences(cases: Sequence[Case], *, times: int = 3) -> list[Recurrence]:
    """Leaf × place groups with at least `times` returns after closure, most returns first."""
    if times < 1:
        raise ValueError(f"times counts returns after a closure and must be at least 1, got {times}")
    groups: dict[tuple, list[Case]] = {}
    for case in cases:
        groups.setdefault((case.leaf, case.district, case.street, case.place), []).append(case)
    found = []
    for (leaf, district, street, place), members in groups.items():
        if len(members) <= times:
            continue
        links = chain_of(members)
        returns = sum(link.returned for link in links)
        if returns >= times:
            found.append(Recurrence(leaf, district, street, place, returns, links))
    return sorted(found, key=lambda r: (-r.returns, -len(r.chain), -r.last_at.timestamp(), r.leaf, r.place))
