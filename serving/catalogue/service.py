"""Catalogue queries shaped for the API: the catalogue is passed in, nothing is global."""
from __future__ import annotations

from catalog import Catalogue, Node
from catalog.rules import UnitRule
from serving.catalogue.schemas import DispatchOut, NodeBrief, NodeOut, SearchHitOut, UnitOut

TERRITORY_NAMES = {"district": "属地区县政府", "street": "属地街道办事处/乡镇"}


def rule_name(catalogue: Catalogue, rule: UnitRule) -> str:
    """A unit rule as an agent reads it: the unit's name, or which territorial level handles it."""
    if rule.is_territory:
        return TERRITORY_NAMES[rule.target]
    return catalogue.unit(rule.target).name


def brief(node: Node) -> NodeBrief:
    return NodeBrief(code=node.code, level=node.level, level_name=node.level_name, name=node.name,
                     is_leaf=node.is_leaf)


def node_detail(*, catalogue: Catalogue, code: str) -> NodeOut:
    node = catalogue.get(code)
    dispatch = None
    if node.dispatch:
        d = node.dispatch
        dispatch = DispatchOut(
            responsible=str(d.responsible), responsible_name=rule_name(catalogue, d.responsible),
            co_handlers=[str(r) for r in d.co_handlers],
            co_handler_names=[rule_name(catalogue, r) for r in d.co_handlers],
            dispatch_mode=d.mode.value, closure_standard=d.closure_standard, time_limit=str(d.time_limit),
            urgency=d.urgency.value, examples=list(d.examples))
    return NodeOut(**brief(node).model_dump(), parent=node.parent_code, path=catalogue.path_name(code),
                   description=node.description, keywords=list(node.keywords), aliases=list(node.aliases),
                   ancestors=[brief(a) for a in catalogue.ancestors(code)],
                   children=[brief(c) for c in catalogue.children(code)], dispatch=dispatch)


def search(*, catalogue: Catalogue, words: str, limit: int, leaves_only: bool) -> list[SearchHitOut]:
    return [SearchHitOut(node=brief(h.node), path=catalogue.path_name(h.node.code), score=h.score,
                         matched=list(h.matched))
            for h in catalogue.search(words, limit=limit, leaves_only=leaves_only)]


def units(*, catalogue: Catalogue, kind: str | None) -> list[UnitOut]:
    return [UnitOut(code=u.code, name=u.name, kind=u.kind, hours=u.hours, phone=u.phone, active=u.active,
                    district=u.district)
            for u in catalogue.units() if kind is None or u.kind == kind]
