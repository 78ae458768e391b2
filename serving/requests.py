"""Request-scoped dependencies shared by every domain's views: a database session and the calling principal."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Cookie, Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from serving.auth.models import Principal
from serving.auth.service import authenticate

SESSION_COOKIE = "jiesu_session"


def db_session(request: Request) -> Iterator[Session]:
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.rollback()   # anything not committed by the handler is discarded
        session.close()


DbSession = Annotated[Session, Depends(db_session)]


def credential(authorization: Annotated[str | None, Header()] = None,
               x_api_key: Annotated[str | None, Header()] = None,
               jiesu_session: Annotated[str | None, Cookie()] = None) -> str | None:
    """The caller's API key or session token: a Bearer header, an X-API-Key header or the login cookie."""
    if x_api_key:
        return x_api_key
    if authorization and authorization.startswith("Bearer "):
        return authorization[7:]
    return jiesu_session


def current_principal(request: Request, session: DbSession,
                      key: Annotated[str | None, Depends(credential)]) -> Principal:
    principal = authenticate(session, key=key, now=request.app.state.clock()) if key else None
    if principal is None:
        raise HTTPException(401, "not logged in, session expired or unknown API key: log in at "
                            "/api/v1/auth/login, or send 'Authorization: Bearer <key>' or 'X-API-Key'",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal
