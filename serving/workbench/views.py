"""HTTP handlers the pages use beyond the tickets API: repeat check and dispatch preview for the agent's draft,
the supervisor's lists and the maintainer's corrections."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from serving.signals.service import analyse, shown
from serving.suggestions import service as suggestion_service
from serving.supervision.flows import REPEAT_THRESHOLD
from serving.tickets.flows import Context
from serving.tickets.schemas import phone_hash
from serving.tickets.states import STATUS_NAMES, Role, Status
from serving.tickets.views import Ctx, out, require
from serving.workbench import service
from serving.workbench.schemas import (BoardOut, CorrectedLeafOut, CorrectionOut, CorrectionPairOut, CorrectionsOut,
                                       DraftIn, EarlierTicketOut, PreviewOut, RepeatsOut, SignalDraftIn, StatusOut,
                                       UnitRefOut)

router = APIRouter(prefix="/api/v1/workbench", tags=["workbench"])
AGENTS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)
MAINTAINERS = (Role.MAINTAINER, Role.ADMIN)


@router.get("/status", response_model=StatusOut)
def status(ctx: Ctx) -> StatusOut:
    """Whether dispatch advice is available (the workbench says so before the first call), and the service's time."""
    require(ctx, *AGENTS)
    return StatusOut(model_available=hasattr(ctx.suggester, "advise"),
                     suggester=getattr(ctx.suggester, "version", None), catalogue_version=ctx.catalogue.version,
                     now=ctx.now, signals=getattr(ctx.signals, "version", None),
                     signals_fallback=getattr(ctx.signals, "fallback", ""))


def path_of(ctx: Context, code: str | None) -> str | None:
    return ctx.catalogue.path_name(code) if code and code in ctx.catalogue else None


def earlier_out(ctx: Context, ticket) -> EarlierTicketOut:
    return EarlierTicketOut(id=ticket.id, number=ticket.number, created_at=ticket.created_at, status=ticket.status,
                            status_name=STATUS_NAMES[Status(ticket.status)], leaf=ticket.leaf,
                            leaf_path=path_of(ctx, ticket.leaf), text=ticket.text[:120], address=ticket.address,
                            reply_text=ticket.reply_text[:200], satisfaction=ticket.satisfaction)


@router.post("/repeats", response_model=RepeatsOut)
def repeats(body: DraftIn, ctx: Ctx) -> RepeatsOut:
    """Earlier tickets (90 days) of the draft's caller phone or address: the phone is sent in the body, not the URL."""
    require(ctx, *AGENTS)
    found = service.earlier_tickets(ctx.session, phone_hash=phone_hash(body.caller_phone), address=body.address,
                                    now=ctx.now)
    by_caller = [earlier_out(ctx, t) for t in found.by_caller]
    by_address = [earlier_out(ctx, t) for t in found.by_address]
    return RepeatsOut(window_days=service.REPEAT_WINDOW.days, by_caller=by_caller, by_address=by_address,
                      repeat=bool(by_caller or by_address))


def unit_ref(ctx: Context, code: str) -> UnitRefOut:
    return UnitRefOut(code=code, name=ctx.catalogue.unit(code).name)


@router.post("/signals")
def signals(body: SignalDraftIn, ctx: Ctx) -> dict:
    """Urgency, risk flags with their evidence, and the split proposal for a call not yet registered (the learned
    model when one is current, else the keyword rules: `source` and `fallback` say which and why)."""
    require(ctx, *AGENTS)
    found = analyse(ctx.signals, ctx.suggester, ctx.catalogue, text=body.text, title=body.title, address=body.address,
                    district=body.district, street=body.street)
    return shown(ctx.catalogue, found)


@router.get("/preview", response_model=PreviewOut)
def preview(ctx: Ctx, leaf: Annotated[str, Query(min_length=1, max_length=16)],
            district: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
            street: Annotated[str | None, Query(pattern=r"^[A-Z]{2}\d{2}$")] = None) -> PreviewOut:
    """The due time from now, the units and the mode a leaf would be dispatched with (before registering)."""
    require(ctx, *AGENTS)
    try:
        p = service.preview(ctx.catalogue, code=leaf.strip(), district=district, street=street, now=ctx.now)
    except (KeyError, ValueError) as exc:
        raise HTTPException(422, exc.args[0]) from exc
    rule = p.leaf.dispatch
    return PreviewOut(leaf=p.leaf.code, name=p.leaf.name, path=ctx.catalogue.path_name(p.leaf.code),
                      dispatch_mode=rule.mode.value, time_limit=str(rule.time_limit), urgency=rule.urgency.value,
                      on_the_spot=service.is_on_the_spot(p.leaf), due_at=p.due,
                      lead=unit_ref(ctx, p.lead) if p.lead else None,
                      lead_rule=service.lead_rule_name(ctx.catalogue, p.leaf),
                      co=[unit_ref(ctx, c) for c in p.co], missing_place=p.missing_place,
                      closure_standard=rule.closure_standard)


@router.get("/corrections", response_model=CorrectionsOut)
def corrections(ctx: Ctx, recent: Annotated[int, Query(ge=0, le=500)] = 50) -> CorrectionsOut:
    """Where agents chose another leaf than the top suggestion, counted per chosen leaf and per pair."""
    require(ctx, *MAINTAINERS)
    found = service.corrections(ctx.session)
    return CorrectionsOut(
        decided=found.decided, corrected=len(found.items),
        by_leaf=[CorrectedLeafOut(leaf=leaf, path=path_of(ctx, leaf), count=n) for leaf, n in found.by_leaf()],
        pairs=[CorrectionPairOut(suggested=s, suggested_path=path_of(ctx, s), chosen=c, chosen_path=path_of(ctx, c),
                                 count=n) for (s, c), n in found.pairs()],
        recent=[CorrectionOut(**vars(c), suggested_path=path_of(ctx, c.suggested), chosen_path=path_of(ctx, c.chosen))
                for c in found.items[:recent]])


@router.get("/board", response_model=BoardOut)
def board(ctx: Ctx) -> BoardOut:
    """The supervisor's lists: 立即办 not yet replied to, overdue, 督办池, repeated ≥ 3, 不满意 and 重办, and requests
    waiting for a decision."""
    require(ctx, *SUPERVISORS)
    lists = vars(service.board(ctx.session, now=ctx.now, repeat_at=REPEAT_THRESHOLD))
    ids = {t.id for tickets in lists.values() for t in tickets}
    suggestions = suggestion_service.for_tickets(ctx.session, ticket_ids=sorted(ids))
    return BoardOut(now=ctx.now, **{name: [out(ctx, t, suggestions.get(t.id)) for t in tickets]
                                    for name, tickets in lists.items()})
