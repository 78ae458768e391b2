"""Responsible-unit recommendation: the catalogue's rule for the likely leaves, the place, and similar cases.

Units are scored as *roles*: a department code, or 属地 at street or district level. A role is turned into a
concrete unit by the resolved place (先属责、后属地), so a case handled by one street office also counts for
another street's office when the rule is 属地. Inactive units are never recommended."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from catalog import Catalogue
from catalog.rules import DispatchMode, UnitRule
from model.location import Resolution

STREET, DISTRICT = "territory:street", "territory:district"
SATISFIED = ("满意", "基本满意")
RULE_WEIGHT = 0.6       # share of the score from the catalogue rule (the rest from similar cases); tuned on dev


@dataclass(frozen=True)
class Place:
    """Where the problem is, as far as known (codes; None when unknown)."""

    district: str | None = None
    street: str | None = None
    community: str | None = None


def place_of(resolution: Resolution, district: str | None = None, street: str | None = None) -> Place:
    """The place to dispatch to: codes given by the channel win, else the resolver's best candidate."""
    best = resolution.best
    if street:
        return Place(street[:2], street, best.community if best and best.street == street else None)
    if district:
        same = best if best and best.district == district else None
        return Place(district, same.street if same else None, same.community if same else None)
    return Place(best.district, best.street, best.community) if best else Place()


