"""HTTP handlers of the hot-spot insights: emerging topics, dense places, 屡治屡犯, 每月一题 candidates."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, HTTPException

from serving.analytics import insights
from serving.analytics.flows import InputError
from serving.analytics.hotspot_views import READERS
from serving.tickets.views import Ctx, require

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])


@contextmanager
def unprocessable() -> Iterator[None]:
    """A parameter the insights cannot use → 422 with the message (it names the parameter and the fix)."""
    try:
        yield
    except InputError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/topics")
def get_topics(ctx: Ctx, days: int = 7, baseline_weeks: int = 8, vectors: str = "auto", limit: int = 30) -> dict:
    """Topics of the last `days` days (clusters of similar texts) with their words, leaf and representative
    tickets; `new` when the `baseline_weeks` weeks before had nothing like them or far fewer."""
    require(ctx, *READERS)
    with unprocessable():
        report = insights.emerging_topics(ctx.session, now=ctx.now, days=days, baseline_weeks=baseline_weeks,
                                          vectors=vectors, embedder=insights.embedder_of(ctx.suggester), limit=limit)
    return insights.topics_json(ctx.catalogue, report)


@router.get("/concentration")
def get_concentration(ctx: Ctx, month: str | None = None, days: int = 30, limit: int = 50) -> dict:
    """Streets and communities where a leaf is far denser than its city-wide volume predicts, in a month
    (YYYY-MM) or the last `days` days."""
    require(ctx, *READERS)
    with unprocessable():
        report = insights.dense_places(ctx.session, catalogue=ctx.catalogue, now=ctx.now, month=month, days=days,
                                       limit=limit)
    return insights.density_json(ctx.catalogue, report)


@router.get("/recurrences")
def get_recurrences(ctx: Ctx, days: int = 180, times: int = 3, leaf: str | None = None, limit: int = 50) -> dict:
    """屡治屡犯: the same problem at the same place filed again after a closure, at least `times` times in the last
    `days` days, with the chain of tickets."""
    require(ctx, *READERS)
    with unprocessable():
        report = insights.recurring(ctx.session, catalogue=ctx.catalogue, now=ctx.now, days=days, times=times,
                                    leaf=leaf, limit=limit)
    return insights.recurrences_json(ctx.catalogue, report)


@router.get("/monthly-problems")
def get_monthly_problems(ctx: Ctx, month: str | None = None, by: str = "leaf", limit: int = 20,
                         min_volume: int = 10) -> dict:
    """每月一题 candidates for a month (default: last month): problems ranked by volume, repeat rate,
    dissatisfaction and cross-unit spread, each with its evidence."""
    require(ctx, *READERS)
    with unprocessable():
        report = insights.monthly_problems(ctx.session, now=ctx.now, month=month, by=by, limit=limit,
                                           min_volume=min_volume)
    return insights.problems_json(ctx.catalogue, report)
