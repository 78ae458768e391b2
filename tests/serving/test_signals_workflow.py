"""Urgency, risk flags and splits in the workflow, over HTTP on SQLite and PostgreSQL: stored at intake with their
evidence, 立即办 shortening the deadline and reaching the supervisors' board, flags announced to their watchers, and a
split into linked tickets that closes the parent when the last child closes."""
import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from serving.tickets.states import Role
from tests.serving.test_ticket_workflow import actions, outbox_kinds, register

SPARKS = "市民来电反映：和平区太原街街道某小区路边电线杆上的电线断了掉下来，搭在自行车棚上还冒火花，旁边就是小孩玩的地方。"
WIRING = "070401"        # 线路老化隐患: 3个工作日, 紧急; 大类 07's 立即办 leaf (电线断落垂地) has 2小时
GAS_ALONE = "来电人称和平区太原街街道某小区2单元楼道里煤气味很浓，对门住着一位八十多岁的独居老人，敲门没人应。诉求：燃气抢险马上来人。"
WAGES = "来电人称在和平区某工地干活，三十多个工人被拖欠三个月工资，包工头不接电话，再不给钱大家就一起去上访，找记者曝光。"
TWO = "市民来电反映：和平区太原街街道某小区门口的路灯坏了半个月，晚上黑漆漆的；另外楼下垃圾三天没人拉，臭味很大。"
LAMP, GARBAGE = "040501", "010101"   # 路灯不亮: 市路灯管理处; 生活垃圾清运不及时: 属地街道
ITEMS = [{"span": "门口的路灯坏了半个月，晚上黑漆漆的", "leaf": LAMP}, {"span": "楼下垃圾三天没人拉，臭味很大", "leaf": GARBAGE}]


def events(svc, kind: str) -> list[dict]:
    with svc.app.state.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT payload FROM outbox WHERE kind = :kind ORDER BY id"), {"kind": kind})
        return [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]


def due(ticket: dict) -> datetime:
    return datetime.fromisoformat(ticket["due_at"])


def test_intake_stores_urgency_and_flags_with_their_evidence_and_says_the_rules_answered(svc):
    t = register(svc, text=GAS_ALONE)
    signals = t["suggestion"]["signals"]
    assert signals["source"] == "rules:keyword-1" and "jiesu signals train" in signals["fallback"]
    assert signals["urgency"] == {"level": "立即办", "score": None, "evidence": ["煤气味很浓"]}
    flags = {f["name"]: f["evidence"] for f in signals["flags"]}
    assert flags["弱势群体"] == ["独居", "八十多岁"] and "安全隐患" in flags and t["urgency"] == "立即办"
    quiet = register(svc)                                       # a plain heating complaint: nothing raised
    assert quiet["suggestion"]["signals"]["flags"] == [] and quiet["suggestion"]["signals"]["split"] is None


def test_immediate_shortens_the_deadline_and_reaches_the_board_at_once(svc, monkeypatch):
    monkeypatch.setenv("JIESU_WATCHERS", "立即办=supervisor;安全隐患=supervisor,safety-office")
    t = register(svc, text=SPARKS)
    assert t["urgency"] == "立即办" and t["status"] == "registered"
    board = svc.client.get("/api/v1/workbench/board", headers={"Authorization": f"Bearer {svc.keys['supervisor']}"})
    assert [b["number"] for b in board.json()["urgent"]] == [t["number"]]
    alert = events(svc, "ticket.urgent")
    assert [(a["number"], a["watchers"]) for a in alert] == [(t["number"], ["supervisor"])]
    assert "冒火花" in alert[0]["evidence"]
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": WIRING})
    assert (t["time_limit"], t["urgency"]) == ("2小时", "立即办")       # not the leaf's 3个工作日
    assert due(t) == svc.clock.now + timedelta(hours=2)
    dispatched = [e for e in svc.ok("agent", "GET", f"/{t['id']}/audit") if e["action"] == "dispatch"][0]
    assert dispatched["details"]["catalogue_time_limit"] == "3个工作日"


def test_the_agent_may_overrule_the_texts_urgency(svc):
    t = register(svc, text=SPARKS)
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": WIRING, "urgency": "紧急"})
    assert (t["time_limit"], t["urgency"]) == ("3个工作日", "紧急")


def test_flagged_tickets_are_announced_to_their_watchers(svc, monkeypatch):
    monkeypatch.setenv("JIESU_WATCHERS", "涉诉涉访=zfw-committee,supervisor；群体性=zfw-committee")
    t = register(svc, text=WAGES)
    flagged = {e["flag"]: e for e in events(svc, "ticket.flagged")}
    assert flagged["涉诉涉访"]["watchers"] == ["zfw-committee", "supervisor"] and flagged["涉诉涉访"]["number"] == t["number"]
    assert {"上访", "记者"} <= set(flagged["涉诉涉访"]["evidence"]) and flagged["群体性"]["watchers"] == ["zfw-committee"]
    entry = [e for e in svc.ok("agent", "GET", f"/{t['id']}/audit") if e["action"] == "signals"][0]
    assert entry["reason"] == "群体性、涉诉涉访" and entry["details"]["watchers"]["群体性"] == ["zfw-committee"]


