"""Domain errors → HTTP answers with a clear body, registered once for the whole app."""
from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from serving.analytics.facts import FactsOutOfDate
from serving.tickets.flows import FlowError
from serving.tickets.intake import Conflict
from serving.tickets.service import NotFound
from serving.tickets.states import TransitionError

# exception type → its HTTP status (a function of the exception where it depends on it)
STATUS: dict[type[Exception], Callable[[Exception], int]] = {
    TransitionError: lambda exc: 403 if exc.forbidden else 409,
    PermissionError: lambda exc: 403,
    NotFound: lambda exc: 404,
    FlowError: lambda exc: 422,
    Conflict: lambda exc: 409,
    FactsOutOfDate: lambda exc: 503,
}


def status_of(exc: Exception) -> int:
    """The HTTP status of a domain error, found by its nearest registered class (a subclass answers as its base)."""
    kind = next(k for k in type(exc).__mro__ if k in STATUS)
    return STATUS[kind](exc)


def install(app: FastAPI) -> None:
    async def answer(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=status_of(exc), content={"detail": str(exc)})

    for kind in STATUS:
        app.add_exception_handler(kind, answer)
