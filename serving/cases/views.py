"""Dispatch advice over HTTP: leaves, place, responsible units with reasons, and similar past cases."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException

from serving.cases.schemas import AdviceIn
from serving.tickets.states import Role
from serving.tickets.views import Ctx, require

router = APIRouter(prefix="/api/v1", tags=["dispatch advice"])


@router.post("/advice")
def advise(body: AdviceIn, ctx: Ctx) -> dict:
    """Advice for a complaint not yet registered (the city's main hotline system asks before it dispatches)."""
    require(ctx, Role.AGENT, Role.SYSTEM, Role.SUPERVISOR)
    if not hasattr(ctx.suggester, "advise"):
        raise HTTPException(503, "dispatch advice needs the trained classifier, which this service is not running; "
                                 "dispatch by hand, or train and promote a model (`jiesu train`)")
    advice = ctx.suggester.advise(body.text, title=body.title, address=body.address, district=body.district,
                                  street=body.street)
    return advice.to_json(similar=body.similar)
