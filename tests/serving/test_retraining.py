"""The retraining loop end to end with the tiny model, on SQLite and PostgreSQL: a catalogue change (one leaf
split, two merged, one renamed, one added) is carried through the history, the new leaf is served zero-shot and
marked untrained, agents' decisions retrain the model, the gate promotes it, the service serves it, and a
rollback restores the previous model's predictions exactly. A failed retraining leaves the current model serving."""
from __future__ import annotations

import json
import shutil
import time

import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from catalog import DEFAULT_DATA_DIR, load_catalogue  # noqa: E402
from model.registry import Registry  # noqa: E402
from serving.app import create_app  # noqa: E402
from serving.corrections.carry import carry_history  # noqa: E402
from serving.migrate import upgrade  # noqa: E402
from serving.modelops import retraining  # noqa: E402
from serving.settings import Settings  # noqa: E402
from serving.tickets.models import Ticket  # noqa: E402
from serving.tickets.states import Role  # noqa: E402
from tests.catalog.changed import (ADDED, MERGED_AWAY, MERGED_INTO, NEW_NODES, SPLIT, SPLIT_PART,  # noqa: E402
                                   write_changed_catalogue)
from tests.serving.conftest import Service  # noqa: E402

TINY_RETRAIN = ["retrain.epochs=4", "retrain.lr_scale=1.0", "retrain.holdout=0.25", "retrain.max_regression=1.0",
                "retrain.require_better_on_corrections=false"]
PLACE = {"district": "HP", "street": "HP01"}


def service_on(home, catalogue_dir, database_url, clock, keys: dict | None = None) -> Service:
    """The service on a catalogue; `keys` of an earlier service on the same database are reused."""
    app = create_app(Settings(home=home, catalogue_dir=catalogue_dir, database_url=database_url), clock=clock)
    service = Service(app, clock)
    if keys is not None:
        service.keys = keys
        return service
    service.add("agent", Role.AGENT)
    service.add("maintainer", Role.MAINTAINER)
    return service


def register_and_dispatch(service: Service, text: str, leaf: str) -> dict:
    ticket = service.ok("agent", "POST", "", 201, json={"channel": "phone", "text": text})
    return service.ok("agent", "POST", f"/{ticket['id']}/dispatch", json={"leaf": leaf, **PLACE})


def suggested(service: Service, text: str) -> list[dict]:
    return service.ok("agent", "POST", "", 201, json={"channel": "phone", "text": text})["suggestion"]["candidates"]


def models(service: Service, method: str, path: str, status: int = 200, **kwargs) -> dict:
    response = service.client.request(method, f"/api/v1/models{path}",
                                      headers={"Authorization": f"Bearer {service.keys['maintainer']}"}, **kwargs)
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def home(tmp_path, trained, clock):
    directory = shutil.copytree(trained[0], tmp_path / "models" / trained[0].name)
    Registry.under(tmp_path).promote(directory.name, by="test", reason="retraining tests", at=clock())
    return tmp_path


@pytest.fixture
def v2_dir(tmp_path):
    return write_changed_catalogue(tmp_path / "catalogue-v2")


def test_a_catalogue_change_is_carried_served_zero_shot_retrained_promoted_and_rolled_back(
        home, v2_dir, database_url, clock, trained):
    upgrade(database_url)
    texts = trained[1]
    by_leaf = {leaf: [t.text for t in texts if t.leaf == leaf] for leaf in (SPLIT, MERGED_AWAY)}
    old = service_on(home, DEFAULT_DATA_DIR, database_url, clock)
    merged_ticket = register_and_dispatch(old, by_leaf[MERGED_AWAY][0], MERGED_AWAY)
    split_ticket = register_and_dispatch(old, by_leaf[SPLIT][0], SPLIT)
    old.app.state.engine.dispose()

    new = service_on(home, v2_dir, database_url, clock, keys=old.keys)
    catalogue = new.app.state.catalogue
    with new.app.state.sessions() as session:
        counts = carry_history(session, catalogue=catalogue, actor="maintainer", now=clock(),
                               choose=lambda ticket, parts: parts[-1])
        session.commit()
        merged = session.get(Ticket, merged_ticket["id"])
        assert (merged.leaf, merged.catalogue_version) == (MERGED_INTO, catalogue.version)
        assert session.get(Ticket, split_ticket["id"]).leaf == SPLIT_PART
        audit = [a for a in merged.audit if a.action == "recatalogue"]
        assert audit and audit[0].details == {"old_leaf": MERGED_AWAY, "new_leaf": MERGED_INTO, "kind": "merge",
                                              "old_version": merged_ticket["catalogue_version"]}
    assert counts == {"merge": 1, "split": 1}

    new_leaf_text = NEW_NODES[ADDED]["examples"][0]
    before = suggested(new, new_leaf_text)
    leaves = {leaf.code for leaf in catalogue.leaves()}
    assert all(c["leaf"] in leaves for c in before) and MERGED_AWAY not in {c["leaf"] for c in before}
    zero_shot = {c["leaf"]: c for c in before}
    assert ADDED in zero_shot and "untrained" in zero_shot[ADDED]["evidence"]

    for round_ in range(4):
        for leaf in (ADDED, SPLIT_PART):
            for text in NEW_NODES[leaf]["examples"]:
                register_and_dispatch(new, text + "。" * round_, leaf)
                clock.advance(hours=1)
    current = Registry.under(home).current_version()
    result = retraining.run(new.app.state.settings, config=None, overrides=TINY_RETRAIN, corrections=None,
                            since=None, promote=True, shadow=False, by="maintainer", job=None,
                            read_db=lambda: new.app.state.sessions, now=clock(), texts=texts)
    assert result["promoted"] and result["gate"]["passed"] and result["from"] == current
    assert Registry.under(home).current_version() == result["version"]
    report = models(new, "GET", f"/{result['version']}/report")
    assert set(report["decisions"]["new_leaves_trained"]) >= {ADDED, SPLIT_PART}
    assert report["sets"]["corrections"]["old"]["n"] == report["decisions"]["held_out"] > 0

    after = {c["leaf"]: c for c in suggested(new, new_leaf_text)}
    assert all("untrained" not in c["evidence"] for c in after.values())
    listing = models(new, "GET", "")
    assert listing["current"] == result["version"]

    models(new, "POST", "/rollback", json={"reason": "对比后决定回退"})
    assert suggested(new, new_leaf_text) == before
    history = Registry.under(home).history()
    assert [h["action"] for h in history][-2:] == ["promote", "rollback"]
    assert history[-1]["by"] == "maintainer" and history[-1]["version"] == current
    new.app.state.engine.dispose()


