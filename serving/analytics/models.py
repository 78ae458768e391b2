"""Analytics tables: hot-spot warnings (one row per key and day the spike detector raised, so each is announced
once) and the indicator facts the period figures are read from."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Index, Integer, SmallInteger, String, UniqueConstraint
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


class IndicatorFact(Base):
    """One thing an indicator counts (a ticket created, a lead assignment, a return visit …), with the time that
    places it in a period, the ticket's cut columns and its measures as 0/1, kept current with its ticket
    (serving/analytics/facts.py). A period's figures are one indexed range read of this table.

    Rows with `is_primary` are counted by every cut but the unit; the unit cut counts the rows with a unit: a lead
    assignment carries its own, and a ticket-level thing has one extra row per distinct unit that led its ticket."""
    __tablename__ = "indicator_facts"
    # every column a period's figures read, in the index that finds the period: the GROUP BY never reads the table
    __table_args__ = (Index("ix_indicator_facts_period", "cohort", "at", "is_primary", "next_at", "unit", "district",
                            "street", "leaf", "channel", "m1", "m2", "m3", "delay_s"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort: Mapped[str] = mapped_column(String(12))
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)   # no foreign key: facts follow, never block
    counted_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    next_at: Mapped[datetime | None]         # visits: the ticket's next visit (a visit counts if it is the last)
    is_primary: Mapped[bool] = mapped_column(Boolean)
    unit: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(8))
    street: Mapped[str | None] = mapped_column(String(8))
    leaf: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(32))
    satisfaction: Mapped[str | None] = mapped_column(String(8))
    delay_s: Mapped[float | None] = mapped_column(Float)     # assignments: seconds from assigned to signed
    m1: Mapped[int] = mapped_column(SmallInteger, default=0)
    m2: Mapped[int] = mapped_column(SmallInteger, default=0)
    m3: Mapped[int] = mapped_column(SmallInteger, default=0)


class FactsState(Base):
    """Which definition of the facts the table was last built with (rebuilt when the code's differs)."""
    __tablename__ = "indicator_facts_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str | None] = mapped_column(String(16))
    built_at: Mapped[datetime | None]
