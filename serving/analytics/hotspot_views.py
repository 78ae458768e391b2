"""HTTP handlers of hot spots: the recent spike warnings, and a scan on demand."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from serving.analytics import hotspots
from serving.tickets.states import Role
from serving.tickets.views import Ctx, require

router = APIRouter(prefix="/api/v1/analytics/hotspots", tags=["analytics"])
READERS = (Role.SUPERVISOR, Role.ADMIN, Role.MAINTAINER, Role.AGENT)


def _json(ctx, w) -> dict:
    district = w.district if w.district == hotspots.CITY else ctx.catalogue.district(w.district).name
    return {"level": w.level, "code": w.code, "name": ctx.catalogue.path_name(w.code) if w.code in ctx.catalogue
            else w.code, "district": w.district, "district_name": "全市" if w.district == "city" else district,
            "day": w.day, "count": w.count, "expected": w.expected, "score": w.score, "last_year": w.last_year,
            "units": w.units}


@router.get("")
def recent(ctx: Ctx, days: Annotated[int, Query(ge=1, le=366)] = 7) -> list[dict]:
    """Spike warnings of the last `days` days, newest and strongest first."""
    require(ctx, *READERS)
    since = ctx.now.date() - timedelta(days=days - 1)
    return [_json(ctx, w) for w in hotspots.recent_warnings(ctx.session, since=since)]


@router.post("/scan")
def scan(ctx: Ctx) -> list[dict]:
    """Scan today and yesterday now (the daily `jiesu hotspots scan` does the same); new warnings only."""
    require(ctx, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)
    found = hotspots.scan(ctx.session, catalogue=ctx.catalogue, now=ctx.now)
    ctx.session.commit()
    return [_json(ctx, w) for w in found]
