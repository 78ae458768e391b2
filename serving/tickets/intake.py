"""Intake: accept a ticket once per idempotency key, ask for a suggestion and the signals (fail soft), and dispatch it
at once when its leaf's auto-dispatch threshold is met."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from serving.auth.models import Principal
from serving.autodispatch.service import AUTO_ACTOR, Qualified, qualifies
from serving.corrections.flows import shadow_predict
from serving.signals import flows as signals
from serving.suggestions import flows as suggestions
from serving.suggestions.models import Suggestion
from serving.tickets import service
from serving.tickets.flows import Context, FlowError, check_place, dispatch
from serving.tickets.models import Ticket
from serving.tickets.schemas import DispatchIn, TicketIn
from serving.tickets.states import Status

AUTO = Principal(name=AUTO_ACTOR, role="system", unit=None, key_hash="-", active=True)


class Conflict(Exception):
    """An idempotency key reused with a different request (409)."""


def _request_hash(data: TicketIn) -> str:
    payload = data.model_dump(exclude={"idempotency_key"}, mode="json")
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def register(ctx: Context, data: TicketIn, idempotency_key: str | None) -> tuple[Ticket, bool]:
    """Accept a ticket; the same idempotency key returns the ticket made the first time (created=False)."""
    key = idempotency_key or data.idempotency_key
    digest = _request_hash(data)
    if key:
        existing = service.find_by_idempotency_key(ctx.session, key=key)
        if existing is not None:
            if existing.request_hash != digest:
                raise Conflict(f"idempotency key {key!r} was already used for a different request "
                               f"(ticket {existing.number}); use a new key for a new request")
            return existing, False
    check_place(ctx.catalogue, data.district, data.street)
    ticket = Ticket(idempotency_key=key, request_hash=digest, channel=data.channel.value, caller_id=data.caller_id,
                    caller_phone_hash=data.caller_phone_hash(), caller_phone_masked=data.caller_phone_masked(),
                    title=data.title, text=data.text, address=data.address, district=data.district,
                    street=data.street, status=Status.REGISTERED.value,
                    attachments=[a.model_dump() for a in data.attachments],
                    catalogue_version=ctx.catalogue.version, created_at=ctx.now, updated_at=ctx.now)
    service.add_ticket(ctx.session, ticket=ticket, principal=ctx.principal, now=ctx.now)
    suggestion = suggestions.suggest(ctx.session, suggester=ctx.suggester, catalogue=ctx.catalogue,
                                     ticket_id=ticket.id, text=data.text, title=data.title, address=data.address,
                                     district=data.district, street=data.street, now=ctx.now)
    shadow_predict(ctx.session, shadow=getattr(ctx.suggester, "shadow", None), ticket_id=ticket.id, text=data.text,
                   title=data.title, now=ctx.now)
    signals.at_intake(ctx, ticket, suggestion)
    qualified = qualifies(ctx.session, suggestion=suggestion)
    if qualified is not None:
        auto_dispatch(ctx, ticket, suggestion, qualified)
    return ticket, True


def auto_dispatch(ctx: Context, ticket: Ticket, suggestion: Suggestion, qualified: Qualified) -> None:
    """Dispatch by the leaf's catalogue rule as the system; when that is impossible (no place for a 属地 leaf, an
    inactive unit) the ticket waits for the agent and the audit log says why."""
    place = (suggestion.advice or {}).get("place") or {}
    located = not (suggestion.advice or {}).get("location", {}).get("ambiguous", False)
    data = DispatchIn(leaf=qualified.leaf, district=ticket.district or (place.get("district") if located else None),
                      street=ticket.street or (place.get("street") if located else None),
                      reason=f"自动派单：模型置信度 {qualified.probability:.2f} ≥ 本事项阈值 {qualified.threshold:.2f}")
    try:
        with ctx.session.begin_nested():
            dispatch(replace(ctx, principal=AUTO), ticket, data)
    except FlowError as exc:
        service.record(ctx.session, ticket=ticket, principal=AUTO, action="auto_dispatch_skipped",
                       before=ticket.status, now=ctx.now, reason=f"达到自动派单阈值，但无法自动派单（{exc}），请人工派单")
        return
    ticket.auto_dispatched = True
