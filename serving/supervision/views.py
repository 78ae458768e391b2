"""HTTP handlers of supervision: the supervision pool, the 回头看 list and a sweep on demand."""
from __future__ import annotations

from fastapi import APIRouter

from serving.supervision import flows, lookback, service
from serving.tickets.states import Role
from serving.tickets.views import Ctx, TicketOut, out, require

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])


@router.get("/pool", response_model=list[TicketOut])
def supervision_pool(ctx: Ctx) -> list[TicketOut]:
    require(ctx, Role.SUPERVISOR, Role.ADMIN)
    return [out(ctx, t) for t in service.pool(ctx.session)]


@router.post("/sweep")
def run_sweep(ctx: Ctx) -> dict:
    require(ctx, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)
    result = flows.sweep(ctx.session, now=ctx.now, city=ctx.catalogue.city)
    return {"reminded": result.reminded, "supervised": result.supervised, "repeats": result.repeats,
            "lookback": result.lookback}


@router.get("/lookback", response_model=list[TicketOut])
def lookback_list(ctx: Ctx) -> list[TicketOut]:
    """Closed tickets sampled for 回头看 and not yet reviewed."""
    require(ctx, Role.SUPERVISOR, Role.ADMIN)
    return [out(ctx, t) for t in lookback.pending(ctx.session)]
