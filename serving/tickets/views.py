"""HTTP handlers of the tickets API: parse, authorise, call a flow, commit, shape the answer."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import csv
import io

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse

from serving.auth.models import Principal
from serving.modelops.watch import current_suggester
from serving.requests import DbSession, current_principal
from serving.signals.service import detector_for, shown
from serving.supervision import consultation, lookback
from serving.supervision.levels import warning_level
from serving.tickets import flows, intake, service, split
from serving.tickets.models import Ticket
from serving.suggestions import service as suggestion_service
from serving.tickets.schemas import (AnswerIn, AssignmentOut, AuditOut, CandidateOut, ChildOut, ConsultationIn,
                                     DecisionIn, DispatchIn, ExtensionIn, ForwardIn, LookbackIn, MergeIn, NoteIn,
                                     ReasonIn, ReplyIn, SplitIn, SuggestionOut, TicketIn, TicketOut, TicketPage,
                                     VisitIn)
from serving.tickets.states import STATUS_NAMES, Action, Role, Status, allowed_actions

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])


def context(request: Request, session: DbSession,
            principal: Annotated[Principal, Depends(current_principal)]) -> flows.Context:
    suggester = current_suggester(request.app)
    return flows.Context(session, request.app.state.catalogue, principal, request.app.state.clock(), suggester,
                         detector_for(request.app, suggester))


Ctx = Annotated[flows.Context, Depends(context)]


def require(ctx: flows.Context, *roles: Role) -> None:
    if Role(ctx.principal.role) not in roles:
        raise PermissionError(f"role {ctx.principal.role} may not do this; allowed roles: "
                              f"{', '.join(r.value for r in roles)}")


_LOOKUP = object()


def out(ctx: flows.Context, ticket: Ticket, suggestion=_LOOKUP) -> TicketOut:
    """The ticket as the caller sees it; pass `suggestion` when it was loaded in bulk (lists, exports)."""
    catalogue = ctx.catalogue
    assignments = [AssignmentOut(unit=a.unit, unit_name=catalogue.unit(a.unit).name, role=a.role, active=a.active,
                                 signed_at=a.signed_at, replied_at=a.replied_at, reply_text=a.reply_text)
                   for a in ticket.assignments]
    status = Status(ticket.status)
    if suggestion is _LOOKUP:
        suggestion = suggestion_service.for_ticket(ctx.session, ticket_id=ticket.id)
    return TicketOut(
        id=ticket.id, number=ticket.number, status=status.value, status_name=STATUS_NAMES[status],
        channel=ticket.channel, title=ticket.title, text=ticket.text, address=ticket.address,
        district=ticket.district, street=ticket.street, caller_phone_masked=ticket.caller_phone_masked,
        leaf=ticket.leaf, leaf_path=catalogue.path_name(ticket.leaf) if ticket.leaf in catalogue else None,
        dispatch_mode=ticket.dispatch_mode, urgency=ticket.urgency, time_limit=ticket.time_limit,
        due_at=ticket.due_at, extended_days=ticket.extended_days, return_pending=ticket.return_pending,
        extension_pending_days=ticket.extension_pending_days, reply_text=ticket.reply_text,
        satisfaction=ticket.satisfaction, reopen_count=ticket.reopen_count,
        warning=(warning_level(ctx.now, ticket.dispatched_at, ticket.due_at).value
                 if status in (Status.DISPATCHED, Status.SIGNED) and ticket.due_at else None),
        supervised=ticket.supervised_at is not None, repeat_count=ticket.repeat_count, repeat_of=ticket.repeat_of,
        auto_dispatched=ticket.auto_dispatched, consultation_pending=ticket.consultation_pending,
        resolved=ticket.resolved, lookback_at=ticket.lookback_at, lookback_result=ticket.lookback_result,
        attachments=ticket.attachments or [], parent_id=ticket.parent_id, children=_children(ctx, ticket),
        catalogue_version=ticket.catalogue_version, created_at=ticket.created_at,
        dispatched_at=ticket.dispatched_at, closed_at=ticket.closed_at, assignments=assignments,
        suggestion=_suggestion_out(catalogue, suggestion),
        allowed_actions=[a.value for a in allowed_actions(status, Role(ctx.principal.role))])


def _suggestion_out(catalogue, suggestion) -> SuggestionOut | None:
    if suggestion is None:
        return None
    candidates = [CandidateOut(leaf=c["leaf"], path=catalogue.path_name(c["leaf"]), probability=c["probability"],
                               evidence=c["evidence"]) for c in suggestion.candidates if c["leaf"] in catalogue]
    return SuggestionOut(status=suggestion.status, source=suggestion.source, candidates=candidates,
                         chosen_rank=suggestion.chosen_rank, accepted=suggestion.accepted,
                         advice=suggestion.advice or None, signals=shown(catalogue, suggestion.signals))


SPLIT_STATES = (Status.SPLIT.value, Status.CLOSED.value, Status.ARCHIVED.value)


def _children(ctx: flows.Context, ticket: Ticket) -> list[ChildOut]:
    """The tickets a split ticket became (looked up only where one can be: no leaf of its own)."""
    if ticket.leaf is not None or ticket.status not in SPLIT_STATES:
        return []
    return [ChildOut(id=k.id, number=k.number, status=k.status, status_name=STATUS_NAMES[Status(k.status)],
                     leaf=k.leaf, leaf_path=ctx.catalogue.path_name(k.leaf) if k.leaf in ctx.catalogue else None,
                     lead_unit=k.lead().unit if k.lead() else None, text=k.text, due_at=k.due_at)
            for k in service.children(ctx.session, parent_id=ticket.id)]


def act(ctx: flows.Context, ticket_id: int, step: Callable[[Ticket], Ticket]) -> TicketOut:
    ticket = service.get_ticket(ctx.session, ticket_id=ticket_id, principal=ctx.principal, for_update=True)
    step(ticket)
    ctx.session.commit()
    return out(ctx, ticket)


@router.post("", response_model=TicketOut, status_code=201)
def register(body: TicketIn, ctx: Ctx, response: Response,
             idempotency_key: Annotated[str | None, Header(min_length=8, max_length=128)] = None) -> TicketOut:
    require(ctx, Role.AGENT, Role.SYSTEM, Role.SUPERVISOR)
    ticket, created = intake.register(ctx, body, idempotency_key)
    ctx.session.commit()
    if not created:
        response.status_code = 200
    return out(ctx, ticket)


@router.get("", response_model=TicketPage)
def list_tickets(ctx: Ctx, status: Status | None = None, unit: str | None = None,
                 page: Annotated[int, Query(ge=1)] = 1,
                 page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> TicketPage:
    rows, total = service.list_tickets(ctx.session, principal=ctx.principal, status=status, unit=unit, page=page,
                                       page_size=page_size)
    suggestions = suggestion_service.for_tickets(ctx.session, ticket_ids=[t.id for t in rows])
    return TicketPage(items=[out(ctx, t, suggestions.get(t.id)) for t in rows], total=total, page=page,
                      page_size=page_size)


EXPORT_COLUMNS = ["number", "status_name", "channel", "created_at", "district", "street", "leaf", "leaf_path",
                  "dispatch_mode", "time_limit", "due_at", "closed_at", "satisfaction", "reopen_count", "supervised",
                  "repeat_count", "caller_phone_masked", "title", "text", "reply_text"]


@router.get("/export.csv", response_class=PlainTextResponse)
def export_csv(ctx: Ctx, status: Status | None = None, unit: str | None = None) -> PlainTextResponse:
    """Tickets as CSV (UTF-8 with BOM for Excel); callers appear only as a masked phone."""
    require(ctx, Role.SUPERVISOR, Role.ADMIN)
    rows, _ = service.list_tickets(ctx.session, principal=ctx.principal, status=status, unit=unit, page=1,
                                   page_size=100_000)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    suggestions = suggestion_service.for_tickets(ctx.session, ticket_ids=[t.id for t in rows])
    for ticket in rows:
        data = out(ctx, ticket, suggestions.get(ticket.id)).model_dump()
        writer.writerow([data[c] for c in EXPORT_COLUMNS])
    return PlainTextResponse("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="tickets.csv"'})


@router.get("/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: int, ctx: Ctx) -> TicketOut:
    return out(ctx, service.get_ticket(ctx.session, ticket_id=ticket_id, principal=ctx.principal))


@router.get("/{ticket_id}/audit", response_model=list[AuditOut])
def audit(ticket_id: int, ctx: Ctx) -> list[AuditOut]:
    ticket = service.get_ticket(ctx.session, ticket_id=ticket_id, principal=ctx.principal)
    return [AuditOut.model_validate(e, from_attributes=True) for e in ticket.audit]


@router.post("/{ticket_id}/dispatch", response_model=TicketOut)
def dispatch(ticket_id: int, body: DispatchIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.dispatch(ctx, t, body))


@router.post("/{ticket_id}/split", response_model=TicketOut)
def split_ticket(ticket_id: int, ctx: Ctx, body: SplitIn | None = None) -> TicketOut:
    """拆分: one linked ticket per problem (default: the proposal stored at intake), each dispatched by its leaf; the
    parent closes when they all have."""
    return act(ctx, ticket_id, lambda t: split.split(ctx, t, body))


@router.post("/{ticket_id}/answer", response_model=TicketOut)
def answer(ticket_id: int, body: AnswerIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.answer(ctx, t, body))


@router.post("/{ticket_id}/sign", response_model=TicketOut)
def sign(ticket_id: int, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.unit_action(ctx, t, Action.SIGN))


@router.post("/{ticket_id}/reply", response_model=TicketOut)
def reply(ticket_id: int, body: ReplyIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.unit_action(ctx, t, Action.REPLY, body))


@router.post("/{ticket_id}/co-reply", response_model=TicketOut)
def co_reply(ticket_id: int, body: ReplyIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.unit_action(ctx, t, Action.CO_REPLY, body))


@router.post("/{ticket_id}/forward", response_model=TicketOut)
def forward(ticket_id: int, body: ForwardIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.unit_action(ctx, t, Action.FORWARD, body))


@router.post("/{ticket_id}/return-request", response_model=TicketOut)
def return_request(ticket_id: int, body: ReasonIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.unit_action(ctx, t, Action.REQUEST_RETURN, body))


@router.post("/{ticket_id}/return-decision", response_model=TicketOut)
def return_decision(ticket_id: int, body: DecisionIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.decide_return(ctx, t, body))


@router.post("/{ticket_id}/extension-request", response_model=TicketOut)
def extension_request(ticket_id: int, body: ExtensionIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.unit_action(ctx, t, Action.REQUEST_EXTENSION, body))


@router.post("/{ticket_id}/extension-decision", response_model=TicketOut)
def extension_decision(ticket_id: int, body: DecisionIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.decide_extension(ctx, t, body))


@router.post("/{ticket_id}/visit", response_model=TicketOut)
def visit(ticket_id: int, body: VisitIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.visit(ctx, t, body))


@router.post("/{ticket_id}/close", response_model=TicketOut)
def close(ticket_id: int, ctx: Ctx, body: NoteIn | None = None) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.close(ctx, t, body))


@router.post("/{ticket_id}/reopen", response_model=TicketOut)
def reopen(ticket_id: int, body: ReasonIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.reopen(ctx, t, body))


@router.post("/{ticket_id}/merge", response_model=TicketOut)
def merge(ticket_id: int, body: MergeIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.merge(ctx, t, body))


@router.post("/{ticket_id}/archive", response_model=TicketOut)
def archive(ticket_id: int, ctx: Ctx, body: NoteIn | None = None) -> TicketOut:
    return act(ctx, ticket_id, lambda t: flows.archive(ctx, t, body))


@router.post("/{ticket_id}/consultation-request", response_model=TicketOut)
def consultation_request(ticket_id: int, body: ReasonIn, ctx: Ctx) -> TicketOut:
    """会商: the responsibility is disputed or unclear; the units keep handling until a supervisor decides."""
    return act(ctx, ticket_id, lambda t: consultation.request(ctx, t, body))


@router.post("/{ticket_id}/consultation-decision", response_model=TicketOut)
def consultation_decision(ticket_id: int, body: ConsultationIn, ctx: Ctx) -> TicketOut:
    return act(ctx, ticket_id, lambda t: consultation.decide(ctx, t, body))


@router.post("/{ticket_id}/lookback", response_model=TicketOut)
def lookback_review(ticket_id: int, body: LookbackIn, ctx: Ctx) -> TicketOut:
    """回头看 finding; a failed one reopens the ticket (重办)."""
    return act(ctx, ticket_id, lambda t: lookback.review(ctx, t, body))
