"""Agents' decisions as training data, on SQLite and PostgreSQL: the disputed ones listed for maintainers, their
verdicts, the export `jiesu retrain` reads; and a shadow model's predictions stored at intake and compared."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from serving.cli import app as cli
from serving.corrections.models import ShadowPrediction
from serving.tickets.states import Role

HEAT_TEXT = "家里暖气片一直不热，室温只有十四度，老人孩子都冻感冒了，请供热公司尽快来看看。"
OTHER_LEAF = "010101"


def corrections(svc, method: str, path: str, status: int = 200, who: str = "maintainer", **kwargs):
    response = svc.client.request(method, f"/api/v1/corrections{path}",
                                  headers={"Authorization": f"Bearer {svc.keys[who]}"}, **kwargs)
    assert response.status_code == status, response.text
    return response.json() if response.headers["content-type"].startswith("application/json") else response.text


@pytest.fixture
def decided(svc):
    """Three decisions: one accepting the keyword suggester's top leaf, two overriding it."""
    svc.add("maintainer", Role.MAINTAINER)
    ids = []
    for n in range(3):
        ticket = svc.ok("agent", "POST", "", 201, json={"channel": "phone", "text": HEAT_TEXT + "。" * n})
        top = ticket["suggestion"]["candidates"][0]["leaf"]
        leaf = top if n == 0 else OTHER_LEAF
        svc.ok("agent", "POST", f"/{ticket['id']}/dispatch", json={"leaf": leaf, "district": "HP", "street": "HP01"})
        ids.append((ticket["id"], top))
    return ids


def test_disputed_decisions_are_listed_reviewed_and_exported(svc, decided):
    disputed = corrections(svc, "GET", "/disputed")
    assert sorted(d["ticket_id"] for d in disputed) == sorted(t for t, _ in decided[1:])
    assert all(d["chosen_leaf"] == OTHER_LEAF and d["suggested"] == decided[1][1] for d in disputed)
    error, relabel = disputed
    corrections(svc, "POST", f"/{error['suggestion_id']}/review", json={"verdict": "agent_error", "note": "派错了"})
    review = corrections(svc, "POST", f"/{relabel['suggestion_id']}/review", json={"verdict": "label", "leaf": "010102"})
    assert review["reviewed_by"] == "maintainer" and review["leaf"] == "010102"
    assert corrections(svc, "GET", "/disputed") == []
    rows = [json.loads(line) for line in corrections(svc, "GET", "/export").splitlines()]
    assert sorted(r["ticket_id"] for r in rows) == sorted([decided[0][0], relabel["ticket_id"]])
    by_ticket = {r["ticket_id"]: r for r in rows}
    assert by_ticket[relabel["ticket_id"]]["leaf"] == "010102" and by_ticket[relabel["ticket_id"]]["review"] == "label"
    assert by_ticket[decided[0][0]]["correction"] is False and by_ticket[relabel["ticket_id"]]["correction"] is True


def test_reviews_refuse_bad_input_and_other_roles(svc, decided):
    suggestion = corrections(svc, "GET", "/disputed")[0]["suggestion_id"]
    assert corrections(svc, "POST", f"/{suggestion}/review", 422, json={"verdict": "maybe"})
    assert "not a leaf" in corrections(svc, "POST", f"/{suggestion}/review", 422,
                                       json={"verdict": "label", "leaf": "999999"})["detail"]
    assert "no decided suggestion" in corrections(svc, "POST", "/99999/review", 404,
                                                  json={"verdict": "agent_error"})["detail"]
    corrections(svc, "GET", "/disputed", 403, who="agent")


def test_the_cli_exports_decisions_since_a_day(svc, decided, tmp_path, monkeypatch):
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    monkeypatch.setenv("JIESU_DATABASE_URL", str(svc.app.state.settings.database))
    out = tmp_path / "decisions.jsonl"
    result = CliRunner().invoke(cli, ["data", "corrections", "--since", "2025-09-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    later = CliRunner().invoke(cli, ["data", "corrections", "--since", "2025-10-01", "--only-corrections"])
    assert later.exit_code == 0 and later.output == ""
    bad = CliRunner().invoke(cli, ["data", "corrections", "--since", "2025/09/01"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_a_shadow_model_predicts_beside_the_current_one_and_is_compared(advised, trained, clock):
    from model.registry import Registry

    service, home, _ = advised
    service.add("maintainer", Role.MAINTAINER)
    current = Registry.under(home).current()
    shadow = shutil.copytree(current, home / "models" / "candidate-1")
    meta = json.loads((shadow / "meta.json").read_text(encoding="utf-8"))
    (shadow / "meta.json").write_text(json.dumps(meta | {"version": "candidate-1"}), encoding="utf-8")
    response = service.client.post("/api/v1/models/candidate-1/shadow", json={"reason": "上线前对比"},
                                    headers={"Authorization": f"Bearer {service.keys['maintainer']}"})
    assert response.status_code == 200, response.text
    for text in [t.text for t in trained[1][:4]]:
        ticket = service.ok("agent", "POST", "", 201, json={"channel": "phone", "text": text})
        service.ok("agent", "POST", f"/{ticket['id']}/dispatch",
                   json={"leaf": ticket["suggestion"]["candidates"][0]["leaf"], "district": "HP", "street": "HP01"})
    with service.app.state.sessions() as session:
        rows = session.query(ShadowPrediction).all()
        assert len(rows) == 4 and all(r.status == "ok" and r.model_version == "candidate-1" for r in rows)
    report = service.client.get("/api/v1/models/shadow/agreement",
                                headers={"Authorization": f"Bearer {service.keys['maintainer']}"}).json()
    assert report["decided"] == 4 and report["current_top1"] == 1.0 and report["shadow_top1"] == 1.0


def test_a_failing_shadow_is_recorded_and_the_ticket_is_accepted(advised, trained, monkeypatch):
    from model.registry import Registry

    service, home, _ = advised
    current = Registry.under(home).current()
    shutil.copytree(current, home / "models" / "candidate-2")
    meta = json.loads((home / "models" / "candidate-2" / "meta.json").read_text(encoding="utf-8"))
    (home / "models" / "candidate-2" / "meta.json").write_text(json.dumps(meta | {"version": "candidate-2"}))
    Registry.under(home).set_shadow("candidate-2", by="test", reason="对比", at=service.clock())
    ticket = service.ok("agent", "POST", "", 201, json={"channel": "phone", "text": trained[1][0].text})
    shadow = service.app.state.suggester.shadow

    def broken(*args, **kwargs):
        raise RuntimeError("onnx session lost")

    monkeypatch.setattr(shadow, "predict", broken)
    second = service.ok("agent", "POST", "", 201, json={"channel": "phone", "text": trained[1][1].text})
    assert second["suggestion"]["status"] == "ok"
    with service.app.state.sessions() as session:
        rows = {r.ticket_id: r for r in session.query(ShadowPrediction).all()}
    assert rows[ticket["id"]].status == "ok"
    assert rows[second["id"]].status == "error" and "onnx session lost" in rows[second["id"]].error
