"""The daily hot-spot scan over the service's tickets, on SQLite and PostgreSQL: a burst is warned once, to the
responsible department through the outbox, and listed for supervisors."""
from datetime import timedelta

import sqlalchemy as sa

from serving.tickets.models import Ticket

LEAF = "050101"      # 突发停水无水: 市水务集团 (water_supply)


def add_tickets(svc, leaf: str, district: str, days_ago: int, count: int) -> None:
    at = svc.clock() - timedelta(days=days_ago)
    with svc.app.state.sessions() as session:
        session.add_all(Ticket(request_hash="-", channel="phone", text="停水了", status="dispatched", leaf=leaf,
                               district=district, catalogue_version="test", created_at=at, updated_at=at)
                        for _ in range(count))
        session.commit()


def call(svc, who: str, method: str, path: str = ""):
    return svc.client.request(method, f"/api/v1/analytics/hotspots{path}",
                              headers={"Authorization": f"Bearer {svc.keys[who]}"})


def test_a_burst_is_warned_once_to_the_responsible_department(svc):
    for days_ago in range(3, 60, 4):                   # background: one ticket every four days
        add_tickets(svc, LEAF, "TX", days_ago, 1)
    add_tickets(svc, LEAF, "TX", 0, 14)                # today: a water main breaks in 铁西区
    found = call(svc, "supervisor", "POST", "/scan").json()
    keys = {(w["level"], w["code"], w["district"]) for w in found}
    assert ("leaf", LEAF, "TX") in keys and ("sub", "0501", "TX") in keys
    warning = next(w for w in found if (w["level"], w["district"]) == ("leaf", "TX"))
    assert warning["count"] == 14 and warning["expected"] < 1 and warning["units"] == ["water_supply"]
    assert warning["district_name"] == "铁西区" and warning["name"].endswith("突发停水无水")
    assert call(svc, "supervisor", "POST", "/scan").json() == []           # stored once, announced once
    with svc.app.state.engine.connect() as conn:
        kinds = [r[0] for r in conn.execute(sa.text("SELECT kind FROM outbox"))]
    assert kinds.count("hotspot.spike") == len(found)
    listed = call(svc, "agent", "GET").json()
    assert {(w["level"], w["code"], w["district"]) for w in listed} == keys


def test_steady_volume_raises_nothing_and_units_may_not_scan(svc):
    for days_ago in range(0, 60):
        add_tickets(svc, LEAF, "HP", days_ago, 2)
    assert call(svc, "supervisor", "POST", "/scan").json() == []
    assert call(svc, "heating_supply", "POST", "/scan").status_code == 403
    assert call(svc, "heating_supply", "GET").status_code == 403
