"""Ticket workflows: each checks its input against the catalogue and the ticket, then applies transitions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from catalog import Catalogue
from catalog.deadlines import due_at
from catalog.rules import DispatchMode, TimeLimit, TimeLimitKind, UnitRule, Urgency, parse_time_limit
from serving.auth.models import Principal
from serving.signals.deadlines import handling_limit
from serving.signals.service import higher, text_urgency
from serving.suggestions.service import record_decision
from serving.tickets import service
from serving.tickets.models import Assignment, Ticket
from serving.tickets.schemas import (AnswerIn, DecisionIn, DispatchIn, ExtensionIn, ForwardIn, MergeIn, NoteIn,
                                     ReasonIn, ReplyIn, VisitIn)
from serving.tickets.states import Action, Role, Status, transition

UNSATISFIED = "不满意"


class FlowError(ValueError):
    """Input that the catalogue or the ticket makes impossible (422), with what to change."""


@dataclass(frozen=True)
class Context:
    session: Session
    catalogue: Catalogue
    principal: Principal
    now: datetime
    suggester: object | None = None   # anything with .version and .suggest(text, k); None: no model
    signals: object | None = None     # urgency and risk flags (.detect(text, title)); None: not detected


def guard(ctx: Context, ticket: Ticket, action: Action) -> None:
    """Refuse (TransitionError) before anything is touched when the state or the role does not allow it."""
    transition(Status(ticket.status), action, Role(ctx.principal.role))


def check_place(catalogue: Catalogue, district: str | None, street: str | None) -> None:
    try:
        if district:
            catalogue.district(district)
        if street:
            found = catalogue.street(street)
            if district and found.district_code != district:
                raise FlowError(f"street {street} ({found.name}) is not in district {district}")
    except KeyError as exc:
        raise FlowError(f"{exc.args[0]}; see /api/v1/catalog/units?kind=street for the codes") from exc


def _resolve(ctx: Context, ticket: Ticket, rule: UnitRule) -> str:
    unit = rule.unit_at(ticket.district, ticket.street)
    if unit is None:
        raise FlowError(f"the leaf's rule is 属地 ({rule.target}) but the ticket has no {rule.target}; give "
                        f"'{rule.target}' at intake or name the lead unit explicitly")
    return unit


def active_unit(ctx: Context, code: str) -> str:
    """The unit code when it exists and is active, else FlowError saying why."""
    try:
        unit = ctx.catalogue.unit(code)
    except KeyError as exc:
        raise FlowError(exc.args[0]) from exc
    if not unit.active:
        raise FlowError(f"unit {code} ({unit.name}) is inactive and cannot be dispatched to")
    return code


def dispatch(ctx: Context, ticket: Ticket, data: DispatchIn) -> Ticket:
    """Dispatch to the lead unit (and co-handlers for 双派), from the catalogue rule unless overridden."""
    guard(ctx, ticket, Action.DISPATCH)
    if data.street or data.district:
        check_place(ctx.catalogue, data.district or ticket.district, data.street)
        ticket.district = data.district or ticket.district
        ticket.street = data.street or ticket.street
    try:
        leaf = ctx.catalogue.get(data.leaf)
    except KeyError as exc:
        raise FlowError(exc.args[0]) from exc
    if not leaf.is_leaf:
        raise FlowError(f"{data.leaf} ({leaf.name}) is a {leaf.level_name} with sub-items; dispatch to one of its "
                        "leaves")
    rule = leaf.dispatch
    mode = DispatchMode(data.mode) if data.mode else rule.mode
    lead = active_unit(ctx, data.lead_unit or _resolve(ctx, ticket, rule.responsible))
    if mode is DispatchMode.STEPWISE and not lead.startswith("district:"):
        if not ticket.district:
            raise FlowError("逐级转派 starts at the district: the ticket needs a district")
        lead = f"district:{ticket.district}"
    wanted = data.co_units if data.co_units is not None else [_resolve(ctx, ticket, r) for r in rule.co_handlers]
    co = [active_unit(ctx, c) for c in wanted]
    co = [c for c in dict.fromkeys(co) if c != lead]
    if mode is DispatchMode.PARALLEL and not co:
        raise FlowError("双派 needs at least one co-handler (协办): name co_units or use a leaf that has them")
    urgency = Urgency(data.urgency or higher(rule.urgency.value, text_urgency(ctx.session, ticket_id=ticket.id)))
    limit = handling_limit(ctx.catalogue, leaf, urgency, ctx.now)   # 立即办: the emergency limit when shorter
    ticket.leaf, ticket.dispatch_mode = leaf.code, mode.value
    ticket.urgency, ticket.time_limit = urgency.value, str(limit)
    ticket.due_at = due_at(ctx.now, limit)
    ticket.dispatched_at = ctx.now
    for assignment in ticket.active_assignments():
        assignment.active = False
    ticket.assignments.append(Assignment(unit=lead, role="lead", assigned_at=ctx.now))
    ticket.assignments.extend(Assignment(unit=c, role="co", assigned_at=ctx.now) for c in co)
    details = {"leaf": leaf.code, "lead": lead, "co": co, "mode": mode.value}
    if limit != rule.time_limit:
        details |= {"urgency": urgency.value, "time_limit": str(limit), "catalogue_time_limit": str(rule.time_limit)}
    record_decision(ctx.session, ticket_id=ticket.id, leaf=leaf.code, lead=lead, actor=ctx.principal.name,
                    now=ctx.now)
    return service.apply(ctx.session, ticket=ticket, action=Action.DISPATCH, principal=ctx.principal, now=ctx.now,
                         reason=data.reason, details=details)


def my_assignment(ctx: Context, ticket: Ticket, lead_only: bool) -> Assignment:
    mine = [a for a in ticket.active_assignments() if a.unit == ctx.principal.unit]
    if lead_only:
        mine = [a for a in mine if a.role == "lead"]
    if not mine:
        what = "the lead (主办) unit" if lead_only else "a handling unit"
        raise PermissionError(f"{ctx.principal.unit} is not {what} of ticket {ticket.number}")
    return mine[0]


def unit_action(ctx: Context, ticket: Ticket, action: Action, data=None) -> Ticket:
    """A unit handler's action: only on its own active assignment (lead for sign, reply and extension)."""
    guard(ctx, ticket, action)
    if Role(ctx.principal.role) is Role.UNIT:
        mine = my_assignment(ctx, ticket, lead_only=action in (Action.SIGN, Action.REPLY, Action.FORWARD,
                                                                     Action.REQUEST_EXTENSION))
    else:
        mine = None
    handler = _UNIT_HANDLERS[action]
    return handler(ctx, ticket, mine, data)


