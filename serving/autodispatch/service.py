"""Auto-dispatch rules and the evidence for them: agents' decisions on the model's suggestions."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.autodispatch.models import AutoDispatchRule
from serving.suggestions.models import Suggestion

AUTO_ACTOR = "auto-dispatch"


def rules(session: Session) -> list[AutoDispatchRule]:
    return list(session.scalars(select(AutoDispatchRule).order_by(AutoDispatchRule.leaf)))


def set_rule(session: Session, *, leaf: str, min_probability: float, enabled: bool, note: str, by: str,
             now: datetime) -> AutoDispatchRule:
    rule = session.get(AutoDispatchRule, leaf) or AutoDispatchRule(leaf=leaf)
    rule.min_probability, rule.enabled, rule.note, rule.updated_by, rule.updated_at = (
        min_probability, enabled, note, by, now)
    session.add(rule)
    return rule


def remove_rule(session: Session, *, leaf: str) -> bool:
    rule = session.get(AutoDispatchRule, leaf)
    if rule is not None:
        session.delete(rule)
    return rule is not None


@dataclass(frozen=True)
class Qualified:
    """A suggestion that meets its leaf's rule: the leaf, the probability and the threshold it met."""

    leaf: str
    probability: float
    threshold: float


def qualifies(session: Session, *, suggestion: Suggestion | None) -> Qualified | None:
    """The top candidate when an enabled rule for its leaf is met by its probability."""
    if suggestion is None or suggestion.status != "ok" or not suggestion.candidates:
        return None
    top = suggestion.candidates[0]
    rule = session.get(AutoDispatchRule, top["leaf"])
    if rule is None or not rule.enabled or top["probability"] < rule.min_probability:
        return None
    return Qualified(top["leaf"], top["probability"], rule.min_probability)


@dataclass(frozen=True)
class Proposal:
    leaf: str
    min_probability: float
    decided: int
    covered: int
    precision: float
    precision_lower: float


def wilson_lower(successes: int, total: int, z: float = 1.96) -> float:
    if total == 0:
        return 0.0
    p = successes / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (centre - margin) / (1 + z * z / total)


def decided_by_people(session: Session) -> list[tuple[str, float, bool]]:
    """(top suggested leaf, its probability, whether the agent chose it) for every human decision."""
    query = select(Suggestion.candidates, Suggestion.chosen_leaf).where(
        Suggestion.decided_at.is_not(None), Suggestion.decided_by != AUTO_ACTOR, Suggestion.status == "ok")
    out = []
    for candidates, chosen in session.execute(query):
        if candidates:
            out.append((candidates[0]["leaf"], float(candidates[0]["probability"]), chosen == candidates[0]["leaf"]))
    return out


def propose(session: Session, *, precision: float, min_support: int) -> list[Proposal]:
    """Per leaf, the lowest threshold at which agents agreed with the top suggestion at least `precision` of the
    time over at least `min_support` decisions; leaves that never get there are not proposed."""
    by_leaf: dict[str, list[tuple[float, bool]]] = {}
    for leaf, probability, agreed in decided_by_people(session):
        by_leaf.setdefault(leaf, []).append((probability, agreed))
    proposals = [lowest_threshold(leaf, rows, precision, min_support) for leaf, rows in sorted(by_leaf.items())]
    return [p for p in proposals if p is not None]


def lowest_threshold(leaf: str, rows: list[tuple[float, bool]], precision: float,
                      min_support: int) -> Proposal | None:
    rows = sorted(rows, key=lambda r: -r[0])
    best, agreed = None, 0
    for covered, (probability, ok) in enumerate(rows, start=1):
        agreed += ok
        at_tie = covered < len(rows) and rows[covered][0] == probability   # a threshold covers every equal score
        if covered >= min_support and not at_tie and agreed / covered >= precision:
            best = Proposal(leaf, round(probability, 4), len(rows), covered, round(agreed / covered, 4),
                            round(wilson_lower(agreed, covered), 4))
    return best
