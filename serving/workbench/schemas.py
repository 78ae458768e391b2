"""Bodies of the workbench API: what the agents', supervisors' and maintainers' pages need beyond the tickets API."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from serving.tickets.schemas import Strict, TicketIn, TicketOut


class StatusOut(BaseModel):
    model_available: bool    # dispatch advice from the trained classifier; otherwise the agent searches by hand
    suggester: str | None    # the suggester's version (classifier:…, keyword:…), None without one
    catalogue_version: str
    now: datetime            # the service's clock
    signals: str | None = None   # the urgency and risk detector: learned:<version> or the keyword rules' version
    signals_fallback: str = ""   # why the keyword rules answer, when they do


class DraftIn(Strict):
    """A call not yet registered: who calls and where the problem is."""

    caller_phone: str | None = TicketIn.model_fields["caller_phone"]
    address: str = Field(default="", max_length=300)


class SignalDraftIn(Strict):
    """A call not yet registered: its text, and the place when the agent knows it (for the split items' units)."""

    text: str = TicketIn.model_fields["text"]
    title: str = TicketIn.model_fields["title"]
    address: str = TicketIn.model_fields["address"]
    district: str | None = TicketIn.model_fields["district"]
    street: str | None = TicketIn.model_fields["street"]


class EarlierTicketOut(BaseModel):
    id: int
    number: str
    created_at: datetime
    status: str
    status_name: str
    leaf: str | None
    leaf_path: str | None
    text: str                 # the first 120 characters
    address: str
    reply_text: str           # the first 200 characters
    satisfaction: str | None


class RepeatsOut(BaseModel):
    window_days: int
    by_caller: list[EarlierTicketOut]    # same caller phone
    by_address: list[EarlierTicketOut]   # same address
    repeat: bool                         # either list is non-empty


class UnitRefOut(BaseModel):
    code: str
    name: str


class PreviewOut(BaseModel):
    """How a leaf would be dispatched now: by its catalogue rule, with the place when known."""

    leaf: str
    name: str
    path: str
    dispatch_mode: str
    time_limit: str
    urgency: str
    on_the_spot: bool                    # 即办: answered during the call
    due_at: datetime
    lead: UnitRefOut | None              # None when the rule is 属地 and the place is not known yet
    lead_rule: str                       # the rule as an agent reads it (e.g. 属地街道办事处/乡镇)
    co: list[UnitRefOut]
    missing_place: str | None            # 'street' or 'district' when the rule needs it
    closure_standard: str


class CorrectedLeafOut(BaseModel):
    leaf: str
    path: str | None                     # None when the active catalogue no longer has the code
    count: int


class CorrectionPairOut(BaseModel):
    suggested: str
    suggested_path: str | None
    chosen: str
    chosen_path: str | None
    count: int


class CorrectionOut(BaseModel):
    ticket_id: int
    number: str
    decided_at: datetime | None
    decided_by: str | None
    suggested: str
    suggested_path: str | None
    probability: float
    chosen: str
    chosen_path: str | None
    chosen_rank: int | None              # where the chosen leaf was in the top-3; None: not suggested


class CorrectionsOut(BaseModel):
    decided: int                         # suggestions an agent decided on
    corrected: int                       # … where the chosen leaf was not the top suggestion
    by_leaf: list[CorrectedLeafOut]      # per chosen leaf: what the model should learn
    pairs: list[CorrectionPairOut]       # suggested → chosen, most frequent first
    recent: list[CorrectionOut]


class BoardOut(BaseModel):
    now: datetime
    urgent: list[TicketOut]              # 立即办 (by the text or the leaf), not yet replied to: newest first
    overdue: list[TicketOut]             # being handled past the due time
    pool: list[TicketOut]                # 督办池
    repeats: list[TicketOut]             # the third (or later) complaint about the same problem
    unsatisfied: list[TicketOut]         # 不满意, or being handled again (重办)
    pending: list[TicketOut]             # waiting for a supervisor: 退单, 延期, 会商
