"""Tickets walked through the workflow over HTTP, on SQLite and PostgreSQL."""
from datetime import datetime

import sqlalchemy as sa

HEAT = "09010101"        # 单户暖气不热: 市热力集团, 24小时, 直派
TRANSFER = "010103"      # 垃圾转运站异味扰民: 双派, lead 市城市管理局, co 属地区政府 + 市生态环境局, 7个工作日
STEPWISE = "010102"      # 垃圾容器破损缺失: 逐级转派 via the district, 5个工作日

INTAKE = {"channel": "phone", "text": "市民来电反映：和平区太原街街道某小区3号楼暖气不热，室温只有14度。诉求：尽快维修。",
          "district": "HP", "street": "HP01", "caller_phone": "13812345678"}


def register(svc, **changes) -> dict:
    return svc.ok("agent", "POST", "", 201, json={**INTAKE, **changes})


def actions(svc, ticket_id) -> list[tuple[str, str, str]]:
    return [(e["actor"], e["action"], e["to_status"]) for e in svc.ok("agent", "GET", f"/{ticket_id}/audit")]


def outbox_kinds(svc) -> list[str]:
    with svc.app.state.engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.text("SELECT kind FROM outbox ORDER BY id"))]


def test_direct_dispatch_to_closure_and_archive(svc):
    photo = {"name": "室温计.jpg", "content_type": "image/jpeg", "size": 182_344, "url": "https://12345.example/f/81"}
    t = register(svc, attachments=[photo])
    assert t["attachments"] == [{**photo, "sha256": None}]
    assert t["status"] == "registered" and t["number"].startswith("20250929")
    assert t["caller_phone_masked"] == "138****5678" and "dispatch" in t["allowed_actions"]
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    assert t["status"] == "dispatched" and t["dispatch_mode"] == "直派" and t["time_limit"] == "24小时"
    assert [(a["unit"], a["role"]) for a in t["assignments"]][0] == ("heating_supply", "lead")
    assert datetime.fromisoformat(t["due_at"]) == datetime.fromisoformat("2025-09-30T09:00:00+08:00")
    svc.clock.advance(hours=1)
    assert svc.ok("heating_supply", "POST", f"/{t['id']}/sign")["status"] == "signed"
    svc.clock.advance(hours=5)
    t = svc.ok("heating_supply", "POST", f"/{t['id']}/reply", json={"text": "已入户检修，清洗过滤器后室温回升到20度。"})
    assert t["status"] == "replied"
    assert svc.ok("agent", "POST", f"/{t['id']}/visit", json={"satisfaction": "满意"})["status"] == "visited"
    assert svc.ok("agent", "POST", f"/{t['id']}/close")["status"] == "closed"
    assert svc.ok("admin", "POST", f"/{t['id']}/archive")["status"] == "archived"
    assert actions(svc, t["id"]) == [
        ("agent", "register", "registered"), ("agent", "dispatch", "dispatched"), ("heating_supply", "sign", "signed"),
        ("heating_supply", "reply", "replied"), ("agent", "visit", "visited"), ("agent", "close", "closed"),
        ("admin", "archive", "archived")]
    assert outbox_kinds(svc) == ["ticket.dispatched", "ticket.closed"]


def test_parallel_dispatch_lead_and_co_handlers(svc):
    t = register(svc, text="市民反映：和平区太原街附近垃圾转运站臭味很大，夏天开不了窗，已经持续两个月。")
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": TRANSFER})
    assert t["dispatch_mode"] == "双派"
    assert [(a["unit"], a["role"]) for a in t["assignments"]] == [
        ("urban_mgmt", "lead"), ("district:HP", "co"), ("ecology", "co")]
    assert svc.ok("ecology", "POST", f"/{t['id']}/co-reply", json={"text": "已对转运站开展臭气监测，结果已移交城管。"})[
        "status"] == "dispatched"
    bad = svc.call("ecology", "POST", f"/{t['id']}/sign")
    assert bad.status_code == 403 and "not the lead" in bad.json()["detail"]
    svc.ok("urban_mgmt", "POST", f"/{t['id']}/sign")
    t = svc.ok("urban_mgmt", "POST", f"/{t['id']}/reply", json={"text": "已督促转运站加装除臭设备并每日冲洗。"})
    assert t["status"] == "replied" and t["assignments"][2]["reply_text"].startswith("已对转运站")


