"""会商 (disputed responsibility decided by a supervisor) and 回头看 (closed tickets re-checked), over HTTP on SQLite
and PostgreSQL; and the return visit's 是否解决."""
from serving.supervision.lookback import chosen_by_hash
from tests.serving.test_supervision import sweep
from tests.serving.test_ticket_workflow import HEAT, actions, outbox_kinds, register


def dispatched(svc) -> dict:
    t = register(svc)
    return svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})


def closed(svc, satisfied_after_reopen: bool = False) -> dict:
    t = dispatched(svc)
    path = f"/{t['id']}"
    svc.ok("heating_supply", "POST", f"{path}/sign")
    svc.ok("heating_supply", "POST", f"{path}/reply", json={"text": "已上门检修，室温恢复到20度。"})
    if satisfied_after_reopen:
        svc.ok("agent", "POST", f"{path}/visit", json={"satisfaction": "不满意"})
        svc.ok("agent", "POST", f"{path}/reopen", json={"reason": "来电人不满意"})
        svc.ok("heating_supply", "POST", f"{path}/sign")
        svc.ok("heating_supply", "POST", f"{path}/reply", json={"text": "再次上门更换阀门，室温21度。"})
    svc.ok("agent", "POST", f"{path}/visit", json={"satisfaction": "满意"})
    return svc.ok("agent", "POST", f"{path}/close", json={})          # an empty body: no reason needed


def test_consultation_keeps_the_unit_handling_until_a_supervisor_names_new_units(svc):
    t = dispatched(svc)
    path = f"/{t['id']}"
    svc.ok("heating_supply", "POST", f"{path}/sign")
    assert svc.call("urban_mgmt", "POST", f"{path}/consultation-request", json={"reason": "不归我们"}).status_code == 404
    t = svc.ok("heating_supply", "POST", f"{path}/consultation-request", json={"reason": "户内燃气壁挂炉供暖，应由燃气公司处理"})
    assert t["consultation_pending"] and t["status"] == "signed"              # 首接负责制: still handling
    again = svc.call("agent", "POST", f"{path}/consultation-request", json={"reason": "再次申请"})
    assert again.status_code == 422 and "already waits" in again.json()["detail"]
    refused = svc.call("agent", "POST", f"{path}/consultation-decision",
                       json={"lead_unit": "gas_supply", "reason": "会商决定"})
    assert refused.status_code == 403
    unknown = svc.call("supervisor", "POST", f"{path}/consultation-decision",
                       json={"lead_unit": "no_such_unit", "reason": "会商决定"})
    assert unknown.status_code == 422 and svc.ok("agent", "GET", path)["consultation_pending"]
    t = svc.ok("supervisor", "POST", f"{path}/consultation-decision",
               json={"lead_unit": "gas_supply", "co_units": ["heating_supply"], "reason": "会商：燃气公司主办，热力配合"})
    assert t["status"] == "dispatched" and not t["consultation_pending"] and t["dispatch_mode"] == "双派"
    assert [(a["unit"], a["role"]) for a in t["assignments"] if a["active"]] == [("gas_supply", "lead"),
                                                                                ("heating_supply", "co")]
    assert t["due_at"].startswith("2025-09-30T09:00")                 # the citizen's due time is kept
    assert svc.call("heating_supply", "POST", f"{path}/sign").status_code == 403      # now a co-handler
    assert svc.ok("gas_supply", "POST", f"{path}/sign")["status"] == "signed"
    steps = actions(svc, t["id"])
    assert ("heating_supply", "request_consultation", "signed") in steps
    assert ("supervisor", "resolve_consultation", "dispatched") in steps
    assert "ticket.consultation" in outbox_kinds(svc)
    late = svc.call("supervisor", "POST", f"{path}/consultation-decision", json={"lead_unit": "gas_supply",
                                                                               "reason": "重复决定"})
    assert late.status_code == 422 and "no pending" in late.json()["detail"]


def test_sweep_samples_closed_tickets_for_lookback_once_reopened_ones_always(svc):
    ordinary = [closed(svc) for _ in range(6)]
    reopened = closed(svc, satisfied_after_reopen=True)
    assert sweep(svc)["lookback"] == []                        # closed today: too early to look back
    svc.clock.advance(days=4)
    expected = {reopened["number"]} | {t["number"] for t in ordinary if chosen_by_hash(t["number"], 0.05)}
    assert set(sweep(svc)["lookback"]) == expected and sweep(svc)["lookback"] == []
    listed = svc.client.get("/api/v1/supervision/lookback", headers={"Authorization": f"Bearer {svc.keys['supervisor']}"})
    assert {t["number"] for t in listed.json()} == expected
    assert ("supervision", "sample_lookback", "closed") in actions(svc, reopened["id"])
    assert "ticket.lookback" in outbox_kinds(svc)
    svc.clock.advance(days=20)
    assert sweep(svc)["lookback"] == []                        # out of the window: never sampled late


def test_failed_lookback_reopens_and_passed_one_stays_closed(svc):
    first, second = closed(svc), closed(svc)
    assert svc.call("agent", "POST", f"/{first['id']}/lookback", json={"passed": True, "note": "核实"}).status_code == 403
    t = svc.ok("supervisor", "POST", f"/{first['id']}/lookback", json={"passed": False, "note": "回访发现暖气仍不热"})
    assert t["status"] == "dispatched" and t["reopen_count"] == 1 and t["lookback_result"] == "failed"
    assert t["lookback_at"] and svc.ok("heating_supply", "POST", f"/{t['id']}/sign")["status"] == "signed"
    reopen = [e for e in svc.ok("agent", "GET", f"/{t['id']}/audit") if e["action"] == "reopen"][-1]
    assert reopen["reason"] == "回头看未通过：回访发现暖气仍不热"
    t = svc.ok("supervisor", "POST", f"/{second['id']}/lookback", json={"passed": True, "note": "电话核实已解决"})
    assert t["status"] == "closed" and t["lookback_result"] == "passed"
    wrong_state = svc.call("supervisor", "POST", f"/{first['id']}/lookback", json={"passed": True, "note": "再看"})
    assert wrong_state.status_code == 409


def test_hash_sampling_takes_about_the_configured_share():
    share = sum(chosen_by_hash(f"2025100{i:05d}", 0.05) for i in range(20_000)) / 20_000
    assert 0.045 < share < 0.055
    assert chosen_by_hash("20251001000123", 0.05) == chosen_by_hash("20251001000123", 0.05)


def test_return_visit_records_whether_the_problem_was_solved(svc):
    t = dispatched(svc)
    svc.ok("heating_supply", "POST", f"/{t['id']}/sign")
    svc.ok("heating_supply", "POST", f"/{t['id']}/reply", json={"text": "已联系维修，预约明天上门。"})
    t = svc.ok("agent", "POST", f"/{t['id']}/visit", json={"satisfaction": "基本满意", "resolved": False})
    assert t["resolved"] is False and t["satisfaction"] == "基本满意"
    assert closed(svc)["resolved"] is True                      # not said: solved unless 不满意
