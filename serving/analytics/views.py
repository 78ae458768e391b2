"""HTTP handlers of the indicators and the reports: parse, authorise, call a flow, shape the answer."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response

from serving.analytics import flows
from serving.analytics.definitions import CUT_NAMES, DEFAULT_RESPONSE_HOURS, cuts, definitions
from serving.analytics.reports import periods, store
from serving.analytics.schemas import (DefinitionsOut, FigureOut, IndicatorRowOut, IndicatorsOut, RankedOut,
                                       RankingOut, ReportLinkOut)
from serving.tickets.states import Role
from serving.tickets.views import Ctx, require

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
READERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.MAINTAINER, Role.UNIT)
REPORT_READERS = (Role.SUPERVISOR, Role.ADMIN)    # a report ranks every district and unit
# A report is one self-contained page: its own inline CSS and SVG, no script, nothing fetched.
REPORT_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                  "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


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


@router.get("/reports", response_model=list[ReportLinkOut])
def list_reports(ctx: Ctx, request: Request) -> list[ReportLinkOut]:
    """The latest daily report, weekly analysis and monthly bulletin, and the ones stored, with their links."""
    require(ctx, *REPORT_READERS)
    return [ReportLinkOut(**link) for link in store.links(request.app.state.settings.home, ctx.now)]


@router.get("/reports/{kind}/{period}.{fmt}")
def get_report(ctx: Ctx, request: Request, kind: str, period: str, fmt: str) -> Response:
    """A report as an HTML page or an XLSX workbook (daily/2026-10-14, weekly/2026-W42, monthly/2026-10): the stored
    one, or generated now when there is none yet or its period was still running."""
    require(ctx, *REPORT_READERS)
    with unprocessable():
        asked = periods.parse(periods.kind_of(kind), period, now=ctx.now, parameter="period")
        fmt = store.format_of(fmt)
    out = store.ensure(ctx.session, catalogue=ctx.catalogue, period=asked, now=ctx.now,
                       home=request.app.state.settings.home)
    name = f"{ctx.catalogue.city.name}12345{store.period_title(asked)}.{fmt}"
    disposition = "inline" if fmt == "html" else "attachment"
    headers = REPORT_HEADERS | {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"}
    return Response((out / store.FILES[fmt]).read_bytes(), media_type=store.MEDIA_TYPES[fmt], headers=headers)
