"""The emergency limit a 立即办 ticket is handled within: the catalogue's own 立即办 limit for the leaf's 大类 (the
shortest among its 立即办 leaves), else the longest any 立即办 leaf may have (catalog/validate.py)."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from catalog import Catalogue, Node
from catalog.deadlines import due_at
from catalog.rules import TimeLimit, TimeLimitKind, Urgency
from catalog.validate import IMMEDIATE_MAX_HOURS

CATALOGUE_WIDE = TimeLimit(TimeLimitKind.HOURS, IMMEDIATE_MAX_HOURS)


def _hours(limit: TimeLimit) -> float:
    return 0.0 if limit.kind is TimeLimitKind.ON_THE_SPOT else limit.amount


@lru_cache(maxsize=8)
def _by_top(catalogue: Catalogue) -> dict[str, TimeLimit]:
    """大类 code → the shortest clock-hour limit of its 立即办 leaves (即办 leaves are answered, not dispatched)."""
    found: dict[str, TimeLimit] = {}
    for leaf in catalogue.leaves():
        limit = leaf.dispatch.time_limit
        if leaf.dispatch.urgency is Urgency.IMMEDIATE and limit.kind is TimeLimitKind.HOURS:
            known = found.get(leaf.code[:2])
            if known is None or _hours(limit) < _hours(known):
                found[leaf.code[:2]] = limit
    return found


def emergency_limit(catalogue: Catalogue, leaf: Node) -> TimeLimit:
    return _by_top(catalogue).get(leaf.code[:2], CATALOGUE_WIDE)


def handling_limit(catalogue: Catalogue, leaf: Node, urgency: Urgency, start: datetime) -> TimeLimit:
    """The leaf's own limit, or for a 立即办 ticket the emergency limit when that falls due earlier."""
    own = leaf.dispatch.time_limit
    if urgency is not Urgency.IMMEDIATE or own.kind is TimeLimitKind.ON_THE_SPOT:
        return own
    emergency = emergency_limit(catalogue, leaf)
    return emergency if due_at(start, emergency) < due_at(start, own) else own
