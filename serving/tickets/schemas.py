"""Request and response bodies of the tickets API (unknown fields are rejected)."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TEXT = 5000


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    MAILBOX = "mailbox"
    HANDOVER_110 = "handover_110"
    GRID = "grid"
    ENTERPRISE = "enterprise"


def phone_hash(phone: str | None) -> str | None:
    """The caller's identity across tickets: a hash of the phone's digits (the number itself is never stored)."""
    digits = re.sub(r"\D", "", phone or "")
    return hashlib.sha256(digits.encode()).hexdigest() if digits else None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AttachmentIn(Strict):
    """An attachment's metadata: the file itself stays with the channel that received it (photo, recording)."""

    name: str = Field(min_length=1, max_length=200)
    content_type: str = Field(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=100, description="e.g. image/jpeg")
    size: int = Field(ge=0, le=100 * 1024 * 1024, description="bytes")
    url: str | None = Field(default=None, max_length=500, description="where the channel keeps the file")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class TicketIn(Strict):
    channel: Channel
    text: str = Field(min_length=5, max_length=MAX_TEXT, description="诉求内容")
    title: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    district: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    street: str | None = Field(default=None, pattern=r"^[A-Z]{2}\d{2}$")
    caller_id: str | None = Field(default=None, max_length=64)
    caller_phone: str | None = Field(default=None, pattern=r"^[\d\- ]{5,20}$")
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=128)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)

    @field_validator("text")
    @classmethod
    def _has_content(cls, value: str) -> str:
        if not re.search(r"[\w\u4e00-\u9fff]", value):
            raise ValueError("the complaint text has no words")
        return value

    def caller_phone_hash(self) -> str | None:
        return phone_hash(self.caller_phone)

    def caller_phone_masked(self) -> str | None:
        digits = re.sub(r"\D", "", self.caller_phone or "")
        return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else None


class DispatchIn(Strict):
    leaf: str = Field(pattern=r"^(\d\d){3,4}$", description="catalogue leaf code")
    lead_unit: str | None = None
    co_units: list[str] | None = None
    mode: Literal["直派", "逐级转派", "双派"] | None = None
    district: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    street: str | None = Field(default=None, pattern=r"^[A-Z]{2}\d{2}$")
    reason: str = Field(default="", max_length=500)
    urgency: Literal["一般", "紧急", "立即办"] | None = Field(
        default=None, description="the agent's call; default: the leaf's, raised to what the text shows (立即办 "
                                  "shortens the time limit to the emergency limit)")


class SplitItemIn(Strict):
    span: str = Field(min_length=2, max_length=MAX_TEXT, description="the part of the complaint about this problem")
    leaf: str = Field(pattern=r"^(\d\d){3,4}$")


class SplitIn(Strict):
    """拆分: the problems of the complaint, each to become a linked ticket; default: the stored proposal."""

    items: list[SplitItemIn] | None = Field(default=None, min_length=2, max_length=6)
    reason: str = Field(default="", max_length=500)


class ReasonIn(Strict):
    reason: str = Field(min_length=2, max_length=1000)


class NoteIn(Strict):
    """An optional reason (closing, archiving)."""

    reason: str = Field(default="", max_length=1000)


class ReplyIn(Strict):
    text: str = Field(min_length=5, max_length=MAX_TEXT)


class ForwardIn(Strict):
    unit: str = Field(pattern=r"^street:[A-Z]{2}\d{2}$")


class ExtensionIn(Strict):
    days: int = Field(ge=1, le=30)
    reason: str = Field(min_length=2, max_length=1000)


class DecisionIn(Strict):
    approve: bool
    reason: str = Field(min_length=2, max_length=1000)


class VisitIn(Strict):
    satisfaction: Literal["满意", "基本满意", "不满意"]
    resolved: bool | None = Field(default=None, description="问题是否解决; default: not 不满意")
    note: str = Field(default="", max_length=1000)


class ConsultationIn(Strict):
    """会商 decided: the units that handle the ticket from now on (商定办 / 指定办)."""

    lead_unit: str = Field(min_length=2, max_length=32)
    co_units: list[str] = Field(default_factory=list, max_length=10)
    reason: str = Field(min_length=2, max_length=1000)


class LookbackIn(Strict):
    passed: bool
    note: str = Field(min_length=2, max_length=1000, description="回头看 finding")


class AnswerIn(Strict):
    text: str = Field(min_length=5, max_length=MAX_TEXT)
    leaf: str | None = Field(default=None, pattern=r"^(\d\d){3,4}$")


class MergeIn(Strict):
    into: int
    reason: str = Field(min_length=2, max_length=1000)


class AssignmentOut(BaseModel):
    unit: str
    unit_name: str
    role: str
    active: bool
    signed_at: datetime | None
    replied_at: datetime | None
    reply_text: str


class CandidateOut(BaseModel):
    leaf: str
    path: str
    probability: float
    evidence: list[str]


class SuggestionOut(BaseModel):
    status: str                 # ok | empty | unavailable | error
    source: str
    candidates: list[CandidateOut]
    chosen_rank: int | None
    accepted: bool | None
    advice: dict | None = None  # place, units (主办 / 协办 with reasons), similar cases; None without a trained model
    signals: dict | None = None  # urgency, risk flags with scores and evidence, the split proposal; None: not detected


class ChildOut(BaseModel):
    id: int
    number: str
    status: str
    status_name: str
    leaf: str | None
    leaf_path: str | None
    lead_unit: str | None
    text: str
    due_at: datetime | None


class TicketOut(BaseModel):
    id: int
    number: str
    status: str
    status_name: str
    channel: str
    title: str
    text: str
    address: str
    district: str | None
    street: str | None
    caller_phone_masked: str | None
    leaf: str | None
    leaf_path: str | None
    dispatch_mode: str | None
    urgency: str | None
    time_limit: str | None
    due_at: datetime | None
    extended_days: int
    return_pending: bool
    extension_pending_days: int
    reply_text: str
    satisfaction: str | None
    reopen_count: int
    warning: str | None            # green / yellow / red while being handled
    supervised: bool               # in the supervision pool (督办池)
    repeat_count: int              # earlier tickets about the same problem
    repeat_of: int | None = None   # the earlier ticket this one repeats (linked by the supervision sweep)
    auto_dispatched: bool = False  # dispatched without waiting: the leaf's auto-dispatch threshold was met
    consultation_pending: bool = False   # 会商 requested, not yet decided
    resolved: bool | None = None   # the return visit: was the problem solved
    lookback_at: datetime | None = None  # sampled for 回头看
    lookback_result: str | None = None   # passed | failed
    attachments: list[dict] = []         # metadata of photos, recordings … (files stay with the channel)
    parent_id: int | None = None         # the ticket this one was split from
    children: list[ChildOut] = []        # the tickets this one was split into
    catalogue_version: str
    created_at: datetime
    dispatched_at: datetime | None
    closed_at: datetime | None
    assignments: list[AssignmentOut]
    suggestion: SuggestionOut | None
    allowed_actions: list[str]


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int
    page: int
    page_size: int


class AuditOut(BaseModel):
    at: datetime
    actor: str
    role: str
    action: str
    from_status: str | None
    to_status: str
    reason: str
    details: dict
