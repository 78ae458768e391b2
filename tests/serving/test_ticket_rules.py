"""Who may do what, and bad input: every refusal is a 4xx with a clear body and nothing half-written."""
import pytest

from tests.serving.test_ticket_workflow import HEAT, INTAKE, actions, register


def test_no_or_unknown_key_is_401(svc):
    assert svc.call(None, "GET", "").status_code == 401
    response = svc.client.get("/api/v1/tickets", headers={"X-API-Key": "jsk_not-a-key"})
    assert response.status_code == 401 and "API key" in response.json()["detail"]


@pytest.mark.parametrize("who,method,path,body,fragment", [
    ("heating_supply", "POST", "", INTAKE, "allowed roles: agent"),
    ("agent", "POST", "/{id}/sign", None, "role agent may not sign"),
    ("supervisor", "POST", "/{id}/reply", {"text": "督办人员代为答复内容"}, "role supervisor may not reply"),
])
def test_roles_are_refused_what_they_may_not_do(svc, who, method, path, body, fragment):
    t = register(svc)
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    response = svc.call(who, method, path.format(id=t["id"]), json=body)
    assert response.status_code == 403 and fragment in response.json()["detail"]


def test_a_unit_never_sees_another_units_ticket(svc):
    t = register(svc)
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    assert svc.call("urban_mgmt", "GET", f"/{t['id']}").status_code == 404
    assert svc.call("urban_mgmt", "POST", f"/{t['id']}/sign").status_code == 404
    assert svc.ok("urban_mgmt", "GET", "")["total"] == 0
    assert svc.ok("urban_mgmt", "GET", "", params={"unit": "heating_supply"})["total"] == 0
    assert [x["id"] for x in svc.ok("heating_supply", "GET", "")["items"]] == [t["id"]]
    assert svc.ok("supervisor", "GET", "", params={"status": "dispatched"})["total"] == 1


def test_idempotency_key_returns_the_same_ticket_and_refuses_a_different_body(svc):
    headers = {"Idempotency-Key": "call-20250929-0001"}
    first = svc.call("agent", "POST", "", json=INTAKE, headers=dict(headers))
    again = svc.call("agent", "POST", "", json=INTAKE, headers=dict(headers))
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    other = svc.call("agent", "POST", "", json={**INTAKE, "text": "另一件事：小区门口路灯不亮了一个星期"},
                     headers=dict(headers))
    assert other.status_code == 409 and "different request" in other.json()["detail"]
    assert svc.ok("agent", "GET", "")["total"] == 1


@pytest.mark.parametrize("body,fragment", [
    ({**INTAKE, "text": ""}, "text"),
    ({**INTAKE, "text": "    "}, "text"),
    ({**INTAKE, "text": "。。。？？？！！"}, "no words"),
    ({**INTAKE, "text": "暖" * 100_000}, "at most 5000"),
    ({**INTAKE, "channel": "fax"}, "channel"),
    ({**INTAKE, "street": "XX99"}, "no street"),
    ({**INTAKE, "district": "SH", "street": "HP01"}, "not in district SH"),
    ({**INTAKE, "mood": "angry"}, "Extra inputs"),
    ({**INTAKE, "attachments": [{"name": "照片.jpg", "content_type": "jpeg", "size": 10}]}, "content_type"),
    ({**INTAKE, "attachments": [{"name": "录音.mp3", "content_type": "audio/mpeg", "size": -1}]}, "size"),
])
def test_bad_intake_is_refused_clearly(svc, body, fragment):
    response = svc.call("agent", "POST", "", json=body)
    assert response.status_code == 422 and fragment in response.text
    assert svc.ok("agent", "GET", "")["total"] == 0


def test_malformed_json_is_422(svc):
    response = svc.call("agent", "POST", "", content=b'{"channel": "phone", "text": ', headers={
        "Content-Type": "application/json"})
    assert response.status_code == 422 and "JSON" in response.text


@pytest.mark.parametrize("body,fragment", [
    ({"leaf": "99"}, "pattern"),
    ({"leaf": "990101"}, "no catalogue node"),
    ({"leaf": "090101"}, "dispatch to one of its leaves"),
    ({"leaf": HEAT, "lead_unit": "no_such_unit"}, "no unit with code"),
    ({"leaf": HEAT, "lead_unit": "old_gas_company"}, "inactive"),
    ({"leaf": HEAT, "co_units": ["ghost"]}, "no unit with code"),
    ({"leaf": "010102", "mode": "双派", "co_units": []}, "at least one co-handler"),
])
def test_bad_dispatch_leaves_the_ticket_untouched(svc, body, fragment):
    t = register(svc)
    response = svc.call("agent", "POST", f"/{t['id']}/dispatch", json=body)
    assert response.status_code == 422 and fragment in response.text
    after = svc.ok("agent", "GET", f"/{t['id']}")
    assert after["status"] == "registered" and after["assignments"] == [] and after["leaf"] is None
    assert actions(svc, t["id"]) == [("agent", "register", "registered")]


def test_territorial_leaf_needs_a_place(svc):
    t = register(svc, district=None, street=None)
    response = svc.call("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": "010101"})
    assert response.status_code == 422 and "属地 (street)" in response.json()["detail"]
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": "010101", "district": "HP", "street": "HP02"})
    assert t["assignments"][0]["unit"] == "street:HP02"


def test_wrong_state_is_409_naming_what_is_allowed(svc):
    t = register(svc)
    response = svc.call("agent", "POST", f"/{t['id']}/visit", json={"satisfaction": "满意"})
    assert response.status_code == 409
    assert "registered" in response.json()["detail"] and "dispatch" in response.json()["detail"]
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    again = svc.call("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    assert again.status_code == 409 and len(svc.ok("agent", "GET", f"/{t['id']}")["assignments"]) == 1


def test_health_and_readiness(svc, tmp_path):
    assert svc.client.get("/healthz").json()["status"] == "ok"
    assert svc.client.get("/readyz").json()["status"] == "ready"


def test_not_ready_before_migration(tmp_path):
    from fastapi.testclient import TestClient

    from catalog import DEFAULT_DATA_DIR
    from serving.app import create_app
    from serving.settings import Settings

    app = create_app(Settings(home=tmp_path, catalogue_dir=DEFAULT_DATA_DIR,
                              database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    response = TestClient(app).get("/readyz")
    assert response.status_code == 503 and "jiesu db upgrade" in response.json()["database"]


def test_csv_export_for_supervisors_masks_callers(svc):
    import csv
    import io

    t = register(svc)
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    response = svc.call("supervisor", "GET", "/export.csv", params={"status": "dispatched"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [r["number"] for r in rows] == [t["number"]] and rows[0]["caller_phone_masked"] == "138****5678"
    assert "13812345678" not in response.text
    assert svc.call("agent", "GET", "/export.csv").status_code == 403


def test_metrics_count_requests_by_route_and_tickets_by_status(svc):
    register(svc)
    svc.call("agent", "GET", "/999999")
    text = svc.client.get("/metrics").text
    assert 'jiesu_tickets{status="registered"} 1.0' in text
    assert 'route="/api/v1/tickets/{ticket_id}",status="404"' in text
