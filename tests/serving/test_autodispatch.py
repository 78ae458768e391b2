"""Per-leaf auto-dispatch with the tiny trained model, on SQLite and PostgreSQL: a leaf whose threshold the model's
confidence meets is dispatched at intake by the system and marked; otherwise the ticket waits for the agent."""
import pytest

pytest.importorskip("onnxruntime")

from model.location import LocationResolver  # noqa: E402
from serving.autodispatch import service  # noqa: E402
from serving.suggestions.models import Suggestion  # noqa: E402
from serving.tickets.states import Role  # noqa: E402

LEAF = "010106"     # 生活垃圾乱堆乱倒: 属地 street, 直派, co-handler 市城市管理局
STREET_LEAVES = {"010101", "010105", "010106"}   # the tiny model's leaves whose lead is the street (属地)


def intake(service, text: str, **extra) -> dict:
    return service.ok("agent", "POST", "", 201, json={"channel": "phone", "text": text, **extra})


def confident(classifier, trained, city, with_street: bool) -> tuple[str, str, float, str | None]:
    """(text, leaf, probability, street): a training text of a street-led leaf that the tiny model ranks first
    with a clear margin, and whose text names a street (or names none, so 属地 cannot be resolved)."""
    resolver = LocationResolver(city)
    texts = [t for t in trained[1] if t.leaf in STREET_LEAVES]
    for text, prediction in zip(texts, classifier.predict([t.text for t in texts], k=2)):
        first, second = prediction.paths[:2]
        best = resolver.resolve(text.text, "").best
        street = best.street if best else None
        if first.leaf == text.leaf and first.score - second.score >= 0.05 and (street is not None) == with_street:
            return text.text, text.leaf, first.score, street
    pytest.fail("the tiny model ranks none of its street-led training texts first with a margin")


def rule(service, leaf: str, **body):
    return service.client.put(f"/api/v1/auto-dispatch/rules/{leaf}", json=body,
                              headers={"Authorization": f"Bearer {service.keys['maintainer']}"})


@pytest.fixture
def svc(advised):
    service = advised[0]
    service.add("maintainer", Role.MAINTAINER)
    return service


def test_a_confident_suggestion_for_a_ruled_leaf_is_dispatched_at_intake(svc, advised, trained, demo_catalogue):
    text, leaf, _, street = confident(advised[2], trained, demo_catalogue.city, with_street=True)
    manual = intake(svc, text)
    top = manual["suggestion"]["candidates"][0]
    assert manual["status"] == "registered" and top["leaf"] == leaf       # no rule yet: waits for the agent
    assert rule(svc, leaf, min_probability=round(top["probability"] - 0.01, 4)).status_code == 200
    t = intake(svc, text)
    assert t["status"] == "dispatched" and t["auto_dispatched"] and t["leaf"] == leaf
    assert t["street"] == street                                            # the place came from the advice
    assert [(a["unit"], a["role"]) for a in t["assignments"]][0] == (f"street:{street}", "lead")
    audit = svc.ok("agent", "GET", f"/{t['id']}/audit")
    assert (audit[-1]["actor"], audit[-1]["role"], audit[-1]["action"]) == ("auto-dispatch", "system", "dispatch")
    assert audit[-1]["reason"].startswith("自动派单：模型置信度")
    assert t["suggestion"]["accepted"] is True and t["suggestion"]["chosen_rank"] == 1


def test_a_top_candidate_below_its_leafs_threshold_does_not_qualify(svc):
    # the tiny model gives its texts a probability of 1, so the threshold is checked on a suggestion record
    suggestion = Suggestion(status="ok", candidates=[{"leaf": LEAF, "probability": 0.9}])
    assert rule(svc, LEAF, min_probability=0.95).status_code == 200
    with svc.app.state.sessions() as session:
        assert service.qualifies(session, suggestion=suggestion) is None
    assert rule(svc, LEAF, min_probability=0.9).status_code == 200
    with svc.app.state.sessions() as session:
        assert service.qualifies(session, suggestion=suggestion) == service.Qualified(LEAF, 0.9, 0.9)


