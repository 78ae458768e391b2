"""Hot-spot warnings: one row per key and day the spike detector raised, so each is announced once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from serving.db import Base


class HotspotWarning(Base):
    __tablename__ = "hotspot_warnings"
    __table_args__ = (UniqueConstraint("level", "code", "district", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(8))        # leaf | sub (小类)
    code: Mapped[str] = mapped_column(String(8))
    district: Mapped[str] = mapped_column(String(8))     # a district code, or "city"
    day: Mapped[str] = mapped_column(String(10), index=True)   # YYYY-MM-DD, Asia/Shanghai
    count: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    last_year: Mapped[int | None] = mapped_column(Integer)
    units: Mapped[list] = mapped_column(JSON, default=list)   # the departments the warning goes to
    created_at: Mapped[datetime]