def test_a_malformed_watchers_setting_does_not_block_intake(svc, monkeypatch):
    monkeypatch.setenv("JIESU_WATCHERS", "危险=somebody")
    register(svc, text=WAGES)
    assert {e["flag"] for e in events(svc, "ticket.flagged")} == {"群体性", "涉诉涉访"}
    assert all(e["watchers"] == [] for e in events(svc, "ticket.flagged"))


def walk_to_closed(svc, ticket: dict, unit: str) -> dict:
    svc.ok(unit, "POST", f"/{ticket['id']}/sign")
    svc.ok(unit, "POST", f"/{ticket['id']}/reply", json={"text": "已到现场处理完毕，已回复来电人。"})
    svc.ok("agent", "POST", f"/{ticket['id']}/visit", json={"satisfaction": "满意"})
    return svc.ok("agent", "POST", f"/{ticket['id']}/close")


def test_an_accepted_split_makes_linked_tickets_and_the_parent_closes_with_the_last(svc):
    svc.add("street_lighting", Role.UNIT, "street_lighting")
    t = register(svc, text=TWO)
    proposal = t["suggestion"]["signals"]["split"]
    assert [i["span"] for i in proposal["items"]] == [TWO[7:TWO.index("；")], "另外楼下垃圾三天没人拉，臭味很大"]
    assert all(i["path"] and i["rule_name"] for i in proposal["items"])
    parent = svc.ok("agent", "POST", f"/{t['id']}/split", json={"items": ITEMS, "reason": "一通电话两件事"})
    assert parent["status"] == "split" and parent["status_name"] == "已拆分" and len(parent["children"]) == 2
    lamp, garbage = (svc.ok("agent", "GET", f"/{c['id']}") for c in parent["children"])
    assert (lamp["parent_id"], lamp["text"], lamp["leaf"], lamp["status"]) == (t["id"], ITEMS[0]["span"], LAMP,
                                                                               "dispatched")
    assert [(a["unit"], a["role"]) for a in garbage["assignments"]][0] == ("street:HP01", "lead")
    assert garbage["caller_phone_masked"] == t["caller_phone_masked"]
    assert actions(svc, t["id"]) == [("agent", "register", "registered"), ("agent", "split", "split")]
    assert actions(svc, lamp["id"])[:2] == [("agent", "register", "registered"), ("agent", "dispatch", "dispatched")]
    walk_to_closed(svc, lamp, "street_lighting")
    assert svc.ok("agent", "GET", f"/{t['id']}")["status"] == "split"    # one child still open
    walk_to_closed(svc, garbage, "street:HP01")
    closed = svc.ok("agent", "GET", f"/{t['id']}")
    assert closed["status"] == "closed" and closed["closed_at"]
    assert actions(svc, t["id"])[-1] == ("jiesu-split", "close", "closed")
    assert outbox_kinds(svc).count("ticket.split") == 1 and outbox_kinds(svc)[-1] == "ticket.closed"
    day = svc.clock().date()
    indicators = svc.client.get("/api/v1/analytics/indicators", headers={"Authorization": f"Bearer {svc.keys['supervisor']}"},
                                params={"start": str(day), "end": str(day + timedelta(days=1))})
    [city] = indicators.json()["rows"]
    volume, closure = city["indicators"]["volume"], city["indicators"]["closure_rate"]
    assert volume["value"] == 2 and (closure["numerator"], closure["denominator"]) == (2, 2)   # the items, not the call


def test_a_reopened_child_reopens_its_split_parent(svc):
    svc.add("street_lighting", Role.UNIT, "street_lighting")
    t = register(svc, text=TWO)
    lamp, garbage = svc.ok("agent", "POST", f"/{t['id']}/split", json={"items": ITEMS})["children"]
    walk_to_closed(svc, svc.ok("agent", "GET", f"/{lamp['id']}"), "street_lighting")
    walk_to_closed(svc, svc.ok("agent", "GET", f"/{garbage['id']}"), "street:HP01")
    assert svc.ok("agent", "GET", f"/{t['id']}")["status"] == "closed"
    svc.ok("supervisor", "POST", f"/{garbage['id']}/reopen", json={"reason": "回访发现垃圾仍未清运"})
    assert svc.ok("agent", "GET", f"/{t['id']}")["status"] == "split"
    assert actions(svc, t["id"])[-1] == ("jiesu-split", "reopen_split", "split")
    refused = svc.call("supervisor", "POST", f"/{t['id']}/close")
    assert refused.status_code == 403


