"""Bodies of the auto-dispatch API."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_probability: float = Field(gt=0.0, le=1.0, description="the top suggestion's probability must reach this")
    enabled: bool = True
    note: str = Field(default="", max_length=500)


class RuleOut(BaseModel):
    leaf: str
    path: str
    min_probability: float
    enabled: bool
    note: str
    updated_by: str
    updated_at: datetime


class ProposalOut(BaseModel):
    leaf: str
    path: str
    min_probability: float
    decided: int        # agents' decisions on tickets whose top suggestion was this leaf
    covered: int        # of those, how many reach the threshold
    precision: float    # share of the covered ones the agent dispatched to this leaf
    precision_lower: float  # Wilson 95% lower bound of that precision
