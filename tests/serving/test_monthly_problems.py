"""每月一题 candidates: a planted problem — many tickets, repeated, unsatisfied at return visits, passed between
units — ranks first with each component's evidence; ordinary leaves rank below it and small ones are no candidates."""
import json
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from catalog.deadlines import TZ
from serving.analytics.problems import ProblemPolicy, ProblemTicket, _percentiles, body_of, monthly_problems
from serving.cli import app as cli
from serving.tickets.models import Assignment, AuditEntry, Ticket

PROBLEM = "09010103"                          # 小区大面积暖气不热
ORDINARY = ["010101", "010102", "010201", "020101", "020102", "050101", "140205", "170101"]
SMALL = "170201"                              # 8 tickets: below the 10 a candidate needs
UNITS = ["heating_supply", "district:HP", "street:HP01", "housing", "urban_mgmt"]
AUGUST = datetime(2025, 8, 1, 8, 0, tzinfo=TZ)


def planted() -> list[dict]:
    """August 2025. PROBLEM: 30 tickets in two districts, 10 repeats, 12 visited and 8 of them 不满意, five units.
    Each ordinary leaf: 12–19 tickets, none repeated, all visited and satisfied, one unit. SMALL: 8 unsatisfied."""
    rows = []
    for n in range(30):
        rows.append({"leaf": PROBLEM, "district": "HP" if n % 2 else "SH", "repeat": n < 10,
                     "visited": n % 30 < 12, "unsatisfied": n % 30 < 8, "units": UNITS[:1 + n % 5]})
    for k, leaf in enumerate(ORDINARY):
        rows += [{"leaf": leaf, "district": "HP", "repeat": False, "visited": True, "unsatisfied": False,
                  "units": ["urban_mgmt"]} for _ in range(12 + k)]
    rows += [{"leaf": SMALL, "district": "HP", "repeat": False, "visited": True, "unsatisfied": True,
              "units": ["urban_enforce"]} for _ in range(8)]
    for i, row in enumerate(rows):
        row["at"] = AUGUST + timedelta(hours=7 * i % 700)
    return rows


def as_tickets(rows: list[dict]) -> list[ProblemTicket]:
    return [ProblemTicket(i, f"P{i}", r["leaf"], r["district"], r["repeat"], r["visited"], r["unsatisfied"],
                          tuple(r["units"])) for i, r in enumerate(rows)]


def test_the_planted_problem_ranks_first_with_its_evidence():
    ranked = monthly_problems(as_tickets(planted()))
    assert [p.leaf for p in ranked][:1] == [PROBLEM] and SMALL not in {p.leaf for p in ranked}
    assert len(ranked) == 1 + len(ORDINARY) and [p.rank for p in ranked] == list(range(1, 10))
    top = ranked[0].components
    assert (top["volume"].value, top["volume"].percentile) == (30, 1.0)
    assert (top["repeat"].numerator, top["repeat"].denominator, top["repeat"].value) == (10, 30, pytest.approx(1 / 3))
    assert (top["dissatisfaction"].numerator, top["dissatisfaction"].denominator) == (8, 12)
    assert top["spread"].value == 5 and ranked[0].units == tuple(sorted(UNITS))
    assert top["repeat"].examples == (0, 1, 2) and top["dissatisfaction"].examples == (0, 1, 2)
    assert ranked[0].score == 1.0 and all(p.score < 0.5 for p in ranked[1:])
    assert ranked[1].leaf == ORDINARY[-1]                        # the largest ordinary leaf: volume decides
    assert len(monthly_problems(as_tickets(planted()), limit=3)) == 3


def test_by_district_splits_a_problem_and_the_policy_is_checked():
    ranked = monthly_problems(as_tickets(planted()), by_district=True)
    assert [(p.leaf, p.district) for p in ranked[:2]] == [(PROBLEM, "HP"), (PROBLEM, "SH")]
    assert ranked[0].components["volume"].value == 15
    with pytest.raises(ValueError, match="weights"):
        ProblemPolicy(weights={"volume": 1.0})
    with pytest.raises(ValueError, match="limit"):
        monthly_problems([], limit=0)
    assert body_of("street:HP01") == body_of("street:SH02") == "street" and body_of("housing") == "housing"
    assert _percentiles([3.0, 1.0, 3.0, 2.0]) == [pytest.approx(2 / 3), 0.0, pytest.approx(2 / 3), pytest.approx(1 / 3)]


