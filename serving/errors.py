"""Domain errors → HTTP answers with a clear body, registered once for the whole app."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from serving.tickets.flows import Conflict, FlowError
from serving.tickets.service import NotFound
from serving.tickets.states import TransitionError


def _answer(status: int, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": str(exc)})


def install(app: FastAPI) -> None:
    @app.exception_handler(TransitionError)
    async def _transition(_request: Request, exc: TransitionError):
        return _answer(403 if exc.forbidden else 409, exc)

    @app.exception_handler(PermissionError)
    async def _forbidden(_request: Request, exc: PermissionError):
        return _answer(403, exc)

    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, exc: NotFound):
        return _answer(404, exc)

    @app.exception_handler(FlowError)
    async def _unprocessable(_request: Request, exc: FlowError):
        return _answer(422, exc)

    @app.exception_handler(Conflict)
    async def _conflict(_request: Request, exc: Conflict):
        return _answer(409, exc)