def _sign(ctx, ticket, mine, _data):
    mine.signed_at = ticket.signed_at = ctx.now
    return service.apply(ctx.session, ticket=ticket, action=Action.SIGN, principal=ctx.principal, now=ctx.now)


def _reply(ctx, ticket, mine, data: ReplyIn):
    mine.replied_at = ticket.replied_at = ctx.now
    mine.reply_text = ticket.reply_text = data.text
    return service.apply(ctx.session, ticket=ticket, action=Action.REPLY, principal=ctx.principal, now=ctx.now,
                         details={"reply": data.text[:200]})


def _co_reply(ctx, ticket, mine, data: ReplyIn):
    if mine.role != "co":
        raise FlowError("co_reply is for co-handlers (协办); the lead unit replies with /reply")
    mine.replied_at, mine.reply_text = ctx.now, data.text
    return service.apply(ctx.session, ticket=ticket, action=Action.CO_REPLY, principal=ctx.principal, now=ctx.now,
                         details={"reply": data.text[:200]})


def _forward(ctx, ticket, mine, data: ForwardIn):
    if ticket.dispatch_mode != DispatchMode.STEPWISE.value or not mine.unit.startswith("district:"):
        raise FlowError("only a district handling a 逐级转派 ticket forwards it to a street")
    street = active_unit(ctx, data.unit)
    if not street.startswith("street:") or ctx.catalogue.unit(street).district != mine.unit.split(":")[1]:
        raise FlowError(f"{data.unit} is not a street of {mine.unit}")
    mine.active = False
    ticket.assignments.append(Assignment(unit=street, role="lead", assigned_at=ctx.now))
    return service.apply(ctx.session, ticket=ticket, action=Action.FORWARD, principal=ctx.principal, now=ctx.now,
                         details={"from": mine.unit, "to": street})


def _request_return(ctx, ticket, mine, data: ReasonIn):
    ticket.return_pending = True   # 首接负责制: the unit keeps handling until the platform decides (先办后议)
    return service.apply(ctx.session, ticket=ticket, action=Action.REQUEST_RETURN, principal=ctx.principal,
                         now=ctx.now, reason=data.reason, details={"unit": mine.unit if mine else None})


def _request_extension(ctx, ticket, mine, data: ExtensionIn):
    if ticket.time_limit and not ticket.time_limit.endswith("工作日"):
        raise FlowError(f"a {ticket.time_limit} ticket cannot be extended; only working-day limits can")
    ticket.extension_pending_days = data.days
    return service.apply(ctx.session, ticket=ticket, action=Action.REQUEST_EXTENSION, principal=ctx.principal,
                         now=ctx.now, reason=data.reason, details={"days": data.days})


_UNIT_HANDLERS = {Action.SIGN: _sign, Action.REPLY: _reply, Action.CO_REPLY: _co_reply, Action.FORWARD: _forward,
                  Action.REQUEST_RETURN: _request_return, Action.REQUEST_EXTENSION: _request_extension}


def decide_return(ctx: Context, ticket: Ticket, data: DecisionIn) -> Ticket:
    guard(ctx, ticket, Action.APPROVE_RETURN if data.approve else Action.REJECT_RETURN)
    if not ticket.return_pending:
        raise FlowError(f"ticket {ticket.number} has no pending 退单 request")
    ticket.return_pending = False
    if not data.approve:
        return service.apply(ctx.session, ticket=ticket, action=Action.REJECT_RETURN, principal=ctx.principal,
                             now=ctx.now, reason=data.reason)
    for assignment in ticket.active_assignments():
        assignment.active = False
    ticket.leaf = ticket.due_at = ticket.dispatched_at = ticket.signed_at = None
    return service.apply(ctx.session, ticket=ticket, action=Action.APPROVE_RETURN, principal=ctx.principal,
                         now=ctx.now, reason=data.reason)