def test_stepwise_dispatch_goes_through_the_district_to_a_street(svc):
    t = register(svc, text="和平区太原街街道中华路社区门口垃圾桶坏了好几个，盖子都没了，垃圾往外冒。")
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": STEPWISE})
    assert t["dispatch_mode"] == "逐级转派" and t["assignments"][0]["unit"] == "district:HP"
    wrong = svc.call("district:HP", "POST", f"/{t['id']}/forward", json={"unit": "street:SH01"})
    assert wrong.status_code == 422 and "not a street of district:HP" in wrong.json()["detail"]
    t = svc.ok("district:HP", "POST", f"/{t['id']}/forward", json={"unit": "street:HP01"})
    assert [(a["unit"], a["active"]) for a in t["assignments"] if a["role"] == "lead"] == [
        ("district:HP", False), ("street:HP01", True)]
    svc.ok("street:HP01", "POST", f"/{t['id']}/sign")
    assert svc.ok("street:HP01", "POST", f"/{t['id']}/reply", json={"text": "已更换垃圾桶6个并安排每日清运。"})[
        "status"] == "replied"


def test_return_request_keeps_the_unit_handling_until_approved(svc):
    t = register(svc)
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT, "lead_unit": "gas_supply"})
    t = svc.ok("gas_supply", "POST", f"/{t['id']}/return-request", json={"reason": "暖气不归燃气公司管，请改派热力集团"})
    assert t["status"] == "dispatched" and t["return_pending"]
    assert svc.ok("gas_supply", "POST", f"/{t['id']}/sign")["status"] == "signed"   # 先办后议: it keeps handling
    refused = svc.call("gas_supply", "POST", f"/{t['id']}/return-decision", json={"approve": True, "reason": "同意"})
    assert refused.status_code == 403 and "supervisor" in refused.json()["detail"]
    t = svc.ok("supervisor", "POST", f"/{t['id']}/return-decision", json={"approve": True, "reason": "确属热力职责"})
    assert t["status"] == "registered" and not any(a["active"] for a in t["assignments"])
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    assert [a["unit"] for a in t["assignments"] if a["active"]] == ["heating_supply"]
    assert svc.call("gas_supply", "GET", f"/{t['id']}").status_code == 200   # it still sees what it once held


def test_extension_moves_the_due_date_across_the_holiday(svc):
    t = register(svc, text="市民反映：和平区太原街转运站异味问题上次处理后又出现，希望彻底解决。")
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": TRANSFER})
    # 7 working days after Mon 29 Sep: 30 Sep; 1–8 Oct off; 9, 10, 11 (a make-up Saturday), 13, 14, 15 Oct
    assert t["due_at"].startswith("2025-10-15T23:59:59")
    svc.ok("urban_mgmt", "POST", f"/{t['id']}/sign")
    t = svc.ok("urban_mgmt", "POST", f"/{t['id']}/extension-request", json={"days": 5, "reason": "需等待第三方检测"})
    assert t["extension_pending_days"] == 5
    t = svc.ok("supervisor", "POST", f"/{t['id']}/extension-decision", json={"approve": True, "reason": "同意延期"})
    assert t["due_at"].startswith("2025-10-22T23:59:59") and t["extended_days"] == 5
    again = svc.call("supervisor", "POST", f"/{t['id']}/extension-decision", json={"approve": True, "reason": "再批"})
    assert again.status_code == 422 and "no pending" in again.json()["detail"]


def test_unsatisfied_caller_reopens_for_rehandling(svc):
    t = register(svc)
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    svc.ok("heating_supply", "POST", f"/{t['id']}/sign")
    svc.ok("heating_supply", "POST", f"/{t['id']}/reply", json={"text": "已电话联系用户，建议自行排气。"})
    svc.ok("agent", "POST", f"/{t['id']}/visit", json={"satisfaction": "不满意", "note": "根本没人上门"})
    refused = svc.call("agent", "POST", f"/{t['id']}/close")
    assert refused.status_code == 422 and "重办" in refused.json()["detail"]
    svc.clock.advance(days=1)
    t = svc.ok("agent", "POST", f"/{t['id']}/reopen", json={"reason": "来电人不满意：未上门处理"})
    assert t["status"] == "dispatched" and t["reopen_count"] == 1 and t["satisfaction"] is None
    assert datetime.fromisoformat(t["due_at"]) == datetime.fromisoformat("2025-10-01T09:00:00+08:00")
    assert svc.ok("heating_supply", "POST", f"/{t['id']}/sign")["status"] == "signed"
    assert "ticket.reopened" in outbox_kinds(svc)


def test_answer_on_the_spot_and_merge(svc):
    t = register(svc, channel="phone", text="请问居住证办理需要带什么材料？在哪里办？")
    t = svc.ok("agent", "POST", f"/{t['id']}/answer", json={"text": "已告知携带身份证和居住证明到社区服务站办理。"})
    assert t["status"] == "closed" and t["closed_at"]
    first, second = register(svc), register(svc, text="和平区太原街街道3号楼暖气不热，楼上楼下都一样，14度。")
    merged = svc.ok("agent", "POST", f"/{second['id']}/merge", json={"into": first["id"], "reason": "同一问题重复来电"})
    assert merged["status"] == "merged"