def store(svc, rows: list[dict]) -> None:
    """As tickets: repeats link to a July ticket; visits are audited (a 不满意 one reopened has no satisfaction
    left on the ticket, only in its visit), units are assignments."""
    with svc.app.state.sessions() as session:
        first = Ticket(number="JULY", request_hash="-", channel="phone", text="暖气不热", status="closed",
                       leaf=PROBLEM, catalogue_version="test", created_at=AUGUST - timedelta(days=20),
                       updated_at=AUGUST - timedelta(days=20))
        session.add(first)
        session.flush()
        for i, r in enumerate(rows):
            reopened = r["unsatisfied"] and i % 2 == 0
            ticket = Ticket(number=f"P{i}", request_hash="-", channel="phone", text="问题", leaf=r["leaf"],
                            district=r["district"], status="dispatched" if reopened else "closed",
                            repeat_of=first.id if r["repeat"] else None, catalogue_version="test",
                            satisfaction=None if reopened or not r["visited"] else
                            ("不满意" if r["unsatisfied"] else "满意"), created_at=r["at"], updated_at=r["at"])
            if r["visited"] and reopened:
                ticket.audit.append(AuditEntry(at=r["at"] + timedelta(days=2), actor="agent", role="agent",
                                               action="visit", from_status="replied", to_status="visited",
                                               details={"satisfaction": "不满意", "resolved": False}))
            ticket.assignments += [Assignment(unit=u, role="lead" if k == 0 else "co", assigned_at=r["at"])
                                   for k, u in enumerate(r["units"])]
            session.add(ticket)
        session.commit()


def get(svc, who: str, status: int = 200, **params):
    response = svc.client.get("/api/v1/analytics/monthly-problems", params=params,
                              headers={"Authorization": f"Bearer {svc.keys[who]}"})
    assert response.status_code == status, response.text
    return response.json()


def test_the_api_ranks_last_month_with_the_evidence(svc):
    rows = planted()
    store(svc, rows)
    body = get(svc, "supervisor")                                  # the clock is in September: August by default
    assert body["month"] == "2025-08" and body["tickets"] == len(rows) and body["candidates"] == 1 + len(ORDINARY)
    assert body["weights"] == {"volume": 0.4, "repeat": 0.2, "dissatisfaction": 0.25, "spread": 0.15}
    top = body["problems"][0]
    assert (top["rank"], top["leaf"], top["district_name"], top["score"]) == (1, PROBLEM, "全市", 1.0)
    assert top["leaf_name"].endswith("小区大面积暖气不热")
    components = top["components"]
    assert components["repeat"]["name"] == "重复诉求率" and components["repeat"]["numerator"] == 10
    assert [e["number"] for e in components["repeat"]["examples"]] == ["P0", "P1", "P2"]
    assert (components["dissatisfaction"]["numerator"], components["dissatisfaction"]["denominator"]) == (8, 12)
    assert components["spread"]["value"] == 5 and {u["code"] for u in top["units"]} == set(UNITS)
    assert any(u["name"] == "市热力集团" for u in top["units"])
    assert all(p["score"] < 0.5 for p in body["problems"][1:])
    by_district = get(svc, "agent", month="2025-08", by="district", limit=2)["problems"]
    assert [(p["leaf"], p["district"], p["district_name"]) for p in by_district] == [(PROBLEM, "HP", "和平区"),
                                                                                  (PROBLEM, "SH", "沈河区")]
    assert get(svc, "supervisor", month="2025-07", min_volume=1)["problems"][0]["leaf"] == PROBLEM   # the July one


@pytest.mark.parametrize("params, parameter", [({"month": "2025-8"}, "month"), ({"by": "street"}, "by"),
                                               ({"limit": 0}, "limit"), ({"min_volume": 0}, "min_volume")])
def test_bad_monthly_problem_parameters_are_a_422(svc, params, parameter):
    assert get(svc, "supervisor", 422, **params)["detail"].startswith(f"{parameter}:")


def test_the_cli_prints_the_same_candidates(svc, database_url, tmp_path, monkeypatch):
    store(svc, planted())
    monkeypatch.setenv("JIESU_DATABASE_URL", database_url)
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["analyse", "monthly-problems", "--month", "2025-08", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == get(svc, "supervisor", month="2025-08", limit=5)
    bad = CliRunner().invoke(cli, ["analyse", "monthly-problems", "--month", "2025-08", "--by", "county"])
    assert bad.exit_code == 2 and "by: 'county'" in bad.output
