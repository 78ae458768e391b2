"""Bodies of the corrections API."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["label", "agent_error"] = Field(description="label: train on it; agent_error: leave it out.")
    leaf: str | None = Field(None, pattern=r"^\d{6}(\d{2})?$", description="With label: the true leaf, when it is "
                             "neither the agent's choice nor the ticket's final leaf.")
    note: str = Field("", max_length=500)


class DisputedOut(BaseModel):
    suggestion_id: int
    ticket_id: int
    text: str
    title: str
    leaf: str
    leaf_path: str | None
    chosen_leaf: str
    suggested: str | None
    suggested_path: str | None
    probability: float | None
    decided_at: datetime
    decided_by: str


class ReviewOut(BaseModel):
    suggestion_id: int
    verdict: str
    leaf: str | None
    note: str
    reviewed_by: str
    reviewed_at: datetime
