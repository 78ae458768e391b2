"""会商研判: a unit (or the agent) says the responsibility is disputed or unclear; a supervisor names who handles it.

Under 首接负责制 the units keep handling while the consultation runs; the decision replaces the handling units
(商定办 when several agree, 指定办 when assigned) and keeps the citizen's due time."""
from __future__ import annotations

from catalog.rules import DispatchMode
from serving.tickets import service
from serving.tickets.flows import Context, FlowError, active_unit, guard, my_assignment
from serving.tickets.models import Assignment, Ticket
from serving.tickets.schemas import ConsultationIn, ReasonIn
from serving.tickets.states import Action, Role


def request(ctx: Context, ticket: Ticket, data: ReasonIn) -> Ticket:
    guard(ctx, ticket, Action.REQUEST_CONSULTATION)
    unit = my_assignment(ctx, ticket, lead_only=False).unit if Role(ctx.principal.role) is Role.UNIT else None
    if ticket.consultation_pending:
        raise FlowError(f"ticket {ticket.number} already waits for a 会商 decision")
    ticket.consultation_pending = True
    return service.apply(ctx.session, ticket=ticket, action=Action.REQUEST_CONSULTATION, principal=ctx.principal,
                         now=ctx.now, reason=data.reason, details={"unit": unit})


def decide(ctx: Context, ticket: Ticket, data: ConsultationIn) -> Ticket:
    """Hand the ticket to the units the consultation named; a pending 退单 request is settled by the same decision."""
    guard(ctx, ticket, Action.RESOLVE_CONSULTATION)
    if not ticket.consultation_pending:
        raise FlowError(f"ticket {ticket.number} has no pending 会商 request; a unit or the agent asks for one "
                        "with /consultation-request")
    lead = active_unit(ctx, data.lead_unit)
    co = [c for c in dict.fromkeys(active_unit(ctx, c) for c in data.co_units) if c != lead]
    before = [f"{a.role}:{a.unit}" for a in ticket.active_assignments()]
    for assignment in ticket.active_assignments():
        assignment.active = False
    ticket.assignments.append(Assignment(unit=lead, role="lead", assigned_at=ctx.now))
    ticket.assignments.extend(Assignment(unit=c, role="co", assigned_at=ctx.now) for c in co)
    ticket.dispatch_mode = (DispatchMode.PARALLEL if co else DispatchMode.DIRECT).value
    ticket.signed_at, ticket.consultation_pending, ticket.return_pending = None, False, False
    return service.apply(ctx.session, ticket=ticket, action=Action.RESOLVE_CONSULTATION, principal=ctx.principal,
                         now=ctx.now, reason=data.reason, details={"before": before, "lead": lead, "co": co})
