"""Login, logout and who-am-I: people get a session token (also set as an HttpOnly cookie for the pages)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from serving.auth import service
from serving.auth.models import Principal
from serving.auth.schemas import LoginIn, LoginOut, MeOut
from serving.requests import SESSION_COOKIE, DbSession, credential, current_principal

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
ROLE_NAMES = {"agent": "话务员", "unit": "承办单位", "supervisor": "督办员", "maintainer": "清单维护员",
              "admin": "管理员", "system": "系统"}


def me_of(request: Request, principal: Principal) -> MeOut:
    unit = request.app.state.catalogue.unit(principal.unit).name if principal.unit else None
    return MeOut(name=principal.name, role=principal.role, role_name=ROLE_NAMES[principal.role],
                 unit=principal.unit, unit_name=unit)


@router.post("/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, response: Response, session: DbSession) -> LoginOut:
    now = request.app.state.clock()
    try:
        token, principal, expires = service.login(session, name=body.name, password=body.password, now=now)
    except service.LoginError as exc:
        session.commit()   # the failure count is kept
        raise HTTPException(429 if exc.locked else 401, str(exc)) from exc
    session.commit()
    response.set_cookie(SESSION_COOKIE, token, max_age=int((expires - now).total_seconds()), httponly=True, samesite="strict", path="/")
    return LoginOut(**me_of(request, principal).model_dump(), token=token, expires_at=expires)


@router.post("/logout", status_code=204)
def logout(response: Response, session: DbSession, key: Annotated[str | None, Depends(credential)]) -> None:
    if key and key.startswith(service.SESSION_PREFIX):
        service.logout(session, token=key)
        session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=MeOut)
def me(request: Request, principal: Annotated[Principal, Depends(current_principal)]) -> MeOut:
    return me_of(request, principal)
