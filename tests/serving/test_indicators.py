"""The indicators on a small history whose every figure is worked out by hand below (SQLite and PostgreSQL).

Tickets T1–T12 (T7, T9 and T11 created in September 2026, T12 in October 2025), written straight into the
tables; every date is 2026 unless it says otherwise:

  T1  HP/HP01 heat, phone   created 10-01, dispatched 10-02 09:00 → heating_supply signed 10:00; replied 10-03 09:00
                            exactly at due; visited 10-04 满意, solved; archived; suggestion accepted (agent)
  T2  HP/HP02 heat, web     created 10-04, repeat of T1; dispatched 10-05 09:00 → heating_supply signed 10-06 09:00
                            (24 h exactly); visited 10-07 满意 but reopened; replied 10-08, due
                            10-07 (late); visited again 10-09 不满意, not solved (its last visit counts);
                            suggestion not accepted (agent)
  T3  HP/HP01 rubbish,phone created 10-05; dispatched 10-06 → ecology (never signed), return approved 10-07,
                            dispatched 10-08 09:00 → urban_mgmt signed 10-09 10:00 (25 h); suggestion unavailable
  T4  SH/SH01 rubbish, app  created 10-09; auto-dispatched 10-10 09:00 → urban_mgmt signed 11:00 (co: ecology);
                            会商 10-12 09:00 → district:SH signed 10-14 09:00 (48 h); replied 10-15, due 10-20;
                            visited 10-16 基本满意 with no 是否解决 recorded; closed; suggestion decided by auto-dispatch
  T5  SH/SH02 phone         created 10-20, 即办 (answered, closed, no due time)
  T6  HP      phone         created 10-21, merged into T1
  T7  HP/HP01 heat, phone   created 09-28; dispatched 10-01 09:00 → heating_supply signed 12:00; replied 10-03,
                            due 10-05; suggestion not accepted (agent)
  T8  SH/SH01 rubbish,phone created 10-30; dispatched 11-02 → urban_mgmt, returned 11-03, dispatched to urban_mgmt
                            again 11-04 (a unit that led a ticket twice counts it once)
  T9  HP/HP01 heat, phone   created 09-10, dispatched 09-10 → heating_supply; visited 09-20 不满意 (reopened), replied
                            again 10-01 18:00 after its due 09-30; visited 10-02 满意, solved
  T10 SH/SH01 rubbish, grid created 10-03; dispatched 10-03 09:00 → urban_mgmt signed 15:00; replied 10-04, due
                            10-10; visited 10-05 with an empty visit record (the ticket says 不满意, resolved);
                            suggestion accepted (agent)
  T11 HP/HP02 rubbish,phone created 09-25; dispatched 09-26 → ecology, return approved 10-02, dispatched 10-03 09:00
                            → urban_mgmt signed 09:30
  T12 SH/SH01 heat, phone   created 2025-10-08; visited 2025-10-10 满意
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from catalog.deadlines import TZ
from serving.analytics.definitions import INDICATORS, Cut
from serving.analytics.service import IndicatorRow, indicators
from serving.cli import app as cli
from serving.suggestions.models import Suggestion
from serving.tickets.models import Assignment, AuditEntry, Ticket
from serving.tickets.states import Role

HEAT = "09010101"       # 单户暖气不热
RUBBISH = "010103"      # 垃圾转运站异味扰民
PATH = "/api/v1/analytics"
KEYS = [i.key for i in INDICATORS]


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


class History:
    """Writes tickets, their lead assignments, audit entries and suggestions straight into the database."""

    def __init__(self, session, version: str):
        self.session, self.version = session, version

    def ticket(self, created, district, street, leaf, status, channel="phone", **fields) -> Ticket:
        ticket = Ticket(request_hash="-", channel=channel, text="测试诉求内容", district=district, street=street,
                        status=status, catalogue_version=self.version, leaf=leaf, created_at=created,
                        updated_at=created, **fields)
        self.session.add(ticket)
        self.session.flush()
        return ticket

    def lead(self, ticket, unit, assigned, signed=None, active=True, role="lead") -> None:
        ticket.assignments.append(Assignment(unit=unit, role=role, active=active, assigned_at=assigned,
                                             signed_at=signed))

    def audit(self, ticket, action, moment, **details) -> None:
        ticket.audit.append(AuditEntry(at=moment, actor="test", role="agent", action=action, to_status="-",
                                       details=details))

    def suggestion(self, ticket, decided, accepted, by="agent", status="ok") -> None:
        self.session.add(Suggestion(ticket_id=ticket.id, status=status, source="test", catalogue_version=self.version,
                                    created_at=decided, accepted=accepted, decided_by=by, decided_at=decided))


def write_history(svc) -> None:
    catalogue = svc.app.state.catalogue
    with svc.app.state.sessions() as session:
        h = History(session, catalogue.version)
        t1 = h.ticket(at(10, 1), "HP", "HP01", HEAT, "archived", dispatched_at=at(10, 2), replied_at=at(10, 3),
                      due_at=at(10, 3), satisfaction="满意", resolved=True)
        h.audit(t1, "dispatch", at(10, 2))
        h.lead(t1, "heating_supply", at(10, 2), signed=at(10, 2, 10))
        h.audit(t1, "visit", at(10, 4), satisfaction="满意", resolved=True)
        h.suggestion(t1, at(10, 2), accepted=True)

        t2 = h.ticket(at(10, 4), "HP", "HP02", HEAT, "visited", channel="web", repeat_of=t1.id,
                      replied_at=at(10, 8), due_at=at(10, 7), satisfaction="不满意", resolved=False)
        h.audit(t2, "dispatch", at(10, 5))
        h.lead(t2, "heating_supply", at(10, 5), signed=at(10, 6))
        h.audit(t2, "visit", at(10, 7), satisfaction="满意", resolved=True)
        h.audit(t2, "reopen", at(10, 7, 12))
        h.audit(t2, "visit", at(10, 9), satisfaction="不满意", resolved=False)
        h.suggestion(t2, at(10, 5), accepted=False)

        t3 = h.ticket(at(10, 5), "HP", "HP01", RUBBISH, "signed")
        h.audit(t3, "dispatch", at(10, 6))
        h.lead(t3, "ecology", at(10, 6), active=False)
        h.audit(t3, "approve_return", at(10, 7))
        h.audit(t3, "dispatch", at(10, 8))
        h.lead(t3, "urban_mgmt", at(10, 8), signed=at(10, 9, 10))
        h.suggestion(t3, at(10, 6), accepted=False, status="unavailable")

        t4 = h.ticket(at(10, 9), "SH", "SH01", RUBBISH, "closed", channel="app", auto_dispatched=True,
                      replied_at=at(10, 15), due_at=at(10, 20), satisfaction="基本满意")
        h.audit(t4, "dispatch", at(10, 10))
        h.lead(t4, "urban_mgmt", at(10, 10), signed=at(10, 10, 11), active=False)
        h.lead(t4, "ecology", at(10, 10), role="co", active=False)
        h.audit(t4, "resolve_consultation", at(10, 12))
        h.lead(t4, "district:SH", at(10, 12), signed=at(10, 14))
        h.audit(t4, "visit", at(10, 16), satisfaction="基本满意")
        h.suggestion(t4, at(10, 10), accepted=True, by="auto-dispatch")

        h.ticket(at(10, 20), "SH", "SH02", None, "closed", replied_at=at(10, 20), closed_at=at(10, 20))
        h.ticket(at(10, 21), "HP", None, None, "merged", merged_into=t1.id)

        t7 = h.ticket(at(9, 28), "HP", "HP01", HEAT, "replied", replied_at=at(10, 3), due_at=at(10, 5))
        h.audit(t7, "dispatch", at(10, 1))
        h.lead(t7, "heating_supply", at(10, 1), signed=at(10, 1, 12))
        h.suggestion(t7, at(10, 1), accepted=False)

        t8 = h.ticket(at(10, 30), "SH", "SH01", RUBBISH, "dispatched")
        h.audit(t8, "dispatch", at(11, 2))
        h.lead(t8, "urban_mgmt", at(11, 2), active=False)
        h.audit(t8, "approve_return", at(11, 3))
        h.audit(t8, "dispatch", at(11, 4))
        h.lead(t8, "urban_mgmt", at(11, 4))

        t9 = h.ticket(at(9, 10), "HP", "HP01", HEAT, "visited", replied_at=at(10, 1, 18), due_at=at(9, 30),
                      satisfaction="满意", resolved=True, reopen_count=1)
        h.audit(t9, "dispatch", at(9, 10))
        h.lead(t9, "heating_supply", at(9, 10), signed=at(9, 10, 10))
        h.audit(t9, "visit", at(9, 20), satisfaction="不满意", resolved=False)
        h.audit(t9, "reopen", at(9, 22))
        h.audit(t9, "visit", at(10, 2), satisfaction="满意", resolved=True)

        t10 = h.ticket(at(10, 3), "SH", "SH01", RUBBISH, "visited", channel="grid", replied_at=at(10, 4),
                       due_at=at(10, 10), satisfaction="不满意", resolved=True)
        h.audit(t10, "dispatch", at(10, 3))
        h.lead(t10, "urban_mgmt", at(10, 3), signed=at(10, 3, 15))
        h.audit(t10, "visit", at(10, 5))
        h.suggestion(t10, at(10, 3), accepted=True)

        t11 = h.ticket(at(9, 25), "HP", "HP02", RUBBISH, "signed")
        h.audit(t11, "dispatch", at(9, 26))
        h.lead(t11, "ecology", at(9, 26), signed=at(9, 26, 10), active=False)
        h.audit(t11, "approve_return", at(10, 2))
        h.audit(t11, "dispatch", at(10, 3))
        h.lead(t11, "urban_mgmt", at(10, 3), signed=at(10, 3, 9, 30))

        t12 = h.ticket(at(10, 8, year=2025), "SH", "SH01", HEAT, "closed", satisfaction="满意")
        h.audit(t12, "visit", at(10, 10, year=2025), satisfaction="满意", resolved=True)
        session.commit()


@pytest.fixture
def history(svc):
    svc.add("maintainer", Role.MAINTAINER)
    write_history(svc)
    return svc


def get(svc, who: str, path: str, status: int = 200, **params):
    response = svc.client.get(f"{PATH}{path}", params=params, headers={"Authorization": f"Bearer {svc.keys[who]}"})
    assert response.status_code == status, response.text
    return response.json()


def figures(row: dict) -> dict:
    """(value, numerator, denominator) per indicator key."""
    return {k: (f["value"], f["numerator"], f["denominator"]) for k, f in row["indicators"].items()}


def assert_figures(row: dict, expected: dict) -> None:
    got = figures(row)
    assert set(got) == set(KEYS)
    for key, (value, numerator, denominator) in expected.items():
        assert got[key][1:] == (numerator, denominator), key
        assert got[key][0] == (None if value is None else pytest.approx(value, abs=1e-6)), key


CITY_OCTOBER = {
    "volume": (7, 7, None),                        # T1 T2 T3 T4 T5 T8 T10 (T6 merged; T7 T9 T11 from September)
    "per_10k": (0.007601, 7, 9209000),             # 7 / 9,209,000 × 10,000
    "response_rate": (0.666667, 6, 9),             # in time: T1, T2 (24 h), T4 urban_mgmt, T7, T10, T11 urban_mgmt;
                                                   # late: T3 ecology (never), T3 urban_mgmt (25 h), T4 district (48 h)
    "resolution_rate": (0.8, 4, 5),                # visited T1 T2 T4 T9 T10; solved T1, T4 (基本满意), T9, T10 (flag)
    "satisfaction_rate": (0.6, 3, 5),              # 满意/基本满意: T1, T4, T9 (its October visit); not T2, T10
    "on_time_rate": (0.666667, 4, 6),              # replied T1 T2 T4 T7 T9 T10 (T5 no due); late T2, T9
    "closure_rate": (0.428571, 3, 7),              # T1 archived, T4 closed, T5 即办 of 7
    "repeat_rate": (0.142857, 1, 7),               # T2 of 7
    "return_rate": (0.166667, 1, 6),               # first dispatched T1 T2 T3 T4 T7 T10 (not T11: September); T3
    "first_dispatch_accuracy": (0.666667, 4, 6),   # T1 T2 T7 T10; not T3 (returned), T4 (会商)
    "suggestion_accept_rate": (0.5, 2, 4),         # by agents with candidates: T1 T2 T7 T10; accepted T1 T10
    "auto_dispatch_share": (0.166667, 1, 6),       # T4 of 6
}
HP_OCTOBER = {
    "volume": (3, 3, None),                        # T1 T2 T3
    "per_10k": (0.046512, 3, 645000),              # 3 / 645,000 × 10,000
    "response_rate": (0.666667, 4, 6),             # T1 T2 T7 T11 in time; T3 ecology, T3 urban_mgmt late
    "resolution_rate": (0.666667, 2, 3),           # T1 T2 T9: T1 T9
    "satisfaction_rate": (0.666667, 2, 3),         # T1 T9
    "on_time_rate": (0.5, 2, 4),                   # T1 T2 T7 T9: T1 T7
    "closure_rate": (0.333333, 1, 3),              # T1
    "repeat_rate": (0.333333, 1, 3),               # T2
    "return_rate": (0.25, 1, 4),                   # T1 T2 T3 T7: T3
    "first_dispatch_accuracy": (0.75, 3, 4),       # T1 T2 T7
    "suggestion_accept_rate": (0.333333, 1, 3),    # T1 T2 T7: T1
    "auto_dispatch_share": (0.0, 0, 4),
}
SH_OCTOBER = {
    "volume": (4, 4, None),                        # T4 T5 T8 T10
    "per_10k": (0.052083, 4, 768000),              # 4 / 768,000 × 10,000
    "response_rate": (0.666667, 2, 3),             # T4 urban_mgmt, T10 in time; T4 district:SH late
    "resolution_rate": (1.0, 2, 2),                # T4 (not 不满意), T10 (resolved flag on the ticket)
    "satisfaction_rate": (0.5, 1, 2),              # T4; T10's ticket says 不满意
    "on_time_rate": (1.0, 2, 2),                   # T4 T10
    "closure_rate": (0.5, 2, 4),                   # T4 T5
    "repeat_rate": (0.0, 0, 4),
    "return_rate": (0.0, 0, 2),                    # T4 T10
    "first_dispatch_accuracy": (0.5, 1, 2),        # T10
    "suggestion_accept_rate": (1.0, 1, 1),         # T10 (T4 was an automatic dispatch)
    "auto_dispatch_share": (0.5, 1, 2),            # T4
}
EMPTY_DISTRICT = {"volume": (0, 0, None), "per_10k": (0.0, 0, 946000), "response_rate": (None, 0, 0),
                  "satisfaction_rate": (None, 0, 0), "first_dispatch_accuracy": (None, 0, 0)}
HEATING_OCTOBER = {   # a ticket counts for each unit that was its lead: T1 T2 T7 T9
    "volume": (2, 2, None),                        # T1 T2
    "per_10k": (None, 2, None),                    # no population for a unit
    "response_rate": (1.0, 3, 3),                  # T1 T2 T7
    "resolution_rate": (0.666667, 2, 3),           # T1 T2 T9: T1 T9
    "satisfaction_rate": (0.666667, 2, 3),
    "on_time_rate": (0.5, 2, 4),                   # T1 T2 T7 T9: T1 T7
    "closure_rate": (0.5, 1, 2),
    "repeat_rate": (0.5, 1, 2),
    "return_rate": (0.0, 0, 3),                    # T1 T2 T7
    "first_dispatch_accuracy": (1.0, 3, 3),
    "suggestion_accept_rate": (0.333333, 1, 3),
    "auto_dispatch_share": (0.0, 0, 3),
}


def test_city_total_of_a_month(history):
    body = get(history, "supervisor", "/indicators", month="2026-10")
    assert body["start"] == "2026-10-01T00:00:00+08:00" and body["end"] == "2026-11-01T00:00:00+08:00"
    assert body["by"] == "none" and body["response_hours"] == 24
    [city] = body["rows"]
    assert (city["code"], city["name"]) == ("city", "沈阳市")
    assert_figures(city, CITY_OCTOBER)


def test_dates_give_the_same_figures_as_the_month(history):
    by_dates = get(history, "agent", "/indicators", start="2026-10-01", end="2026-11-01")
    assert by_dates["rows"] == get(history, "agent", "/indicators", month="2026-10")["rows"]


def test_district_cut_lists_every_district(history):
    body = get(history, "admin", "/indicators", month="2026-10", by="district")
    rows = {r["code"]: r for r in body["rows"]}
    assert len(rows) == 13 and body["by_name"] == "区县" and rows["HP"]["name"] == "和平区"
    assert_figures(rows["HP"], HP_OCTOBER)
    assert_figures(rows["SH"], SH_OCTOBER)
    assert_figures(rows["DD"], EMPTY_DISTRICT)


def test_a_shorter_response_limit_changes_the_response_rate_only(history):
    city = get(history, "supervisor", "/indicators", month="2026-10", response_hours=2)["rows"][0]
    # within 2 h: T1 (1 h), T4 urban_mgmt (2 h), T11 urban_mgmt (0.5 h) of the same 9 lead assignments
    assert figures(city)["response_rate"] == (pytest.approx(0.333333, abs=1e-6), 3, 9)
    assert figures(city)["satisfaction_rate"] == (0.6, 3, 5)


def test_september_judges_a_ticket_by_its_september_visit(history):
    city = get(history, "supervisor", "/indicators", month="2026-09")["rows"][0]
    # T9 was 不满意 on 09-20 (the ticket now says 满意 after its October visit); T7 T9 T11 created
    assert figures(city)["satisfaction_rate"] == (0.0, 0, 1)
    assert figures(city)["resolution_rate"] == (0.0, 0, 1)
    assert figures(city)["volume"] == (3, 3, None)
    # T9 (09-10) and T11 (09-26) first dispatched in September; T11's return in October still counts
    assert figures(city)["return_rate"] == (0.5, 1, 2)


def test_other_cuts_name_their_codes(history):
    units = {r["code"]: r for r in get(history, "supervisor", "/indicators", month="2026-10", by="unit")["rows"]}
    assert units["heating_supply"]["name"] == "市热力集团"
    assert_figures(units["heating_supply"], HEATING_OCTOBER)
    # T3 was ecology's before its return; T4's co-handler ecology does not count
    assert figures(units["ecology"])["volume"] == (1, 1, None)
    assert figures(units["ecology"])["return_rate"] == (1.0, 1, 1)
    # urban_mgmt led T3, T4, T10 and, twice, T8 (dispatched in November, created in October)
    assert figures(units["urban_mgmt"])["volume"] == (4, 4, None)
    categories = get(history, "supervisor", "/indicators", month="2026-10", by="category")["rows"]
    assert [(r["code"], r["name"], r["indicators"]["volume"]["value"]) for r in categories] == [
        ("01", "市容环境卫生", 4), ("09", "城市供热", 2), (None, "未分类", 1)]   # T3 T4 T8 T10; T1 T2; T5
    channels = {r["code"]: (r["name"], r["indicators"]["volume"]["value"])
                for r in get(history, "supervisor", "/indicators", month="2026-10", by="channel")["rows"]}
    assert channels == {"phone": ("12345热线电话", 4), "web": ("网站留言", 1), "app": ("政务APP/小程序", 1),
                        "grid": ("网格员上报", 1)}
    streets = {r["code"]: r for r in get(history, "supervisor", "/indicators", month="2026-10", by="street")["rows"]}
    assert streets["HP01"]["name"] == "太原街街道" and figures(streets["HP01"])["volume"] == (2, 2, None)
    assert figures(streets["HP01"])["per_10k"] == (None, 2, None)
    leaves = get(history, "supervisor", "/indicators", month="2026-10", by="leaf")["rows"]
    assert {r["code"] for r in leaves} == {HEAT, RUBBISH, None}
    assert get(history, "supervisor", "/indicators", month="2026-10", by="subcategory")["rows"][0]["code"] == "0101"


def test_a_unit_handler_sees_only_its_own_row(history):
    for params in ({"month": "2026-10"}, {"month": "2026-10", "by": "unit"}):
        body = get(history, "heating_supply", "/indicators", **params)
        assert body["by"] == "unit" and [r["code"] for r in body["rows"]] == ["heating_supply"]
        assert_figures(body["rows"][0], HEATING_OCTOBER)
    quiet = get(history, "gas_supply", "/indicators", month="2026-10")["rows"]
    assert [r["code"] for r in quiet] == ["gas_supply"] and quiet[0]["indicators"]["volume"]["value"] == 0
    for by in ("none", "district", "channel"):
        refused = get(history, "heating_supply", "/indicators", 403, month="2026-10", by=by)
        assert "own unit" in refused["detail"] and "by=unit" in refused["detail"]
    refused = get(history, "heating_supply", "/ranking", 403, month="2026-10", by="district", indicator="满意率")
    assert "by=unit" in refused["detail"]


def test_who_may_read(history):
    assert get(history, "maintainer", "/indicators", month="2026-10")["rows"][0]["code"] == "city"
    response = history.client.get(f"{PATH}/indicators", params={"month": "2026-10"})
    assert response.status_code == 401


@pytest.mark.parametrize("params, parameter, hint", [
    ({"start": "2026-11-01", "end": "2026-10-01"}, "end", "[start, end)"),
    ({"start": "2026-10-01", "end": "2026-10-01"}, "end", "[start, end)"),
    ({"month": "2026-10", "by": "county"}, "by", "district"),
    ({"start": "2026-13-01", "end": "2026-11-01"}, "start", "YYYY-MM-DD"),
    ({"start": "2026/10/01", "end": "2026-11-01"}, "start", "YYYY-MM-DD"),
    ({"month": "2026-13"}, "month", "YYYY-MM"),
    ({"month": "Oct"}, "month", "YYYY-MM"),
    ({"month": "0000-01"}, "month", "1990–2999"),
    ({"start": "1989-12-31", "end": "1990-01-02"}, "start", "1990–2999"),
    ({"start": "2020-01-01", "end": "2023-01-02"}, "end", "3 years"),
    ({"start": "2026-10-01"}, "end", "month=YYYY-MM"),
    ({}, "start", "month=YYYY-MM"),
    ({"month": "2026-10", "start": "2026-10-01"}, "month", "not both"),
    ({"month": "2026-10", "response_hours": 0}, "response_hours", "1 to 720"),
])
def test_bad_input_is_a_422_naming_the_parameter(history, params, parameter, hint):
    detail = get(history, "supervisor", "/indicators", 422, **params)["detail"]
    assert detail.startswith(f"{parameter}:") and hint in detail


def test_three_years_exactly_is_allowed(history):
    body = get(history, "supervisor", "/indicators", start="2024-02-29", end="2027-03-01")
    assert body["rows"][0]["indicators"]["volume"]["value"] == 11     # every ticket but the merged T6


def test_ranking_with_month_and_year_changes(history):
    body = get(history, "supervisor", "/ranking", month="2026-10", by="district", indicator="满意率")
    assert body["indicator"]["key"] == "satisfaction_rate" and body["by"] == "district"
    top = [(r["rank"], r["code"], r["value"], r["previous_month"], r["change_month"], r["last_year"],
            r["change_year"]) for r in body["rows"][:3]]
    assert top == [
        (1, "HP", pytest.approx(0.666667, abs=1e-6), 0.0, pytest.approx(0.666667, abs=1e-6), None, None),
        # HP: 2/3 in October, 0/1 in September (T9 不满意), no visit in October 2025
        (2, "SH", 0.5, None, None, 1.0, -0.5),
        # SH: 1/2 in October, no visit in September, 1/1 in October 2025 (T12): 0.5 − 1.0
        (None, "DD", None, None, None, None, None)]


def test_ranking_of_a_lower_is_better_indicator_shares_ranks(history):
    rows = get(history, "agent", "/ranking", month="2026-10", by="district", indicator="volume")["rows"]
    assert [r["rank"] for r in rows[:11]] == [1] * 11 and all(r["value"] == 0 for r in rows[:11])
    hp, sh = rows[11], rows[12]
    # HP: 3 in October, 3 in September (T7 T9 T11): change 0; SH: 4 in October, 0 in September, 1 (T12) a year ago
    assert (hp["code"], hp["rank"], hp["value"], hp["previous_month"], hp["change_month"]) == ("HP", 12, 3, 3, 0)
    assert (sh["code"], sh["rank"], sh["change_month"], sh["last_year"], sh["change_year"]) == ("SH", 13, 4, 1, 3)


def test_a_unit_handler_sees_its_place_in_the_unit_ranking(history):
    rows = get(history, "heating_supply", "/ranking", month="2026-10", indicator="response_rate")["rows"]
    # response: heating_supply 3/3, urban_mgmt 3/4 (T3 25 h late), district:SH 0/1, ecology 0/1
    assert [(r["code"], r["rank"], r["value"]) for r in rows] == [("heating_supply", 1, 1.0)]
    everyone = get(history, "supervisor", "/ranking", month="2026-10", by="unit", indicator="响应率")["rows"]
    assert [(r["code"], r["rank"]) for r in everyone] == [("heating_supply", 1), ("urban_mgmt", 2),
                                                         ("district:SH", 3), ("ecology", 3)]


@pytest.mark.parametrize("params, parameter", [
    ({"month": "2026-10", "indicator": "幸福指数"}, "indicator"),
    ({"month": "2026-10", "indicator": "满意率", "by": "street"}, "by"),
    ({"month": "2026-1", "indicator": "满意率"}, "month"),
])
def test_bad_ranking_input_is_a_422(history, params, parameter):
    assert get(history, "supervisor", "/ranking", 422, **params)["detail"].startswith(f"{parameter}:")


def test_definitions_are_one_text_for_api_and_cli(history):
    body = get(history, "agent", "/definitions", response_hours=12)
    by_key = {d["key"]: d for d in body["indicators"]}
    assert [d["key"] for d in body["indicators"]] == KEYS
    assert by_key["response_rate"]["name"] == "响应率" and "12小时" in by_key["response_rate"]["formula"]
    assert "不满意" in by_key["resolution_rate"]["numerator"]          # the fallback is written down
    assert {c["key"] for c in body["cuts"]} == {"none", "district", "street", "unit", "category", "subcategory",
                                                "leaf", "channel"}
    result = CliRunner().invoke(cli, ["report", "definitions", "--json", "--response-hours", "12"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == body["indicators"]


def test_cli_prints_the_same_figures(history, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("JIESU_DATABASE_URL", database_url)
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    runner = CliRunner()
    as_json = runner.invoke(cli, ["report", "indicators", "--month", "2026-10", "--by", "district", "--json"])
    assert as_json.exit_code == 0, as_json.output
    rows = {r["code"]: r for r in json.loads(as_json.output)["rows"]}
    assert_figures(rows["HP"], HP_OCTOBER)
    table = runner.invoke(cli, ["report", "indicators", "--month", "2026-10"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert "满意率" in lines[1] and lines[2].split() == ["沈阳市", "7", "0.01", "66.7%", "80.0%", "60.0%", "66.7%",
                                                      "42.9%", "14.3%", "16.7%", "66.7%", "50.0%", "16.7%"]
    bad = runner.invoke(cli, ["report", "indicators", "--month", "2026-10", "--by", "county"])
    assert bad.exit_code == 2 and "by: unknown cut 'county'" in bad.output


def test_service_rows_are_plain_data(history):
    with history.app.state.sessions() as session:
        rows = indicators(session, catalogue=history.app.state.catalogue, start=at(10, 1), end=at(11, 1),
                          by=Cut.DISTRICT, keys={"volume"}, codes=["HP", "XX"])
        with pytest.raises(ValueError, match="naive"):
            indicators(session, catalogue=history.app.state.catalogue, start=datetime(2026, 10, 1), end=at(11, 1),
                       by=Cut.NONE)
    assert all(isinstance(r, IndicatorRow) for r in rows)
    assert [(r.code, r.name, r.figures["volume"].value) for r in rows] == [("HP", "和平区", 3),
                                                                          ("XX", "XX（不在当前清单中）", 0)]
    assert list(rows[0].figures) == ["volume"]
