"""The workbench API on SQLite and PostgreSQL: repeat check and dispatch preview for a draft, the maintainer's
corrections, the supervisor's lists, and who may ask for each."""
from sqlalchemy import update

from serving.tickets.models import Ticket
from serving.tickets.states import Role

ADDRESS = "和平区太原街街道太原街社区12号楼3单元"
PLACE = {"district": "HP", "street": "HP01"}


def workbench(svc, who, method, path, **kwargs):
    return svc.client.request(method, f"/api/v1/workbench{path}", headers={"Authorization": f"Bearer {svc.keys[who]}"},
                              **kwargs)


def ok(svc, who, method, path, **kwargs) -> dict:
    response = workbench(svc, who, method, path, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def register(svc, text="小区垃圾好几天没人清运了，臭气熏天", **extra) -> dict:
    body = {"channel": "phone", "text": text, **PLACE, **extra}
    return svc.ok("agent", "POST", "", 201, json=body)


def test_status_says_whether_advice_is_available_and_the_service_time(svc):
    status = ok(svc, "agent", "GET", "/status")
    assert status["model_available"] is False            # no trained model here: the agent searches by hand
    assert status["now"] == svc.clock().isoformat()
    assert workbench(svc, "street:HP01", "GET", "/status").status_code == 403


def test_repeats_find_the_same_caller_however_written_and_the_same_address(svc):
    first = register(svc, caller_phone="138-0000-1111", address=ADDRESS)
    register(svc, text="路灯坏了好几天了，晚上黑漆漆的", caller_phone="13900002222", address="沈河区别处1号")
    found = ok(svc, "agent", "POST", "/repeats", json={"caller_phone": "138 0000 1111", "address": ADDRESS})
    assert found["repeat"] and found["window_days"] == 90
    assert [t["number"] for t in found["by_caller"]] == [first["number"]]
    assert [t["number"] for t in found["by_address"]] == [first["number"]]
    assert found["by_caller"][0]["status_name"] == "已登记"
    nobody = ok(svc, "agent", "POST", "/repeats", json={"caller_phone": "13700003333", "address": "别的地址"})
    assert nobody == {"window_days": 90, "by_caller": [], "by_address": [], "repeat": False}


def test_repeats_look_back_ninety_days_only(svc):
    register(svc, caller_phone="13800001111")
    svc.clock.advance(days=91)
    assert ok(svc, "agent", "POST", "/repeats", json={"caller_phone": "13800001111"})["repeat"] is False


def test_repeats_refuse_a_bad_phone_and_other_roles(svc):
    bad = workbench(svc, "agent", "POST", "/repeats", json={"caller_phone": "call me"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "caller_phone"]
    refused = workbench(svc, "street:HP01", "POST", "/repeats", json={"address": ADDRESS})
    assert refused.status_code == 403 and "allowed roles: agent, supervisor, admin" in refused.json()["detail"]


def test_preview_gives_the_units_and_due_time_of_a_leaf_from_now(svc):
    found = ok(svc, "agent", "GET", "/preview", params={"leaf": "010101", **PLACE})
    assert found["lead"] == {"code": "street:HP01", "name": "太原街街道办事处"}
    assert [u["code"] for u in found["co"]] == ["urban_mgmt"]
    assert (found["dispatch_mode"], found["time_limit"], found["on_the_spot"]) == ("直派", "1个工作日", False)
    assert found["due_at"] == "2025-09-30T23:59:59+08:00"     # one working day after Monday 29 September
    svc.clock.advance(days=1)                                # Tuesday: the next working day is 9 October (National Day)
    assert ok(svc, "agent", "GET", "/preview", params={"leaf": "010101"})["due_at"] == "2025-10-09T23:59:59+08:00"


def test_preview_says_which_place_is_missing(svc):
    street_rule = ok(svc, "agent", "GET", "/preview", params={"leaf": "010101"})
    assert street_rule["lead"] is None and street_rule["missing_place"] == "street"
    assert street_rule["lead_rule"] == "属地街道办事处/乡镇"
    stepwise = ok(svc, "agent", "GET", "/preview", params={"leaf": "010102", "district": "HP"})
    assert stepwise["dispatch_mode"] == "逐级转派" and stepwise["lead"]["code"] == "district:HP"
    assert ok(svc, "agent", "GET", "/preview", params={"leaf": "010102"})["missing_place"] == "district"
    on_the_spot = ok(svc, "agent", "GET", "/preview", params={"leaf": "060404"})
    assert on_the_spot["on_the_spot"] and on_the_spot["due_at"] == svc.clock().isoformat()


def test_preview_refuses_unknown_codes_branches_and_other_roles(svc):
    unknown = workbench(svc, "agent", "GET", "/preview", params={"leaf": "999999"})
    assert unknown.status_code == 422 and "no catalogue node with code '999999'" in unknown.json()["detail"]
    branch = workbench(svc, "agent", "GET", "/preview", params={"leaf": "0101"})
    assert branch.status_code == 422 and "with sub-items" in branch.json()["detail"]
    assert workbench(svc, "agent", "GET", "/preview", params={"leaf": "010101", "street": "hp1"}).status_code == 422
    assert workbench(svc, "street:HP01", "GET", "/preview", params={"leaf": "010101"}).status_code == 403


def test_corrections_count_the_leaves_agents_chose_instead_of_the_top_suggestion(svc):
    svc.add("maintainer", Role.MAINTAINER)
    kept, changed, again = register(svc), register(svc), register(svc)
    top = kept["suggestion"]["candidates"][0]["leaf"]
    other = "010101" if top != "010101" else "010106"
    svc.ok("agent", "POST", f"/{kept['id']}/dispatch", json={"leaf": top})
    svc.ok("agent", "POST", f"/{changed['id']}/dispatch", json={"leaf": other})
    svc.ok("agent", "POST", f"/{again['id']}/dispatch", json={"leaf": other})
    found = ok(svc, "maintainer", "GET", "/corrections")
    assert (found["decided"], found["corrected"]) == (3, 2)
    assert found["by_leaf"] == [{"leaf": other, "path": svc.app.state.catalogue.path_name(other), "count": 2}]
    assert [(p["suggested"], p["chosen"], p["count"]) for p in found["pairs"]] == [(top, other, 2)]
    assert {c["number"] for c in found["recent"]} == {changed["number"], again["number"]}
    assert found["recent"][0]["decided_by"] == "agent"
    assert len(ok(svc, "admin", "GET", "/corrections", params={"recent": 1})["recent"]) == 1
    refused = workbench(svc, "agent", "GET", "/corrections")
    assert refused.status_code == 403 and "maintainer" in refused.json()["detail"]


def test_board_lists_overdue_pending_unsatisfied_and_repeated_tickets(svc):
    late, returned, unhappy, repeated = (register(svc) for _ in range(4))
    for ticket in (late, returned, unhappy, repeated):
        svc.ok("agent", "POST", f"/{ticket['id']}/dispatch", json={"leaf": "010101"})
    svc.ok("street:HP01", "POST", f"/{returned['id']}/return-request", json={"reason": "不属于本街道辖区"})
    svc.ok("street:HP01", "POST", f"/{unhappy['id']}/sign")
    svc.ok("street:HP01", "POST", f"/{unhappy['id']}/reply", json={"text": "已安排清运，现场已清理完毕。"})
    svc.ok("agent", "POST", f"/{unhappy['id']}/visit", json={"satisfaction": "不满意"})
    with svc.app.state.sessions() as session:
        session.execute(update(Ticket).where(Ticket.id == repeated["id"]).values(repeat_count=2))
        session.commit()
    assert ok(svc, "supervisor", "GET", "/board")["overdue"] == []
    svc.clock.advance(days=2)                                 # past the end of Tuesday 30 September
    board = ok(svc, "supervisor", "GET", "/board")
    assert board["now"] == svc.clock().isoformat()
    numbers = {name: [t["number"] for t in board[name]] for name in ("overdue", "pending", "unsatisfied", "repeats")}
    assert set(numbers["overdue"]) == {late["number"], returned["number"], repeated["number"]}
    assert all(t["warning"] == "red" for t in board["overdue"])
    assert numbers["pending"] == [returned["number"]] and numbers["unsatisfied"] == [unhappy["number"]]
    assert numbers["repeats"] == [repeated["number"]]
    assert "approve_return" in board["pending"][0]["allowed_actions"]
    assert workbench(svc, "agent", "GET", "/board").status_code == 403


def test_board_pool_follows_the_sweep(svc):
    ticket = register(svc)
    svc.ok("agent", "POST", f"/{ticket['id']}/dispatch", json={"leaf": "010101"})
    svc.clock.advance(days=2, hours=1)
    sweep = svc.client.post("/api/v1/supervision/sweep", headers={"Authorization": f"Bearer {svc.keys['supervisor']}"})
    assert sweep.status_code == 200, sweep.text
    pool = ok(svc, "supervisor", "GET", "/board")["pool"]
    assert [t["number"] for t in pool] == [ticket["number"]] and pool[0]["supervised"]