def test_disabled_or_placeless_tickets_wait_for_the_agent(svc, advised, trained, demo_catalogue):
    text, leaf, _, _ = confident(advised[2], trained, demo_catalogue.city, with_street=True)
    assert rule(svc, leaf, min_probability=0.01, enabled=False).status_code == 200
    assert intake(svc, text)["status"] == "registered"
    text, leaf, _, _ = confident(advised[2], trained, demo_catalogue.city, with_street=False)
    assert rule(svc, leaf, min_probability=0.01).status_code == 200
    t = intake(svc, text)                                    # the text names no street: 属地 cannot be resolved
    assert t["status"] == "registered" and not t["auto_dispatched"] and t["assignments"] == []
    skipped = svc.ok("agent", "GET", f"/{t['id']}/audit")[-1]
    assert skipped["action"] == "auto_dispatch_skipped" and "请人工派单" in skipped["reason"]
    assert svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": leaf, "street": "HP02"})["status"] == \
        "dispatched"


def test_rules_are_for_maintainers_and_name_a_leaf(svc):
    refused = svc.client.put(f"/api/v1/auto-dispatch/rules/{LEAF}", json={"min_probability": 0.9},
                             headers={"Authorization": f"Bearer {svc.keys['agent']}"})
    assert refused.status_code == 403
    not_leaf = rule(svc, "0101", min_probability=0.9)
    assert not_leaf.status_code == 422 and "not a leaf" in not_leaf.json()["detail"]
    assert rule(svc, LEAF, min_probability=0).status_code == 422 and rule(svc, LEAF, min_probability=1.2).status_code == 422
    assert rule(svc, LEAF, min_probability=0.95, note="试点").json()["path"].endswith("生活垃圾乱堆乱倒")
    listed = svc.client.get("/api/v1/auto-dispatch/rules", headers={"Authorization": f"Bearer {svc.keys['maintainer']}"})
    assert [(r["leaf"], r["min_probability"], r["updated_by"]) for r in listed.json()] == [(LEAF, 0.95, "maintainer")]
    delete = svc.client.delete(f"/api/v1/auto-dispatch/rules/{LEAF}",
                               headers={"Authorization": f"Bearer {svc.keys['maintainer']}"})
    assert delete.status_code == 204


def test_proposals_come_from_the_agents_decisions(svc, advised, trained, demo_catalogue):
    text, leaf, _, street = confident(advised[2], trained, demo_catalogue.city, with_street=True)
    for _ in range(2):
        t = intake(svc, text)
        svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": leaf, "street": street})
    proposals = svc.client.get("/api/v1/auto-dispatch/proposals", params={"precision": 0.9, "min_support": 2},
                               headers={"Authorization": f"Bearer {svc.keys['maintainer']}"}).json()
    assert [(p["leaf"], p["decided"], p["covered"], p["precision"]) for p in proposals] == [(leaf, 2, 2, 1.0)]


def test_lowest_threshold_meets_precision_with_support_and_never_splits_ties():
    rows = [(0.99, True), (0.97, True), (0.95, True), (0.93, False), (0.90, True), (0.90, True), (0.80, False)]
    found = service.lowest_threshold("010101", rows, precision=0.8, min_support=3)
    assert (found.min_probability, found.covered, found.precision) == (0.9, 6, 0.8333)   # 5 of 6 agreed at ≥ 0.90
    assert service.lowest_threshold("010101", rows, precision=1.0, min_support=3).min_probability == 0.95
    assert service.lowest_threshold("010101", rows, precision=1.0, min_support=4) is None
    assert round(service.wilson_lower(20, 20), 3) == 0.839 and service.wilson_lower(0, 0) == 0.0
