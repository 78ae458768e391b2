"""Ticket tables: the ticket, its unit assignments (主办 / 协办) and its audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship
from sqlalchemy.sql import ColumnElement

from serving.db import Base


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    caller_id: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_phone_masked: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(300), default="")
    district: Mapped[str | None] = mapped_column(String(8))
    street: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)
    catalogue_version: Mapped[str] = mapped_column(String(40))
    leaf: Mapped[str | None] = mapped_column(String(8), index=True)
    dispatch_mode: Mapped[str | None] = mapped_column(String(8))
    urgency: Mapped[str | None] = mapped_column(String(8))
    time_limit: Mapped[str | None] = mapped_column(String(16))
    due_at: Mapped[datetime | None]
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    return_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_pending_days: Mapped[int] = mapped_column(Integer, default=0)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[str | None] = mapped_column(String(8))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    reminded_at: Mapped[datetime | None]        # 催办 sent (yellow light)
    supervised_at: Mapped[datetime | None]      # entered the supervision pool (督办池)
    repeat_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # earlier tickets, same problem
    repeat_of: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))  # the earlier ticket it repeats
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)  # the ticket it was split from
    auto_dispatched: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    consultation_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # 会商
    resolved: Mapped[bool | None] = mapped_column(Boolean)          # return visit: was the problem solved
    lookback_at: Mapped[datetime | None]                            # sampled for 回头看
    lookback_result: Mapped[str | None] = mapped_column(String(8))  # passed | failed
    attachments: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")  # metadata; files stay upstream
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]

    assignments: Mapped[list[Assignment]] = relationship(back_populates="ticket", order_by="Assignment.id",
                                                         cascade="all, delete-orphan")
    audit: Mapped[list[AuditEntry]] = relationship(back_populates="ticket", order_by="AuditEntry.id",
                                                   cascade="all, delete-orphan")

    def active_assignments(self) -> list[Assignment]:
        return [a for a in self.assignments if a.active]

    def lead(self) -> Assignment | None:
        return next((a for a in self.active_assignments() if a.role == "lead"), None)


def split_parent() -> ColumnElement[bool]:
    """SQL: the ticket was split into linked child tickets (counts count its items, not it as well)."""
    child = aliased(Ticket, name="child")
    return select(child.id).where(child.parent_id == Ticket.id).exists()


class Assignment(Base):
    """A unit's part in a ticket: the lead (主办) or a co-handler (协办); inactive once returned or forwarded."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_ticket_role_unit", "ticket_id", "role", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead | co
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(index=True)
    signed_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None]
    reply_text: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship(back_populates="assignments")


class AuditEntry(Base):
    """Who did what to a ticket, when, from which state to which, and why."""

    __tablename__ = "ticket_audit"
    __table_args__ = (Index("ix_ticket_audit_action_at_ticket", "action", "at", "ticket_id"),
                      Index("ix_ticket_audit_ticket_action_at", "ticket_id", "action", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="audit")
