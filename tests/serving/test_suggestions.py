"""Suggestions fail soft and decisions are recorded beside them."""
import logging

import pytest
import sqlalchemy as sa

from catalog import DEFAULT_DATA_DIR
from model.keyword import KeywordSuggester
from serving.app import create_app
from serving.settings import Settings
from serving.tickets.states import Role
from tests.serving.conftest import Service
from tests.serving.test_ticket_workflow import INTAKE, register


def test_intake_stores_a_suggestion_and_dispatch_records_the_decision(svc):
    t = register(svc, text="市民来电反映：和平区太原街街道某小区就我家暖气不热，邻居家都热乎，室温只有14度。")
    s = t["suggestion"]
    assert s["status"] == "ok" and s["source"] == "keyword-baseline-1" and len(s["candidates"]) == 3
    top = s["candidates"][0]
    assert top["leaf"].startswith("09") and top["path"].startswith("城市供热") and 0 < top["probability"] <= 1
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": top["leaf"]})
    assert t["suggestion"]["accepted"] is True and t["suggestion"]["chosen_rank"] == 1


def test_a_correction_is_recorded_as_not_accepted(svc):
    t = register(svc)
    assert t["suggestion"]["candidates"][0]["leaf"] != "10010101"       # a heating complaint …
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": "10010101"})   # … filed under 物业
    assert t["suggestion"]["accepted"] is False
    with svc.app.state.engine.connect() as conn:
        chosen = conn.execute(sa.text("SELECT chosen_leaf, decided_by FROM suggestions")).one()
    assert tuple(chosen) == ("10010101", "agent")


class BrokenModel(KeywordSuggester):
    """Failure injection: a model that crashes on every call."""

    version = "broken-model"

    def suggest(self, text, k=3):
        raise RuntimeError("model server unreachable")


@pytest.mark.parametrize("suggester,status", [(None, "unavailable"), ("broken", "error")])
def test_without_a_working_model_the_agent_still_files_and_dispatches(tmp_path, database_url, clock, suggester,
                                                                     status, caplog):
    from serving.migrate import upgrade

    upgrade(database_url)
    settings = Settings(home=tmp_path, catalogue_dir=DEFAULT_DATA_DIR, database_url=database_url)
    app = create_app(settings, clock=clock, suggester=None)
    if suggester == "broken":
        app.state.suggester = BrokenModel(app.state.catalogue)
    svc = Service(app, clock)
    svc.add("agent", Role.AGENT)
    with caplog.at_level(logging.ERROR, logger="jiesu.suggestions"):
        t = svc.ok("agent", "POST", "", 201, json=INTAKE)
    assert t["suggestion"]["status"] == status and t["suggestion"]["candidates"] == []
    if status == "error":
        assert "model server unreachable" in caplog.text
        with app.state.engine.connect() as conn:
            assert "RuntimeError" in conn.execute(sa.text("SELECT error FROM suggestions")).scalar()
    assert svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": "09010101"})["status"] == "dispatched"
    app.state.engine.dispose()