def test_the_stored_proposal_is_accepted_as_it_is(svc):
    t = register(svc, text=TWO)
    parent = svc.ok("agent", "POST", f"/{t['id']}/split")
    proposed = [i["leaf"] for i in t["suggestion"]["signals"]["split"]["items"]]
    assert [c["leaf"] for c in parent["children"]] == proposed and len(proposed) == 2


def test_splits_that_cannot_be_are_refused_and_change_nothing(svc):
    t = register(svc)
    assert svc.call("agent", "POST", f"/{t['id']}/split").status_code == 422            # no proposal stored
    one_leaf = [{**ITEMS[0]}, {**ITEMS[1], "leaf": LAMP}]
    assert svc.call("agent", "POST", f"/{t['id']}/split", json={"items": one_leaf}).status_code == 422
    assert svc.call("admin", "POST", f"/{t['id']}/split", json={"items": ITEMS}).status_code == 403
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": "09010101"})
    assert svc.call("agent", "POST", f"/{t['id']}/split", json={"items": ITEMS}).status_code == 409
    assert [a[1] for a in actions(svc, t["id"])] == ["register", "dispatch"]


def test_a_split_ticket_is_reopened_through_its_children(svc):
    svc.add("street_lighting", Role.UNIT, "street_lighting")
    t = register(svc, text=TWO)
    for child in svc.ok("agent", "POST", f"/{t['id']}/split", json={"items": ITEMS})["children"]:
        walk_to_closed(svc, svc.ok("agent", "GET", f"/{child['id']}"), "street_lighting" if child["leaf"] == LAMP
                       else "street:HP01")
    refused = svc.call("supervisor", "POST", f"/{t['id']}/reopen", json={"reason": "重办"})
    assert refused.status_code == 422 and "reopen the child" in refused.text


def test_the_workbench_asks_for_a_drafts_signals(svc):
    headers = {"Authorization": f"Bearer {svc.keys['agent']}"}
    found = svc.client.post("/api/v1/workbench/signals", json={"text": TWO, "district": "HP", "street": "HP01"},
                            headers=headers).json()
    assert found["urgency"]["level"] == "一般" and len(found["split"]["items"]) == 2
    assert found["split"]["items"][0]["unit_name"] and found["source"] == "rules:keyword-1"
    status = svc.client.get("/api/v1/workbench/status", headers=headers).json()
    assert status["signals"] == "rules:keyword-1" and status["signals_fallback"]
    assert svc.client.post("/api/v1/workbench/signals", json={"text": TWO},
                           headers={"Authorization": f"Bearer {svc.keys['heating_supply']}"}).status_code == 403


def test_the_emergency_limit_comes_from_the_catalogue(demo_catalogue, clock):
    from catalog.rules import Urgency
    from serving.signals.deadlines import emergency_limit, handling_limit

    leaf = demo_catalogue.get
    assert str(emergency_limit(demo_catalogue, leaf(WIRING))) == "2小时"          # 大类 07's own 立即办 limit
    assert str(emergency_limit(demo_catalogue, leaf("22010101"))) == "24小时"     # none in 大类 22: the longest allowed
    assert str(handling_limit(demo_catalogue, leaf("07010101"), Urgency.IMMEDIATE, clock())) == "2小时"
    assert str(handling_limit(demo_catalogue, leaf("08010101"), Urgency.IMMEDIATE, clock())) == "1小时"   # own: shorter
    assert str(handling_limit(demo_catalogue, leaf(WIRING), Urgency.URGENT, clock())) == "3个工作日"


def test_the_watchers_setting_is_checked():
    from serving.signals.watchers import parse_watchers

    assert parse_watchers("立即办=a；涉诉涉访=b, c,b") == {"立即办": ("a",), "涉诉涉访": ("b", "c")}
    assert parse_watchers("") == {}
    for bad in ("危险=a", "涉诉涉访=", "涉诉涉访"):
        with pytest.raises(ValueError, match="JIESU_WATCHERS"):
            parse_watchers(bad)


def test_with_a_learned_model_intake_stores_its_calibrated_scores(svc, tmp_path_factory, demo_catalogue):
    pytest.importorskip("torch")
    from model.signals.detect import LearnedDetector
    from model.signals.learned import LABELS, SignalModel
    from tests.signal_factories import tiny_signals

    _, directory, texts = tiny_signals(tmp_path_factory.getbasetemp(), demo_catalogue)
    model = SignalModel(directory)
    svc.app.state.signals = LearnedDetector(model)
    text = next(t for t in texts if t.urgency == "立即办" and not t.title)
    stored = register(svc, text=text.body)["suggestion"]["signals"]
    expected = model.probabilities([text.body])[0]
    assert stored["source"] == f"learned:{directory.name}" and stored["fallback"] == ""
    assert stored["scores"] == pytest.approx(dict(zip(LABELS, expected.tolist())), abs=1e-4)
    raised = {f["name"] for f in stored["flags"]}
    assert raised == {label for label, p in zip(LABELS[2:], expected[2:]) if p >= model.heads.threshold(label)}
    assert all(f["score"] is not None for f in stored["flags"])
