"""Response schemas of the catalogue API."""
from __future__ import annotations

from pydantic import BaseModel


class DispatchOut(BaseModel):
    responsible: str
    responsible_name: str
    co_handlers: list[str]
    co_handler_names: list[str]
    dispatch_mode: str
    closure_standard: str
    time_limit: str
    urgency: str
    examples: list[str]


class NodeBrief(BaseModel):
    code: str
    level: int
    level_name: str
    name: str
    is_leaf: bool


class NodeOut(NodeBrief):
    parent: str | None
    path: str
    description: str
    keywords: list[str]
    aliases: list[str]
    ancestors: list[NodeBrief]
    children: list[NodeBrief]
    dispatch: DispatchOut | None


class SearchHitOut(BaseModel):
    node: NodeBrief
    path: str
    score: float
    matched: list[str]


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    hours: str
    phone: str
    active: bool
    district: str | None


class StatsOut(BaseModel):
    levels: dict[str, int]
    leaves: int
    units: int
    version: str
    name: str
    examples: int
    departments: int
    districts: int
    streets: int
    communities: int
    roads: int