@dataclass(frozen=True)
class UnitSuggestion:
    unit: str
    name: str
    role: str              # 主办 | 协办
    score: float
    reasons: tuple[str, ...]

    def to_json(self) -> dict:
        return {"unit": self.unit, "name": self.name, "role": self.role, "score": round(self.score, 4),
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Recommendation:
    units: tuple[UnitSuggestion, ...]    # 主办 candidates best first, then the co-handlers of the best
    mode: str                            # 直派 | 双派 | 逐级转派 | 即办
    confidence: float                    # the best 主办 candidate's score
    leaf: str | None = None

    @property
    def lead(self) -> UnitSuggestion | None:
        return next((u for u in self.units if u.role == "主办"), None)

    def to_json(self) -> dict:
        return {"units": [u.to_json() for u in self.units], "mode": self.mode,
                "confidence": round(self.confidence, 4), "leaf": self.leaf}


def role_of_rule(rule: UnitRule) -> str:
    return f"territory:{rule.target}" if rule.is_territory else rule.target


def role_of_unit(unit: str) -> str:
    """The role a concrete unit played: street and district offices stand for 属地."""
    if unit.startswith("street:"):
        return STREET
    if unit.startswith("district:"):
        return DISTRICT
    return unit


@dataclass
class _Votes:
    scores: Counter = field(default_factory=Counter)
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def add(self, role: str, score: float, reason: str | None = None) -> None:
        self.scores[role] += score
        if reason:
            self.reasons.setdefault(role, []).append(reason)


class UnitRecommender:
    def __init__(self, catalogue: Catalogue, rule_weight: float = RULE_WEIGHT):
        if not 0 <= rule_weight <= 1:
            raise ValueError(f"rule_weight must be within [0, 1], got {rule_weight}")
        self.catalogue, self.rule_weight = catalogue, rule_weight

    def recommend(self, leaves: list[tuple[str, float]], place: Place, cases: list = (), top: int = 3) -> Recommendation:
        """`leaves`: (leaf code, probability) best first; `cases`: similar closed cases (retrieval Hits), best first."""
        votes = _Votes()
        counted = [hit.case for hit in cases if hit.case.lead_unit]
        rule_share = self.rule_weight if counted or not self.rule_weight else 1.0   # no cases: the rule decides
        self._rule_votes(votes, [(leaf, p) for leaf, p in leaves if leaf in self.catalogue], rule_share)
        self._case_votes(votes, counted)
        leads = []
        for role, score in sorted(votes.scores.items(), key=lambda item: (-item[1], item[0])):
            unit = self.concrete(role, place)
            if unit is not None and unit not in {u.unit for u in leads}:
                leads.append(UnitSuggestion(unit, self.catalogue.unit(unit).name, "主办", score,
                                            tuple(votes.reasons.get(role, ())) + self._place_reason(role, place)))
            if len(leads) == top:
                break
        best_leaf = next((leaf for leaf, _ in leaves if leaf in self.catalogue), None)
        co = self._co_handlers(best_leaf, place, leads[0].unit if leads else None)
        return Recommendation(tuple(leads) + tuple(co), self._mode(best_leaf, place, leads),
                              leads[0].score if leads else 0.0, best_leaf)

    def _rule_votes(self, votes: _Votes, leaves: list[tuple[str, float]], share: float) -> None:
        total = max(1.0, sum(p for _, p in leaves))   # unnormalised: an unsure classifier lowers the confidence
        for leaf, p in leaves:
            node = self.catalogue.get(leaf)
            votes.add(role_of_rule(node.dispatch.responsible), share * p / total,
                      f"清单规定：{node.name}（{p:.0%}）由{self._role_name(node.dispatch.responsible)}主办")

    def _case_votes(self, votes: _Votes, counted: list) -> None:
        """Similar closed cases (with a lead unit) vote for the role their lead played."""
        by_role: dict[str, list] = {}
        for case in counted:
            by_role.setdefault(role_of_unit(case.lead_unit), []).append(case)
        for role, group in by_role.items():
            satisfied = sum(c.satisfaction in SATISFIED for c in group)
            name = self._unit_name(group[0].lead_unit) if role not in (STREET, DISTRICT) else \
                ("属地街道" if role == STREET else "属地区政府")
            votes.add(role, (1 - self.rule_weight) * len(group) / len(counted),
                      f"相似案例 {len(group)}/{len(counted)} 由{name}办结，满意 {satisfied} 件")

    def concrete(self, role: str, place: Place) -> str | None:
        """The unit that plays a role at a place: None when the place is unknown or the unit inactive."""
        if role == STREET:
            unit = f"street:{place.street}" if place.street else (f"district:{place.district}" if place.district else None)
        elif role == DISTRICT:
            unit = f"district:{place.district}" if place.district else None
        else:
            unit = role
        return unit if unit and self._active(unit) else None

    def _active(self, unit: str) -> bool:
        try:
            return self.catalogue.unit(unit).active
        except KeyError:
            return False

    def _co_handlers(self, leaf: str | None, place: Place, lead: str | None) -> list[UnitSuggestion]:
        if leaf is None:
            return []
        out = []
        for rule in self.catalogue.get(leaf).dispatch.co_handlers:
            unit = self.concrete(role_of_rule(rule), place)
            if unit and unit != lead and unit not in {u.unit for u in out}:
                out.append(UnitSuggestion(unit, self.catalogue.unit(unit).name, "协办", 0.0,
                                          (f"清单规定：{self.catalogue.get(leaf).name} 协办",)))
        return out

    def _mode(self, leaf: str | None, place: Place, leads: list[UnitSuggestion]) -> str:
        if leaf is None:
            return DispatchMode.DIRECT.value
        d = self.catalogue.get(leaf).dispatch
        if str(d.time_limit) == "即办":
            return "即办"
        if d.responsible.is_territory and d.responsible.target == "street" and not place.street:
            return DispatchMode.STEPWISE.value   # the street is unknown: the district forwards it
        return d.mode.value

    def _place_reason(self, role: str, place: Place) -> tuple[str, ...]:
        if role not in (STREET, DISTRICT) or not place.district:
            return ()
        district = self.catalogue.district(place.district).name
        if role == STREET and place.street:
            return (f"属地：{district} {self.catalogue.street(place.street).name}",)
        if role == STREET:
            return (f"属地：{district}（街道未明，由区转派）",)
        return (f"属地：{district}",)

    def _role_name(self, rule: UnitRule) -> str:
        if rule.is_territory:
            return "属地街道" if rule.target == "street" else "属地区政府"
        return self._unit_name(rule.target)

    def _unit_name(self, code: str) -> str:
        try:
            return self.catalogue.unit(code).name
        except KeyError:
            return code
