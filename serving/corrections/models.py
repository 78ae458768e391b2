"""A maintainer's verdict on a disputed decision, and a shadow model's prediction beside a suggestion."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from serving.db import Base


class CorrectionReview(Base):
    """label: the agent's choice is the true leaf (train on it); agent_error: it is not (leave it out)."""
    __tablename__ = "correction_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), unique=True)
    verdict: Mapped[str] = mapped_column(String(16))            # label | agent_error
    leaf: Mapped[str | None] = mapped_column(String(8))         # the label the maintainer settled on
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime]


class ShadowPrediction(Base):
    """What a candidate model said about a ticket at intake, while the current model served it."""
    __tablename__ = "shadow_predictions"
    __table_args__ = (UniqueConstraint("ticket_id", "model_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    model_version: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))             # ok | error
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime]
