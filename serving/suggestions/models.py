"""One suggestion per ticket, and the agent's decision beside it (the data for evaluation and retraining)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from serving.db import Base


class Suggestion(Base):
    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16))          # ok | empty | unavailable | error
    source: Mapped[str] = mapped_column(String(64))          # the suggester's version
    catalogue_version: Mapped[str] = mapped_column(String(40))
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    advice: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")  # place, units, similar cases
    signals: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")  # urgency, flags, split proposal
    error: Mapped[str] = mapped_column(Text, default="")
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime]
    chosen_leaf: Mapped[str | None] = mapped_column(String(8))
    chosen_lead: Mapped[str | None] = mapped_column(String(32))
    chosen_rank: Mapped[int | None] = mapped_column(Integer)  # 1 = the top suggestion; None = not suggested
    accepted: Mapped[bool | None] = mapped_column(Boolean)    # chose the top suggestion's leaf
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(index=True)
    # the text's embedding from the suggester's encoder pass (float16, L2-normalised; `source` is its model):
    # emerging topics read it instead of running the encoder again over weeks of tickets
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
