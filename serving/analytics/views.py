"""HTTP handlers of the indicators: parse, authorise, call a flow, shape the answer."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from fastapi import APIRouter, HTTPException

from serving.analytics import flows
from serving.analytics.definitions import CUT_NAMES, DEFAULT_RESPONSE_HOURS, cuts, definitions
from serving.analytics.schemas import (DefinitionsOut, FigureOut, IndicatorRowOut, IndicatorsOut, RankedOut,
                                       RankingOut)
from serving.tickets.states import Role
from serving.tickets.views import Ctx, require

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.MAINTAINER, Role.UNIT)


@contextmanager
def unprocessable() -> Iterator[None]:
    """A request parameter the flow cannot use → 422 with the flow's message (it names the parameter and the fix)."""
    try:
        yield
    except flows.InputError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/definitions", response_model=DefinitionsOut)
def get_definitions(ctx: Ctx, response_hours: int = DEFAULT_RESPONSE_HOURS) -> DefinitionsOut:
    """What each indicator counts, in the words the reports and the glossary use."""
    require(ctx, *READERS)
    with unprocessable():
        hours = flows.response_hours(response_hours)
    return DefinitionsOut(response_hours=hours, indicators=definitions(hours), cuts=cuts())


@router.get("/indicators", response_model=IndicatorsOut)
def get_indicators(ctx: Ctx, start: str | None = None, end: str | None = None, month: str | None = None,
                   by: str | None = None, response_hours: int = DEFAULT_RESPONSE_HOURS) -> IndicatorsOut:
    """Every indicator per code of the cut, over [start, end) (YYYY-MM-DD, Asia/Shanghai) or a month (YYYY-MM)."""
    require(ctx, *READERS)
    with unprocessable():
        result = flows.indicators(ctx.session, catalogue=ctx.catalogue, principal=ctx.principal, start=start,
                                  end=end, month=month, by=by, hours=response_hours)
    rows = [IndicatorRowOut(code=r.code, name=r.name, indicators={k: FigureOut(**asdict(f)) for k, f in
                                                                  r.figures.items()}) for r in result.rows]
    return IndicatorsOut(start=result.period.start, end=result.period.end, by=result.by.value,
                         by_name=CUT_NAMES[result.by], response_hours=result.response_hours, rows=rows)


@router.get("/ranking", response_model=RankingOut)
def get_ranking(ctx: Ctx, month: str, indicator: str, by: str | None = None,
                response_hours: int = DEFAULT_RESPONSE_HOURS) -> RankingOut:
    """One indicator per district or unit for a month, best first, with its change on the month and on the year."""
    require(ctx, *READERS)
    with unprocessable():
        result = flows.ranking(ctx.session, catalogue=ctx.catalogue, principal=ctx.principal, month=month, by=by,
                               indicator_name=indicator, hours=response_hours)
    return RankingOut(month=f"{result.month.start:%Y-%m}", start=result.month.start, end=result.month.end,
                      by=result.by.value, by_name=CUT_NAMES[result.by],
                      indicator=result.indicator.rendered(response_hours),
                      rows=[RankedOut(**asdict(r)) for r in result.rows])
