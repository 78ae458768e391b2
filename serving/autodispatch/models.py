"""One rule per catalogue leaf: the confidence at or above which its tickets are dispatched automatically."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from serving.db import Base


class AutoDispatchRule(Base):
    __tablename__ = "auto_dispatch_rules"

    leaf: Mapped[str] = mapped_column(String(8), primary_key=True)
    min_probability: Mapped[float] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
