"""HTTP handlers of the catalogue API (thin: parse, call the service, shape errors)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from catalog import Catalogue
from serving.catalogue import service
from serving.catalogue.schemas import NodeBrief, NodeOut, SearchHitOut, StatsOut, UnitOut

router = APIRouter(prefix="/api/v1/catalog", tags=["catalogue"])


def current_catalogue(request: Request) -> Catalogue:
    return request.app.state.catalogue


CatalogueDep = Annotated[Catalogue, Depends(current_catalogue)]


@router.get("/stats", response_model=StatsOut)
def stats(catalogue: CatalogueDep) -> dict:
    return catalogue.stats()


@router.get("/roots", response_model=list[NodeBrief])
def roots(catalogue: CatalogueDep) -> list[NodeBrief]:
    return [service.brief(n) for n in catalogue.roots()]


@router.get("/nodes/{code}", response_model=NodeOut)
def node(code: str, catalogue: CatalogueDep) -> NodeOut:
    try:
        return service.node_detail(catalogue=catalogue, code=code)
    except KeyError as exc:
        raise HTTPException(status_code=404, detail=exc.args[0]) from exc


@router.get("/search", response_model=list[SearchHitOut])
def search(catalogue: CatalogueDep, q: Annotated[str, Query(description="词语，空格分隔，全部匹配")],
           limit: Annotated[int, Query(ge=1, le=200)] = 20, leaves_only: bool = False) -> list[SearchHitOut]:
    try:
        return service.search(catalogue=catalogue, words=q, limit=limit, leaves_only=leaves_only)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


@router.get("/units", response_model=list[UnitOut])
def units(catalogue: CatalogueDep, kind: str | None = None) -> list[UnitOut]:
    return service.units(catalogue=catalogue, kind=kind)
