"""Dispatch advice in the service, on SQLite and PostgreSQL with a tiny trained model: stored at intake, served
by POST /api/v1/advice, and the case index built from closed tickets and grown as more close."""
from datetime import datetime, timedelta

import pytest

pytest.importorskip("onnxruntime")

from catalog.deadlines import TZ  # noqa: E402
from catalog.load import DEFAULT_DATA_DIR  # noqa: E402
from model.retrieval.cases import CaseIndex, index_dir  # noqa: E402
from model.retrieval.embed import ClassifierEmbedder  # noqa: E402
from serving.app import create_app  # noqa: E402
from serving.cases import flows  # noqa: E402
from serving.migrate import upgrade  # noqa: E402
from serving.settings import Settings  # noqa: E402
from serving.tickets.history import load_history  # noqa: E402
from serving.tickets.states import Role  # noqa: E402
from tests.serving.conftest import Service  # noqa: E402
from training.corpus.texts import load_texts  # noqa: E402
from training.generate.tickets import GeneratorConfig, HistoryGenerator  # noqa: E402

ADDRESS = "和平区太原街街道太原街社区12号楼3单元"


def history(demo_catalogue, tickets: int, seed: int) -> list[dict]:
    texts, _ = load_texts(demo_catalogue)
    rows = HistoryGenerator(demo_catalogue, texts, {}, GeneratorConfig(tickets=tickets, seed=seed)).generate()
    return [r for r in rows if r["status"] == "已办结"]


def build_index(service, home, classifier, now):
    with service.app.state.sessions() as session:
        return flows.build(session, embedder=ClassifierEmbedder(classifier), directory=index_dir(home), now=now,
                           progress=False)


def test_intake_stores_place_units_and_reasons_from_one_pass(advised, trained):
    service, _, _ = advised
    text = trained[1][0].text
    ticket = service.ok("agent", "POST", "", 201, json={"channel": "phone", "text": text, "address": ADDRESS})
    advice = ticket["suggestion"]["advice"]
    assert advice["place"] == {"district": "HP", "street": "HP01", "community": "太原街社区"}
    lead = advice["units"]["units"][0]
    assert lead["role"] == "主办" and lead["reasons"] and advice["units"]["confidence"] > 0
    top = ticket["suggestion"]["candidates"][0]["leaf"]
    assert advice["prediction"]["paths"][0]["codes"][-1] == top
    assert advice["similar"] == []                    # no index built yet: advice still comes


def test_the_index_is_built_from_closed_tickets_and_grows_exactly_once(advised, demo_catalogue):
    service, home, classifier = advised
    rows = history(demo_catalogue, 40, seed=3)
    first, later = rows[:-3], rows[-3:]
    with service.app.state.sessions() as session:
        load_history(session, rows=first, catalogue=demo_catalogue)
        session.commit()
    built = build_index(service, home, classifier, service.clock())
    assert built["cases"] == len(first) and built["kind"] == "flat"
    index = CaseIndex.load(index_dir(home), encoder=f"classifier:{classifier.version}")
    assert {c.id for c in index.cases} == {r["ticket_id"] for r in first}
    on_the_spot = {r["ticket_id"] for r in first if r["dispatch_mode"] == "即办"}   # answered by the agent
    assert all(c.leaf and bool(c.lead_unit) == (c.id not in on_the_spot) for c in index.cases)

    advice = service.client.post("/api/v1/advice", json={"text": first[0]["text"], "address": ADDRESS},
                                 headers={"Authorization": f"Bearer {service.keys['agent']}"}).json()
    assert advice["similar"] and advice["similar"][0]["case"]["id"] in {r["ticket_id"] for r in first}

    with service.app.state.sessions() as session:
        load_history(session, rows=later, catalogue=demo_catalogue)
        session.commit()
        embedder = ClassifierEmbedder(classifier)
        now = service.clock() + timedelta(minutes=5)
        assert flows.update(session, embedder=embedder, directory=index_dir(home), now=now)["added"] == 3
        assert flows.update(session, embedder=embedder, directory=index_dir(home), now=now)["added"] == 0
    assert len(CaseIndex.load(index_dir(home))) == len(rows)


def test_advice_refuses_bad_input_and_roles(advised):
    service, _, _ = advised
    headers = {"Authorization": f"Bearer {service.keys['agent']}"}
    bad = service.client.post("/api/v1/advice", json={"text": "x", "street": "nowhere"}, headers=headers)
    assert bad.status_code == 422
    unit = service.client.post("/api/v1/advice", json={"text": "小区垃圾没人清运"},
                               headers={"Authorization": f"Bearer {service.keys['unit']}"})
    assert unit.status_code == 403


def test_without_a_model_advice_answers_503_and_intake_still_works(tmp_path, database_url, clock):
    upgrade(database_url)
    app = create_app(Settings(home=tmp_path, catalogue_dir=DEFAULT_DATA_DIR, database_url=database_url), clock=clock)
    service = Service(app, clock)
    service.add("agent", Role.AGENT)
    response = service.client.post("/api/v1/advice", json={"text": "小区垃圾好几天没人清运"},
                                   headers={"Authorization": f"Bearer {service.keys['agent']}"})
    assert response.status_code == 503 and "dispatch by hand" in response.json()["detail"]
    ticket = service.ok("agent", "POST", "", 201, json={"channel": "phone", "text": "小区垃圾好几天没人清运"})
    assert ticket["suggestion"]["advice"] is None
    app.state.engine.dispose()


