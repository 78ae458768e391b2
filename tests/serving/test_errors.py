"""Domain errors answer with their HTTP status and message, also when raised as a subclass of a registered error."""
from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving import errors
from serving.tickets.flows import FlowError
from serving.tickets.service import NotFound
from serving.tickets.states import TransitionError


class TicketGone(NotFound):
    """A narrower 'not found' a domain might add later."""


class BadSplit(FlowError):
    pass


def _client(exc: Exception) -> TestClient:
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    def boom():
        raise exc

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("exc, status", [
    (NotFound("工单 X 不存在"), 404),
    (TicketGone("工单 X 已删除"), 404),
    (FlowError("拆分至少需要两项"), 422),
    (BadSplit("拆分至少需要两项"), 422),
    (PermissionError("仅班长可以审批退单"), 403),
])
def test_error_answers_with_its_status_and_message(exc, status):
    response = _client(exc).get("/boom")
    assert response.status_code == status
    assert response.json() == {"detail": str(exc)}


def test_transition_error_status_depends_on_whether_the_role_is_forbidden():
    assert errors.status_of(TransitionError("已办结的工单不能派单", forbidden=False)) == 409
    assert errors.status_of(TransitionError("坐席不能审批退单", forbidden=True)) == 403
