"""拆分: a complaint that carries several problems becomes linked child tickets, one per problem, each registered
with the part of the text about it and dispatched by its own leaf's rule; the parent waits as 已拆分 and closes
when every child has (serving.tickets.service follows the children)."""
from __future__ import annotations

from serving.signals.service import analyse, place
from serving.suggestions.models import Suggestion
from serving.suggestions.service import for_ticket
from serving.tickets import service
from serving.tickets.flows import Context, FlowError, dispatch, guard
from serving.tickets.models import Ticket
from serving.tickets.schemas import DispatchIn, SplitIn, SplitItemIn
from serving.tickets.states import Action, Status


def proposed_items(ctx: Context, ticket: Ticket) -> list[SplitItemIn]:
    """The split stored with the ticket's suggestion at intake, else FlowError."""
    suggestion = for_ticket(ctx.session, ticket_id=ticket.id)
    split = ((suggestion.signals if suggestion else None) or {}).get("split") or {}
    if len(split.get("items") or []) < 2:
        raise FlowError(f"ticket {ticket.number} has no split proposal; name the items (span and leaf of each)")
    return [SplitItemIn(span=i["span"], leaf=i["leaf"]) for i in split["items"]]


def check_items(ctx: Context, items: list[SplitItemIn]) -> None:
    for item in items:
        if item.leaf not in ctx.catalogue or not ctx.catalogue.get(item.leaf).is_leaf:
            raise FlowError(f"{item.leaf} is not a leaf of catalogue {ctx.catalogue.version}")
    if len({i.leaf for i in items}) < 2:
        raise FlowError("a split needs at least two different leaves; dispatch a single problem as it is")


def split(ctx: Context, ticket: Ticket, data: SplitIn | None) -> list[Ticket]:
    """Register one linked ticket per item and dispatch each; the parent becomes 已拆分 (audited, announced)."""
    guard(ctx, ticket, Action.SPLIT)
    items = data.items if data and data.items else proposed_items(ctx, ticket)
    check_items(ctx, items)
    suggestion = for_ticket(ctx.session, ticket_id=ticket.id)
    district, street = place(ctx.catalogue, f"{ticket.title} {ticket.text}", ticket.address, ticket.district,
                             ticket.street, suggestion.advice if suggestion else None)
    kids = [child(ctx, ticket, item, n, len(items)) for n, item in enumerate(items, start=1)]
    for kid, item in zip(kids, items):
        dispatch_child(ctx, kid, item, district, street)
    service.apply(ctx.session, ticket=ticket, action=Action.SPLIT, principal=ctx.principal, now=ctx.now,
                  reason=data.reason if data else "",
                  details={"children": [k.number for k in kids], "items": [i.model_dump() for i in items]})
    return kids


def child(ctx: Context, parent: Ticket, item: SplitItemIn, n: int, total: int) -> Ticket:
    """A registered ticket for one problem, linked to its parent, with the item's leaf as its suggestion."""
    kid = Ticket(idempotency_key=None, request_hash=parent.request_hash, channel=parent.channel,
                 caller_id=parent.caller_id, caller_phone_hash=parent.caller_phone_hash,
                 caller_phone_masked=parent.caller_phone_masked, title=parent.title, text=item.span,
                 address=parent.address, district=parent.district, street=parent.street, status=Status.REGISTERED.value,
                 attachments=parent.attachments, catalogue_version=ctx.catalogue.version, parent_id=parent.id,
                 created_at=ctx.now, updated_at=ctx.now)
    service.add_ticket(ctx.session, ticket=kid, principal=ctx.principal, now=ctx.now,
                       reason=f"由工单 {parent.number} 拆分（第 {n}/{total} 项）", details={"parent": parent.number})
    signals = analyse(ctx.signals, ctx.suggester, ctx.catalogue, text=item.span, split=False) if ctx.signals else {}
    ctx.session.add(Suggestion(ticket_id=kid.id, status="ok", source=f"split:{parent.number}",
                               catalogue_version=ctx.catalogue.version, created_at=ctx.now, signals=signals,
                               candidates=[{"leaf": item.leaf, "probability": 1.0, "evidence": ["split"]}]))
    ctx.session.flush()
    return kid


def dispatch_child(ctx: Context, kid: Ticket, item: SplitItemIn, district: str | None, street: str | None) -> None:
    """Dispatch by the item's leaf at the parent's place; when that is impossible (a 属地 leaf and no place) the
    child waits for the agent and the audit log says why."""
    data = DispatchIn(leaf=item.leaf, district=kid.district or district, street=kid.street or street,
                      reason="拆分后按清单事项派单")
    try:
        with ctx.session.begin_nested():
            dispatch(ctx, kid, data)
    except FlowError as exc:
        service.record(ctx.session, ticket=kid, principal=ctx.principal, action="split_dispatch_skipped",
                       before=kid.status, now=ctx.now, reason=f"拆分后未能自动派单（{exc}），请人工派单")
