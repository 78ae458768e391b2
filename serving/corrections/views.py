"""HTTP handlers of the corrections (maintainers): the disputed decisions, a verdict on one, and the export."""
from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import PlainTextResponse

from catalog.deadlines import TZ

from serving.corrections import service
from serving.corrections.schemas import DisputedOut, ReviewIn, ReviewOut
from serving.tickets.flows import FlowError
from serving.tickets.states import Role
from serving.tickets.views import Ctx, require

router = APIRouter(prefix="/api/v1/corrections", tags=["corrections"])
MAINTAINERS = (Role.MAINTAINER, Role.ADMIN)


def _path(ctx, code: str | None) -> str | None:
    return ctx.catalogue.path_name(code) if code and code in ctx.catalogue else None


@router.get("/disputed", response_model=list[DisputedOut])
def disputed(ctx: Ctx, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DisputedOut]:
    """Unreviewed decisions that overrode the model or were re-dispatched, the model's surest first."""
    require(ctx, *MAINTAINERS)
    return [DisputedOut(**{k: v for k, v in vars(r).items() if k in DisputedOut.model_fields},
                        leaf_path=_path(ctx, r.leaf), suggested_path=_path(ctx, r.suggested))
            for r in service.disputed(ctx.session, limit=limit)]


@router.post("/{suggestion_id}/review", response_model=ReviewOut)
def review(suggestion_id: int, body: ReviewIn, ctx: Ctx) -> ReviewOut:
    require(ctx, *MAINTAINERS)
    if body.leaf and (body.leaf not in ctx.catalogue or not ctx.catalogue.get(body.leaf).is_leaf):
        raise FlowError(f"leaf {body.leaf} is not a leaf of catalogue {ctx.catalogue.version}")
    try:
        row = service.review(ctx.session, suggestion_id=suggestion_id, verdict=body.verdict, leaf=body.leaf,
                             note=body.note, actor=ctx.principal.name, now=ctx.now)
    except KeyError as exc:
        raise HTTPException(404, exc.args[0]) from exc
    ctx.session.commit()
    return ReviewOut(suggestion_id=suggestion_id, verdict=row.verdict, leaf=row.leaf, note=row.note,
                     reviewed_by=row.reviewed_by, reviewed_at=row.reviewed_at)


@router.get("/export", response_class=PlainTextResponse)
def export(ctx: Ctx, since: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None) -> PlainTextResponse:
    """Every decision since a day as JSON Lines (what `jiesu retrain --corrections` reads)."""
    require(ctx, *MAINTAINERS)
    start = datetime.combine(date.fromisoformat(since), time(0), TZ) if since else None
    rows = service.decisions(ctx.session, since=start)
    body = "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in rows)
    return PlainTextResponse(body, media_type="application/x-ndjson")
