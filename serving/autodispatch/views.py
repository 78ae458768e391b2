"""HTTP handlers of auto-dispatch rules: maintainers set a threshold per leaf from the agents' decisions."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from serving.autodispatch import service
from serving.autodispatch.schemas import ProposalOut, RuleIn, RuleOut
from serving.tickets.flows import FlowError
from serving.tickets.states import Role
from serving.tickets.views import Ctx, require

router = APIRouter(prefix="/api/v1/auto-dispatch", tags=["auto-dispatch"])
READERS = (Role.MAINTAINER, Role.SUPERVISOR, Role.ADMIN)
WRITERS = (Role.MAINTAINER, Role.ADMIN)


def _leaf(ctx, code: str) -> str:
    if code not in ctx.catalogue or not ctx.catalogue.get(code).is_leaf:
        raise FlowError(f"{code} is not a leaf of catalogue {ctx.catalogue.version}; rules are per leaf "
                        "(see /api/v1/catalog/search?q=…)")
    return code


def _out(ctx, rule) -> RuleOut:
    return RuleOut(leaf=rule.leaf, path=ctx.catalogue.path_name(rule.leaf) if rule.leaf in ctx.catalogue else "",
                   min_probability=rule.min_probability, enabled=rule.enabled, note=rule.note,
                   updated_by=rule.updated_by, updated_at=rule.updated_at)


@router.get("/rules", response_model=list[RuleOut])
def list_rules(ctx: Ctx) -> list[RuleOut]:
    require(ctx, *READERS)
    return [_out(ctx, r) for r in service.rules(ctx.session)]


@router.put("/rules/{leaf}", response_model=RuleOut)
def put_rule(leaf: str, body: RuleIn, ctx: Ctx) -> RuleOut:
    require(ctx, *WRITERS)
    rule = service.set_rule(ctx.session, leaf=_leaf(ctx, leaf), min_probability=body.min_probability,
                            enabled=body.enabled, note=body.note, by=ctx.principal.name, now=ctx.now)
    ctx.session.commit()
    return _out(ctx, rule)


@router.delete("/rules/{leaf}", status_code=204)
def delete_rule(leaf: str, ctx: Ctx) -> Response:
    require(ctx, *WRITERS)
    if not service.remove_rule(ctx.session, leaf=leaf):
        raise HTTPException(404, f"no auto-dispatch rule for {leaf}")
    ctx.session.commit()
    return Response(status_code=204)


@router.get("/proposals", response_model=list[ProposalOut])
def proposals(ctx: Ctx, precision: Annotated[float, Query(ge=0.5, le=1.0)] = 0.99,
              min_support: Annotated[int, Query(ge=1, le=100_000)] = 30) -> list[ProposalOut]:
    """Thresholds the agents' decisions so far support, per leaf, for the precision asked."""
    require(ctx, *READERS)
    return [ProposalOut(**vars(p), path=ctx.catalogue.path_name(p.leaf) if p.leaf in ctx.catalogue else "")
            for p in service.propose(ctx.session, precision=precision, min_support=min_support)]