def decide_extension(ctx: Context, ticket: Ticket, data: DecisionIn) -> Ticket:
    guard(ctx, ticket, Action.APPROVE_EXTENSION if data.approve else Action.REJECT_EXTENSION)
    days = ticket.extension_pending_days
    if not days:
        raise FlowError(f"ticket {ticket.number} has no pending 延期 request")
    ticket.extension_pending_days = 0
    if not data.approve:
        return service.apply(ctx.session, ticket=ticket, action=Action.REJECT_EXTENSION, principal=ctx.principal,
                             now=ctx.now, reason=data.reason)
    old = ticket.due_at
    ticket.due_at = due_at(old, TimeLimit(TimeLimitKind.WORKING_DAYS, days))
    ticket.extended_days += days
    return service.apply(ctx.session, ticket=ticket, action=Action.APPROVE_EXTENSION, principal=ctx.principal,
                         now=ctx.now, reason=data.reason,
                         details={"days": days, "old_due": old.isoformat(), "new_due": ticket.due_at.isoformat()})


def visit(ctx: Context, ticket: Ticket, data: VisitIn) -> Ticket:
    guard(ctx, ticket, Action.VISIT)
    ticket.satisfaction = data.satisfaction
    ticket.resolved = data.resolved if data.resolved is not None else data.satisfaction != UNSATISFIED
    return service.apply(ctx.session, ticket=ticket, action=Action.VISIT, principal=ctx.principal, now=ctx.now,
                         reason=data.note, details={"satisfaction": data.satisfaction, "resolved": ticket.resolved})


def close(ctx: Context, ticket: Ticket, data: NoteIn | None) -> Ticket:
    guard(ctx, ticket, Action.CLOSE)
    if ticket.satisfaction == UNSATISFIED:
        raise FlowError("the caller is 不满意: reopen the ticket for re-handling (重办) instead of closing it")
    ticket.closed_at = ctx.now
    return service.apply(ctx.session, ticket=ticket, action=Action.CLOSE, principal=ctx.principal, now=ctx.now,
                         reason=data.reason if data else "")


def reopen(ctx: Context, ticket: Ticket, data: ReasonIn) -> Ticket:
    """重办: back to the same units with a fresh time limit from now."""
    guard(ctx, ticket, Action.REOPEN)
    if service.children(ctx.session, parent_id=ticket.id):
        raise FlowError(f"ticket {ticket.number} was split; reopen the child ticket whose problem is not solved")
    ticket.reopen_count += 1
    ticket.closed_at = ticket.replied_at = ticket.signed_at = None
    ticket.satisfaction = ticket.resolved = None
    limit = ctx.catalogue.get(ticket.leaf).dispatch.time_limit   # a 立即办 ticket keeps its emergency limit
    ticket.due_at = due_at(ctx.now, parse_time_limit(ticket.time_limit) if ticket.time_limit else limit)
    for assignment in ticket.active_assignments():
        assignment.signed_at = assignment.replied_at = None
    return service.apply(ctx.session, ticket=ticket, action=Action.REOPEN, principal=ctx.principal, now=ctx.now,
                         reason=data.reason, details={"reopen_count": ticket.reopen_count})


def answer(ctx: Context, ticket: Ticket, data: AnswerIn) -> Ticket:
    """即办: answered during the call; closed without dispatch."""
    guard(ctx, ticket, Action.ANSWER)
    ticket.reply_text, ticket.replied_at, ticket.closed_at = data.text, ctx.now, ctx.now
    if data.leaf:
        if data.leaf not in ctx.catalogue or not ctx.catalogue.get(data.leaf).is_leaf:
            raise FlowError(f"{data.leaf} is not a leaf of catalogue {ctx.catalogue.version}")
        ticket.leaf = data.leaf
    return service.apply(ctx.session, ticket=ticket, action=Action.ANSWER, principal=ctx.principal, now=ctx.now,
                         details={"answer": data.text[:200]})


def merge(ctx: Context, ticket: Ticket, data: MergeIn) -> Ticket:
    guard(ctx, ticket, Action.MERGE)
    target = service.get_ticket(ctx.session, ticket_id=data.into, principal=ctx.principal)
    if target.id == ticket.id or target.status == Status.MERGED.value:
        raise FlowError("merge into another, unmerged ticket")
    ticket.merged_into = target.id
    return service.apply(ctx.session, ticket=ticket, action=Action.MERGE, principal=ctx.principal, now=ctx.now,
                         reason=data.reason, details={"into": target.number})


def archive(ctx: Context, ticket: Ticket, data: NoteIn | None) -> Ticket:
    return service.apply(ctx.session, ticket=ticket, action=Action.ARCHIVE, principal=ctx.principal, now=ctx.now,
                         reason=data.reason if data else "")
