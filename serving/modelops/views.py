"""HTTP handlers of the model registry and retraining jobs (maintainers): list, report, promote, roll back,
shadow, the shadow's agreement with agents, and retraining with progress."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from serving.corrections.service import shadow_agreement
from serving.modelops import jobs, service
from serving.modelops.schemas import ReasonIn, RetrainIn
from serving.tickets.states import Role
from serving.tickets.views import Ctx, require

router = APIRouter(prefix="/api/v1/models", tags=["models"])
MAINTAINERS = (Role.MAINTAINER, Role.ADMIN)


def _home(request: Request):
    return request.app.state.settings.home


@router.get("")
def list_models(request: Request, ctx: Ctx) -> dict:
    require(ctx, *MAINTAINERS)
    return service.overview(_home(request))


@router.get("/{version}/report")
def report(version: str, request: Request, ctx: Ctx) -> dict:
    """The retraining comparison a version was built with (old vs new, per level and per leaf, and the gate)."""
    require(ctx, *MAINTAINERS)
    return service.report(_home(request), version)


@router.post("/{version}/promote")
def promote(version: str, body: ReasonIn, request: Request, ctx: Ctx) -> dict:
    require(ctx, *MAINTAINERS)
    return service.promote(_home(request), version, by=ctx.principal.name, reason=body.reason, at=ctx.now)


@router.post("/rollback")
def rollback(body: ReasonIn, request: Request, ctx: Ctx) -> dict:
    require(ctx, *MAINTAINERS)
    return service.rollback(_home(request), by=ctx.principal.name, reason=body.reason, at=ctx.now)


@router.post("/{version}/shadow")
def shadow(version: str, body: ReasonIn, request: Request, ctx: Ctx) -> dict:
    require(ctx, *MAINTAINERS)
    return service.shadow(_home(request), version, by=ctx.principal.name, reason=body.reason, at=ctx.now)


@router.delete("/shadow")
def unshadow(body: ReasonIn, request: Request, ctx: Ctx) -> dict:
    require(ctx, *MAINTAINERS)
    return service.shadow(_home(request), None, by=ctx.principal.name, reason=body.reason, at=ctx.now)


@router.get("/shadow/agreement")
def agreement(request: Request, ctx: Ctx, version: str | None = None) -> dict:
    """The shadow's and the current model's top-1 agreement with the agents' choices, on the same tickets."""
    require(ctx, *MAINTAINERS)
    version = version or service.overview(_home(request))["shadow"]
    if version is None:
        raise HTTPException(404, "no shadow model: put a candidate in shadow first (POST /api/v1/models/{v}/shadow)")
    return shadow_agreement(ctx.session, version=version)


@router.post("/retrain", status_code=202)
def retrain(body: RetrainIn, request: Request, ctx: Ctx) -> dict:
    """Start a retraining job (a separate process); follow it at /api/v1/models/jobs/{id}."""
    require(ctx, *MAINTAINERS)
    args = [*(["--since", body.since] if body.since else []), *(["--shadow"] if body.shadow else []),
            *([] if body.promote else ["--no-promote"]), "--by", ctx.principal.name,
            *[item for o in body.overrides for item in ("--set", o)]]
    try:
        return jobs.start_retrain(request.app.state.settings, by=ctx.principal.name, now=ctx.now, args=args)
    except jobs.JobError as exc:
        raise HTTPException(409, str(exc)) from exc


@router.get("/jobs/{job_id}")
def job(job_id: str, request: Request, ctx: Ctx) -> dict:
    require(ctx, *MAINTAINERS)
    try:
        found = jobs.read_job(_home(request), job_id)
    except jobs.JobError as exc:
        raise HTTPException(404, str(exc)) from exc
    return found | {"log_tail": jobs.log_tail(found)}
