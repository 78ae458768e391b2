"""Request and response bodies of the model operations API."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=500, description="Why (recorded in the registry's history).")


class RetrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Decisions from this day on.")
    shadow: bool = Field(False, description="Put the new model in shadow instead of promoting it.")
    promote: bool = Field(True, description="Promote when the gate passes (ignored with shadow).")
    overrides: list[str] = Field(default_factory=list, max_length=20,
                                 description="Config overrides, section.key=value (e.g. retrain.epochs=2).")
