"""屡治屡犯: a planted place where one problem came back three times after it was closed is listed with its chain;
tickets filed while the problem was still being handled, and places that came back fewer times, are not."""
import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from catalog import DEFAULT_DATA_DIR, load_catalogue
from catalog.deadlines import TZ
from serving.analytics.recurrences import Case, chain_of, recurrences
from serving.cli import app as cli
from serving.tickets.models import AuditEntry, Ticket

CATALOGUE = load_catalogue(DEFAULT_DATA_DIR)
NOW = datetime(2025, 9, 29, 9, 0, tzinfo=TZ)           # the svc fixture's clock
LEAF = "09010102"                                      # 整栋楼暖气不热
STREET = CATALOGUE.street("HP01")
HOME, NEIGHBOUR, OTHER = STREET.communities[:3]


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def case(i: int, filed: float, closed: float | None, place: str = HOME, leaf: str = LEAF) -> Case:
    return Case(i, f"R{i}", leaf, "HP", "HP01", place, ago(filed), ago(closed) if closed is not None else None)


def planted() -> list[Case]:
    """HOME: filed, closed, back (and a second call while it is handled), closed, back, closed, back: 3 returns.
    NEIGHBOUR: four calls while the first is still open: no return. OTHER: closed and back twice: 2 returns."""
    return [case(1, 170, 165), case(2, 150, 140), case(3, 149, 141), case(4, 120, 110), case(5, 90, None),
            case(6, 100, 30, NEIGHBOUR), case(7, 90, 29, NEIGHBOUR), case(8, 80, 28, NEIGHBOUR),
            case(9, 70, 27, NEIGHBOUR),
            case(10, 60, 55, OTHER), case(11, 40, 35, OTHER), case(12, 20, None, OTHER),
            case(13, 150, 140, HOME, leaf="050101"), case(14, 100, 90, HOME, leaf="050101")]


def test_the_planted_place_is_listed_with_its_chain():
    found = recurrences(planted(), times=3)
    assert [(r.leaf, r.place, r.returns) for r in found] == [(LEAF, HOME, 3)]
    chain = found[0].chain
    assert [(link.case.id, link.returned) for link in chain] == [(1, False), (2, True), (3, False), (4, True),
                                                                 (5, True)]
    assert found[0].first_at == ago(170) and found[0].last_at == ago(90)
    assert [(r.place, r.returns) for r in recurrences(planted(), times=2)] == [(HOME, 3), (OTHER, 2)]


def test_a_ticket_filed_while_the_problem_is_handled_is_no_return():
    links = chain_of([case(1, 100, 30, NEIGHBOUR), case(2, 90, 29, NEIGHBOUR), case(3, 80, 28, NEIGHBOUR)])
    assert [link.returned for link in links] == [False, False, False]
    links = chain_of([case(1, 100, 95, NEIGHBOUR), case(2, 90, 29, NEIGHBOUR), case(3, 80, 28, NEIGHBOUR)])
    assert [link.returned for link in links] == [False, True, False]
    with pytest.raises(ValueError, match="at least 1"):
        recurrences(planted(), times=0)


def store(svc, cases: list[Case], reopened: set[int] = frozenset(), buildings: dict | None = None) -> None:
    """The cases as tickets at their place's building 8 (or another, or none), closed through the audit log; a
    reopened one has lost its closed_at (重办) but keeps the audit entry of its first closure."""
    with svc.app.state.sessions() as session:
        for c in cases:
            closed = c.closed_at is not None
            ticket = Ticket(number=c.number, request_hash="-", channel="phone", text="暖气不热", leaf=c.leaf,
                            address=address(c, (buildings or {}).get(c.id, 8)), district="HP", street="HP01",
                            status="closed" if closed and c.id not in reopened else "dispatched",
                            closed_at=c.closed_at if c.id not in reopened else None, catalogue_version="test",
                            created_at=c.created_at, updated_at=c.created_at)
            if closed:
                ticket.audit.append(AuditEntry(at=c.closed_at, actor="agent", role="agent", action="close",
                                               from_status="visited", to_status="closed"))
            session.add(ticket)
        session.commit()


def address(c: Case, building: int | None) -> str:
    return c.place + (f"{building}号楼" if building else "")


def get(svc, who: str, status: int = 200, **params):
    response = svc.client.get("/api/v1/analytics/recurrences", params=params,
                              headers={"Authorization": f"Bearer {svc.keys[who]}"})
    assert response.status_code == status, response.text
    return response.json()


def test_the_api_lists_the_chain(svc):
    elsewhere = [case(15 + n, 160 - 30 * n, 155 - 30 * n) for n in range(5)]    # HOME too, each at another building,
    store(svc, planted() + elsewhere, reopened={2}, buildings={15: 1, 16: 2, 17: 3, 18: 4, 19: None})  # or none
    body = get(svc, "supervisor")
    assert body["times"] == 3 and body["end"].startswith("2025-09-29T09:00:00+08:00") and body["without_spot"] == 1
    [found] = body["recurrences"]
    assert (found["leaf"], found["street"], found["place"], found["returns"], found["tickets"]) == \
        (LEAF, "HP01", f"{HOME}8号楼", 3, 5)
    assert found["street_name"] == STREET.name and found["leaf_name"].endswith("整栋楼暖气不热")
    assert [(t["number"], t["returned"]) for t in found["chain"]] == [("R1", False), ("R2", True), ("R3", False),
                                                                      ("R4", True), ("R5", True)]
    assert found["chain"][1]["closed_at"].startswith(f"{ago(140):%Y-%m-%d}")   # its first closure, from the audit
    assert found["chain"][0]["address"] == f"{HOME}8号楼" and found["chain"][-1]["closed_at"] is None
    assert get(svc, "agent", times=2)["recurrences"][1]["place"] == f"{OTHER}8号楼"
    assert get(svc, "supervisor", days=100)["recurrences"] == []     # 100 days see only HOME's last ticket
    assert get(svc, "supervisor", leaf="050101", times=1)["recurrences"][0]["returns"] == 1


@pytest.mark.parametrize("params, parameter", [({"days": 0}, "days"), ({"days": 400}, "days"),
                                               ({"times": 0}, "times"), ({"leaf": "0901"}, "leaf"),
                                               ({"leaf": "99"}, "leaf")])
def test_bad_recurrence_parameters_are_a_422(svc, params, parameter):
    assert get(svc, "supervisor", 422, **params)["detail"].startswith(f"{parameter}:")


def test_the_cli_prints_the_chains(svc, database_url, tmp_path, monkeypatch):
    shift = datetime.now(TZ) - NOW             # the command's now is the machine's clock
    store(svc, [replace(c, created_at=c.created_at + shift, closed_at=c.closed_at and c.closed_at + shift)
                for c in planted()])
    monkeypatch.setenv("JIESU_DATABASE_URL", database_url)
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["analyse", "recurrences"])
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.output)["recurrences"]
    assert (found["place"], found["returns"], [t["number"] for t in found["chain"]]) == \
        (f"{HOME}8号楼", 3, ["R1", "R2", "R3", "R4", "R5"])
    bad = CliRunner().invoke(cli, ["analyse", "recurrences", "--days", "3650"])
    assert bad.exit_code == 2 and "days: 3650 is out of range" in bad.output
