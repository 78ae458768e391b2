"""People log in with a password and get a session (token and HttpOnly cookie); refusals say why, not who exists."""
import pytest

from serving.auth.service import create_principal, set_password
from serving.tickets.states import Role
from tests.serving.test_ticket_workflow import HEAT, register

PASSWORD = "heping-2025"


def add_person(svc, name: str, role: Role, unit: str | None = None) -> None:
    with svc.app.state.sessions() as session:
        create_principal(session, name=name, role=role, unit=unit, now=svc.clock(), password=PASSWORD)
        session.commit()


def login(svc, name: str, password: str = PASSWORD):
    return svc.client.post("/api/v1/auth/login", json={"name": name, "password": password})


def test_login_gives_a_token_and_a_cookie_that_act_as_the_person(svc):
    add_person(svc, "zhang-agent", Role.AGENT)
    response = login(svc, "zhang-agent")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["role"] == "agent" and body["role_name"] == "话务员" and body["token"].startswith("jss_")
    cookie = response.headers["set-cookie"]
    assert "jiesu_session=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert svc.client.get("/api/v1/auth/me").json()["name"] == "zhang-agent"       # the cookie
    svc.client.cookies.clear()
    headers = {"Authorization": f"Bearer {body['token']}"}
    t = svc.client.post("/api/v1/tickets", headers=headers, json={
        "channel": "web", "text": "小区门口路灯坏了一个多月了，晚上很黑，请尽快修理。"})
    assert t.status_code == 201 and svc.ok("agent", "GET", f"/{t.json()['id']}/audit")[0]["actor"] == "zhang-agent"


def test_a_unit_handler_who_logs_in_sees_only_its_units_tickets(svc):
    add_person(svc, "li-heating", Role.UNIT, "heating_supply")
    add_person(svc, "wang-urban", Role.UNIT, "urban_mgmt")
    t = register(svc)
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    for name, seen in (("li-heating", [t["id"]]), ("wang-urban", [])):
        token = login(svc, name).json()["token"]
        page = svc.client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).json()
        assert [x["id"] for x in page["items"]] == seen
    me = svc.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["unit"] == "urban_mgmt" and me["unit_name"] == "市城市管理局"


def test_wrong_password_and_unknown_name_get_the_same_answer(svc):
    add_person(svc, "zhang-agent", Role.AGENT)
    wrong, unknown = login(svc, "zhang-agent", "not-the-password1"), login(svc, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "unknown name or wrong password"}
    assert "set-cookie" not in wrong.headers


def test_a_key_only_principal_cannot_log_in(svc):
    assert login(svc, "agent").status_code == 401        # the fixture's agent has an API key, no password


def test_five_failures_lock_the_account_for_fifteen_minutes(svc):
    add_person(svc, "zhang-agent", Role.AGENT)
    for _ in range(5):
        assert login(svc, "zhang-agent", "guess-1234").status_code == 401
    locked = login(svc, "zhang-agent")
    assert locked.status_code == 429 and "try again after 09:15" in locked.json()["detail"]
    svc.clock.advance(minutes=15)
    assert login(svc, "zhang-agent").status_code == 200


def test_sessions_end_at_expiry_logout_and_password_change(svc):
    add_person(svc, "zhang-agent", Role.AGENT)

    def me(token):
        return svc.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code

    first = login(svc, "zhang-agent").json()["token"]
    svc.clock.advance(hours=11, minutes=59)
    assert me(first) == 200
    svc.clock.advance(minutes=1)
    assert me(first) == 401
    second = login(svc, "zhang-agent").json()["token"]
    assert svc.client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {second}"}).status_code == 204
    assert me(second) == 401
    third = login(svc, "zhang-agent").json()["token"]
    with svc.app.state.sessions() as session:
        set_password(session, name="zhang-agent", password="new-secret-42")
        session.commit()
    assert me(third) == 401 and login(svc, "zhang-agent").status_code == 401
    assert login(svc, "zhang-agent", "new-secret-42").status_code == 200


@pytest.mark.parametrize("password,fragment", [("short1", "at least 8"), ("abcdefghij", "letters and digits")])
def test_weak_passwords_are_refused(svc, password, fragment):
    with svc.app.state.sessions() as session, pytest.raises(ValueError, match=fragment):
        create_principal(session, name="weak", role=Role.AGENT, unit=None, now=svc.clock(), password=password)


def test_malformed_login_is_422(svc):
    response = svc.client.post("/api/v1/auth/login", json={"name": "x", "password": "y", "role": "admin"})
    assert response.status_code == 422 and "role" in response.text


def test_demo_logins_and_password_commands(tmp_path, monkeypatch):
    from datetime import datetime

    from typer.testing import CliRunner

    from catalog.deadlines import TZ
    from serving.auth.service import login as open_session
    from serving.cli import app
    from serving.db import make_engine, session_factory

    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    monkeypatch.delenv("JIESU_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(app, ["users", "demo"], env={"JIESU_PASSWORD": "demo-pass-1"})
    assert first.exit_code == 0 and "demo-street-HP01" in first.output
    assert runner.invoke(app, ["users", "password", "demo-agent"], env={"JIESU_PASSWORD": "short"}).exit_code == 2
    assert runner.invoke(app, ["users", "password", "demo-agent"], env={"JIESU_PASSWORD": "new-pass-22"}).exit_code == 0
    listed = runner.invoke(app, ["users", "list"]).output
    assert "demo-heating\tunit\theating_supply\tpassword\tactive" in listed
    with session_factory(make_engine(f"sqlite:///{tmp_path / 'jiesu.db'}"))() as session:
        assert open_session(session, name="demo-agent", password="new-pass-22", now=datetime.now(TZ))[1].role == "agent"
        assert open_session(session, name="demo-supervisor", password="demo-pass-1",
                            now=datetime.now(TZ))[1].role == "supervisor"