def test_an_update_without_a_database_built_index_says_what_to_do(advised):
    from model.retrieval.cases import CaseIndexError

    service, home, classifier = advised
    with service.app.state.sessions() as session, pytest.raises(CaseIndexError, match="jiesu index build"):
        flows.update(session, embedder=ClassifierEmbedder(classifier), directory=index_dir(home),
                     now=datetime(2026, 1, 1, tzinfo=TZ))


def test_index_similar_and_recommend_commands(advised, demo_catalogue, database_url, monkeypatch):
    import json

    from typer.testing import CliRunner

    from serving.cli import app as cli

    service, home, _ = advised
    monkeypatch.setenv("JIESU_HOME", str(home))
    monkeypatch.setenv("JIESU_DATABASE_URL", database_url)
    runner = CliRunner()
    missing = runner.invoke(cli, ["similar", "小区垃圾没人清运"])
    assert missing.exit_code == 1 and "jiesu index build" in missing.output
    rows = history(demo_catalogue, 30, seed=5)
    with service.app.state.sessions() as session:
        load_history(session, rows=rows, catalogue=demo_catalogue)
        session.commit()
    built = runner.invoke(cli, ["index", "build"])
    assert built.exit_code == 0, built.output
    assert json.loads(runner.invoke(cli, ["index", "info"]).output)["cases"] == len(rows)
    similar = json.loads(runner.invoke(cli, ["similar", rows[0]["text"], "-k", "3"]).output)
    # the case itself is among them (the leaves the model believes in may lift others of their leaf above it)
    assert len(similar) == 3 and rows[0]["ticket_id"] in {hit["case"]["id"] for hit in similar}
    advice = json.loads(runner.invoke(cli, ["recommend", rows[0]["text"], "--address", ADDRESS]).output)
    assert advice["place"]["street"] == "HP01" and advice["units"]["units"][0]["role"] == "主办"
    bad = runner.invoke(cli, ["similar", "暖气", "--mode", "magic"])
    assert bad.exit_code == 2 and "choose one of dense, lexical, fusion" in bad.output


def test_intake_keeps_the_text_vector_and_topics_read_it_instead_of_embedding_again(advised, trained):
    from serving.analytics import insights
    from serving.suggestions.service import stored_vectors

    service, _, classifier = advised
    texts = [t.text for t in trained[1][:3]]
    numbers = [service.ok("agent", "POST", "", 201, json={"channel": "phone", "text": text})["id"] for text in texts]
    embedder = ClassifierEmbedder(classifier)
    now = service.clock()
    with service.app.state.sessions() as session:
        kept = stored_vectors(session, source=embedder.version, start=now - timedelta(days=1), end=now + timedelta(1))
        assert sorted(kept) == sorted(numbers)
        expected = classifier.embed(texts)
        for ticket_id, vector in zip(numbers, expected):
            assert abs(float(kept[ticket_id] @ vector) - 1) < 2e-3     # float16 keeps the direction
        assert stored_vectors(session, source="classifier:another", start=now - timedelta(days=1),
                              end=now + timedelta(days=1)) == {}
        report = insights.emerging_topics(session, now=now + timedelta(minutes=1), embedder=embedder)
    assert report.window_tickets == 3 and report.embedded == (3, 0)


def test_advice_shows_cases_lifted_by_the_likely_leaves_and_votes_units_on_the_text_alone(advised, trained,
                                                                                         demo_catalogue, monkeypatch):
    from model.dispatch import DispatchAdvisor
    from model.retrieval.cases import Case

    _, _, classifier = advised
    texts = trained[1]
    index = CaseIndex(f"classifier:{classifier.version}", classifier.embed(["x"]).shape[1])
    index.add([Case(f"c{i}", t.text, t.leaf, f"unit-{t.leaf}") for i, t in enumerate(texts)],
              classifier.embed([t.text for t in texts]))
    advisor = DispatchAdvisor(demo_catalogue, classifier, cases=lambda: index)
    voted = []
    recommend = advisor.recommender.recommend
    monkeypatch.setattr(advisor.recommender, "recommend",
                        lambda leaves, place, similar: voted.append([h.case.id for h in similar])
                        or recommend(leaves, place, similar))
    differing = 0
    for text in texts[::7][:12]:
        advice = advisor.advise(text.text, address=ADDRESS)
        leaves = {p.leaf: p.score for p in advice.prediction.paths}
        lifted = [h.case.id for h in index.search(text.text, advice.embedding, 10, "fusion", leaves)]
        text_only = [h.case.id for h in index.search(text.text, advice.embedding, 10, "fusion")]
        assert [h.case.id for h in advice.similar] == lifted and voted[-1] == text_only
        differing += lifted != text_only
    assert differing        # the two rankings differ on some texts, so the test tells them apart
