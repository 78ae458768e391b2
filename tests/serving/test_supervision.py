"""Warning lights, reminders, the supervision pool and repeat complaints — swept twice, acted on once."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from catalog.deadlines import TZ
from serving.supervision.levels import Level, WarningPolicy, warning_level
from tests.serving.test_ticket_workflow import HEAT, register


def at(hour, minute=0, day=29):
    return datetime(2025, 9, day, hour, minute, tzinfo=TZ)


def test_warning_levels_are_pure_functions_of_now():
    start, due = at(9), at(9, day=30)               # a 24-hour limit
    assert warning_level(at(20), start, due) is Level.GREEN
    assert warning_level(at(5, 48, day=30), start, due) is Level.YELLOW   # 80 % of the time has passed
    assert warning_level(at(9, day=30), start, due) is Level.YELLOW       # due, not yet overdue
    assert warning_level(at(9, 1, day=30), start, due) is Level.RED
    assert warning_level(at(12), start, due, WarningPolicy(yellow_at=0.1)) is Level.YELLOW
    with pytest.raises(ValueError, match="no time zone"):
        warning_level(datetime(2025, 9, 29, 12), start, due)
    with pytest.raises(ValueError, match="between 0 and 1"):
        WarningPolicy(yellow_at=1.5)


def sweep(svc, who="supervisor"):
    response = svc.client.post("/api/v1/supervision/sweep", headers={"Authorization": f"Bearer {svc.keys[who]}"})
    assert response.status_code == 200, response.text
    return response.json()


def events(svc):
    with svc.app.state.engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.text("SELECT kind FROM outbox ORDER BY id"))]


def test_yellow_reminds_once_and_red_enters_the_pool_once(svc):
    t = register(svc)
    t = svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})   # due in 24 hours
    assert t["warning"] == "green"
    svc.clock.advance(hours=20)
    assert sweep(svc)["reminded"] == [t["number"]]
    assert sweep(svc)["reminded"] == []                                        # a second sweep: nothing new
    assert svc.ok("heating_supply", "GET", f"/{t['id']}")["warning"] == "yellow"
    svc.clock.advance(hours=5)
    assert sweep(svc, "admin")["supervised"] == [t["number"]] and sweep(svc)["supervised"] == []
    after = svc.ok("supervisor", "GET", f"/{t['id']}")
    assert after["warning"] == "red" and after["supervised"]
    pool = svc.client.get("/api/v1/supervision/pool", headers={"Authorization": f"Bearer {svc.keys['supervisor']}"})
    assert [x["number"] for x in pool.json()] == [t["number"]]
    assert events(svc) == ["ticket.dispatched", "ticket.reminder", "ticket.overdue"]
    audit = [(e["actor"], e["action"]) for e in svc.ok("agent", "GET", f"/{t['id']}/audit")]
    assert ("supervision", "remind") in audit and ("supervision", "supervise") in audit


def test_units_and_agents_may_not_see_the_pool(svc):
    for who in ("agent", "heating_supply"):
        response = svc.client.get("/api/v1/supervision/pool", headers={"Authorization": f"Bearer {svc.keys[who]}"})
        assert response.status_code == 403 and "supervisor" in response.json()["detail"]


def test_third_complaint_about_the_same_problem_is_flagged(svc):
    numbers = []
    for day in range(3):
        t = register(svc, text=f"和平区太原街街道3号楼暖气又不热了，第{day + 1}次反映，室温只有13度。")
        svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
        numbers.append(t["number"])
        svc.clock.advance(hours=2)
    result = sweep(svc)
    assert result["repeats"] == [numbers[2]] and sweep(svc)["repeats"] == []
    assert svc.ok("supervisor", "GET", f"/{int(numbers[2][-6:])}")["repeat_count"] == 2
    assert "ticket.repeat" in events(svc)


def test_repeats_are_linked_with_reasons_and_other_problems_are_not(svc):
    first = register(svc, text="和平区太原街街道太原街社区12号楼暖气不热，室温只有13度。", address="太原街社区12号楼")
    svc.ok("agent", "POST", f"/{first['id']}/dispatch", json={"leaf": HEAT})
    svc.clock.advance(hours=3)
    neighbour = register(svc, text="我家暖气也不热，12号楼好几户都一样。", address="和平区太原街街道太原街社区12号楼2单元",
                         caller_phone="13900001111")
    svc.ok("agent", "POST", f"/{neighbour['id']}/dispatch", json={"leaf": HEAT})
    elsewhere = register(svc, text="皇姑区华山街道暖气不热，已经一个星期了。", address="华山社区5号楼",
                         caller_phone="13700002222", district=None, street=None)
    svc.ok("agent", "POST", f"/{elsewhere['id']}/dispatch", json={"leaf": HEAT})
    assert sweep(svc)["repeats"] == []                       # linked, but only the third complaint is flagged
    linked = svc.ok("supervisor", "GET", f"/{neighbour['id']}")
    assert linked["repeat_of"] == first["id"] and linked["repeat_count"] == 1
    assert svc.ok("supervisor", "GET", f"/{elsewhere['id']}")["repeat_of"] is None
    reasons = [e["reason"] for e in svc.ok("agent", "GET", f"/{neighbour['id']}/audit") if e["action"] == "link_repeat"]
    assert reasons == [f"与工单{first['number']}为同一问题（同一地点：太原街社区12号楼）"]


def test_the_same_words_about_the_street_they_name_are_linked_across_callers_and_buildings(svc):
    text = "和平区太原街街道南京北街上的供热管井一直往外冒热气，井盖周围都是水，路过的人都绕着走。"
    first = register(svc, text=text, address="太原街社区12号楼")
    svc.ok("agent", "POST", f"/{first['id']}/dispatch", json={"leaf": HEAT})
    svc.clock.advance(hours=5)
    second = register(svc, text=text, address="太原街社区30号楼", caller_phone="13900003333")
    svc.ok("agent", "POST", f"/{second['id']}/dispatch", json={"leaf": HEAT})
    sweep(svc)
    assert svc.ok("supervisor", "GET", f"/{second['id']}")["repeat_of"] == first["id"]
    reasons = [e["reason"] for e in svc.ok("agent", "GET", f"/{second['id']}/audit") if e["action"] == "link_repeat"]
    assert reasons == [f"与工单{first['number']}为同一问题（同一社区：太原街社区、同一所述地点、诉求内容几乎相同）"]