def test_a_failed_retraining_leaves_the_current_model_serving(home, database_url, clock, trained, monkeypatch):
    upgrade(database_url)
    service = service_on(home, DEFAULT_DATA_DIR, database_url, clock)
    text = trained[1][0].text
    before = suggested(service, text)
    for t in trained[1][:6]:
        register_and_dispatch(service, t.text, t.leaf)
    current = Registry.under(home).current_version()

    def broken_export(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("training.retrain.run.export_model", broken_export)
    with pytest.raises(retraining.RetrainFailed, match=f"disk full.*{current} still serves"):
        retraining.run(service.app.state.settings, config=None, overrides=TINY_RETRAIN, corrections=None,
                       since=None, promote=True, shadow=False, by="maintainer", job=None,
                       read_db=lambda: service.app.state.sessions, now=clock(), texts=trained[1])
    assert Registry.under(home).current_version() == current
    assert sorted(p.name for p in (home / "models").iterdir()) == sorted([current, "registry.json"])
    assert suggested(service, text) == before
    service.app.state.engine.dispose()


def test_only_maintainers_operate_models_and_errors_say_what_to_do(home, database_url, clock):
    upgrade(database_url)
    service = service_on(home, DEFAULT_DATA_DIR, database_url, clock)
    agent = service.client.get("/api/v1/models", headers={"Authorization": f"Bearer {service.keys['agent']}"})
    assert agent.status_code == 403
    missing = models(service, "POST", "/nope-1/promote", 404, json={"reason": "试一下"})
    assert "known versions" in missing["detail"]
    first = models(service, "POST", "/rollback", 409, json={"reason": "试一下"})
    assert "nothing to roll back" in first["detail"]
    current = Registry.under(home).current_version()
    same = models(service, "POST", f"/{current}/shadow", 409, json={"reason": "试一下"})
    assert "current model" in same["detail"]
    assert models(service, "GET", f"/{current}/report", 404)["detail"].startswith(f"model {current} was trained")
    service.app.state.engine.dispose()


def test_a_model_for_an_unlinked_catalogue_version_is_refused(trained, tmp_path):
    from model.classifier import Classifier, ModelError

    v2 = write_changed_catalogue(tmp_path / "v2")
    shutil.rmtree(v2 / "changes")
    with pytest.raises(ModelError, match="no change file leads from catalogue"):
        Classifier(trained[0], catalogue=load_catalogue(v2))


def test_a_retraining_job_runs_in_its_own_process_and_its_failure_is_reported(tmp_path, database_url, clock):
    upgrade(database_url)
    service = service_on(tmp_path, DEFAULT_DATA_DIR, database_url, clock)     # no model to continue from
    job = models(service, "POST", "/retrain", 202, json={"since": "2025-09-01"})
    assert job["status"] == "queued" and job["pid"] and job["by"] == "maintainer"
    deadline = time.monotonic() + 300                                          # a safety net, not a timing check
    while (state := models(service, "GET", f"/jobs/{job['id']}"))["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, state
        time.sleep(0.5)
    assert state["status"] == "failed" and "no current model" in state["error"]
    assert models(service, "POST", "/retrain", 422, json={"since": "2025/09/01"})
    assert "no job" in models(service, "GET", "/jobs/retrain-19990101-000000", 404)["detail"]
    service.app.state.engine.dispose()


def test_the_cli_carries_the_history_to_the_new_catalogue(tmp_path, database_url, clock, monkeypatch):
    from typer.testing import CliRunner

    from serving.cli import app as cli

    upgrade(database_url)
    old = service_on(tmp_path, DEFAULT_DATA_DIR, database_url, clock)
    ticket = register_and_dispatch(old, "垃圾转运车一路走一路滴臭水，马路上全是黑乎乎的污渍，味道很大。", MERGED_AWAY)
    old.app.state.engine.dispose()
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    monkeypatch.setenv("JIESU_DATABASE_URL", database_url)
    monkeypatch.setenv("JIESU_CATALOG", str(write_changed_catalogue(tmp_path / "v2")))
    result = CliRunner().invoke(cli, ["data", "carry-catalogue"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tickets"] == {"merge": 1}
    again = CliRunner().invoke(cli, ["data", "carry-catalogue"])
    assert json.loads(again.output)["tickets"] == {}
    new = service_on(tmp_path, tmp_path / "v2", database_url, clock, keys=old.keys)
    assert new.ok("agent", "GET", f"/{ticket['id']}")["leaf"] == MERGED_INTO
    new.app.state.engine.dispose()
