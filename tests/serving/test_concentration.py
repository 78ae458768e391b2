"""Concentration: a leaf planted densely in one street (and one of its communities) is listed with its evidence; a
leaf spread evenly over the city, however frequent, is not. Pure maths, then the API and CLI on both databases."""
import json
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from catalog import DEFAULT_DATA_DIR, load_catalogue
from catalog.deadlines import TZ
from serving.analytics.concentration import DensityPolicy, Placed, crowded, dense_cells
from serving.cli import app as cli
from serving.tickets.models import Ticket

CATALOGUE = load_catalogue(DEFAULT_DATA_DIR)
STREETS = CATALOGUE.city.streets()[:40]
DENSE = STREETS[0]                       # the planted street
COMMUNITY = DENSE.communities[1]
LEAF = "010201"                          # the planted problem
EVERYWHERE = "050101"                    # frequent, but as frequent everywhere
OTHERS = [leaf.code for leaf in CATALOGUE.leaves()[200:220]]
START = datetime(2025, 9, 1, 8, 0, tzinfo=TZ)


def tickets() -> list[dict]:
    """September 2025: in each of 40 streets one ticket of 20 other leaves and 6 of EVERYWHERE; LEAF once in 20
    streets, and 14 times in DENSE, at one community."""
    rows = []

    def add(leaf: str, street, address: str = "") -> None:
        rows.append({"leaf": leaf, "district": street.district_code, "street": street.code, "address": address,
                     "at": START + timedelta(hours=5 * len(rows) % 700)})

    for street in STREETS:
        for leaf in OTHERS:
            add(leaf, street)
        for _ in range(6):
            add(EVERYWHERE, street)
    for street in STREETS[1:21]:
        add(LEAF, street)
    for n in range(14):
        add(LEAF, DENSE, f"{COMMUNITY}{n % 4 + 1}号楼")
    return rows


def placed(rows: list[dict]) -> list[Placed]:
    return [Placed(i, None, r["leaf"], r["district"], r["street"], COMMUNITY if r["address"] else None)
            for i, r in enumerate(rows)]


def test_the_planted_street_and_community_are_dense_and_the_even_leaf_is_not():
    rows = tickets()
    split = {s.code: len(s.communities) for s in STREETS}
    cells = dense_cells(placed(rows), communities_per_street=split)
    assert [(c.level, c.leaf, c.street, c.community) for c in cells] == [("community", LEAF, DENSE.code, COMMUNITY),
                                                                          ("street", LEAF, DENSE.code, None)]
    street = cells[1]
    share = (20 + 6 + 14) / len(rows)
    assert street.count == 14 and street.leaf_total == 34 and street.expected == pytest.approx(34 * share, abs=1e-3)
    assert street.ratio > 8 and street.score > 6 and street.communities == ((COMMUNITY, 14),)
    assert cells[0].expected == pytest.approx(street.expected / len(DENSE.communities), abs=1e-3)
    assert crowded(placed(rows), 5) == {(LEAF, DENSE.code)} | {(EVERYWHERE, s.code) for s in STREETS}


def test_policy_bounds_are_checked():
    with pytest.raises(ValueError, match="min_count"):
        DensityPolicy(min_count=1)
    with pytest.raises(ValueError, match="alpha"):
        DensityPolicy(alpha=0)


def store(svc, rows: list[dict]) -> None:
    with svc.app.state.sessions() as session:
        session.add_all(Ticket(number=f"C{i:05d}", request_hash="-", channel="phone", text="反映问题", address=r["address"],
                               district=r["district"], street=r["street"], status="closed", leaf=r["leaf"],
                               catalogue_version="test", created_at=r["at"], updated_at=r["at"])
                        for i, r in enumerate(rows))
        session.commit()


def get(svc, who: str, status: int = 200, **params):
    response = svc.client.get("/api/v1/analytics/concentration", params=params,
                              headers={"Authorization": f"Bearer {svc.keys[who]}"})
    assert response.status_code == status, response.text
    return response.json()


def test_the_api_lists_the_dense_places_with_their_tickets(svc):
    rows = tickets()
    store(svc, rows)
    body = get(svc, "supervisor", month="2025-09")
    assert body["tickets"] == body["placed"] == len(rows) and body["start"].startswith("2025-09-01T00:00:00+08:00")
    levels = [(c["level"], c["leaf"], c["street"], c["community"]) for c in body["cells"]]
    assert levels == [("community", LEAF, DENSE.code, COMMUNITY), ("street", LEAF, DENSE.code, None)]
    street = body["cells"][1]
    assert street["street_name"] == DENSE.name and street["place"] == DENSE.name
    assert street["leaf_name"] == CATALOGUE.path_name(LEAF) and street["count"] == 14
    assert street["communities"] == [{"community": COMMUNITY, "count": 14}]
    assert len(street["tickets"]) == 14 and all(t["number"].startswith("C") for t in street["tickets"])
    assert body["cells"][0]["place"] == DENSE.name + COMMUNITY
    assert get(svc, "agent", month="2025-08")["cells"] == []            # nothing that month
    recent = get(svc, "supervisor", days=28)["cells"]                   # from 1 September 09:00 to the clock
    assert [(c["level"], c["count"]) for c in recent] == [("community", 14), ("street", 14)]


@pytest.mark.parametrize("params, parameter", [({"month": "2025-13"}, "month"), ({"month": "9/2025"}, "month"),
                                               ({"days": 0}, "days"), ({"limit": 500}, "limit")])
def test_bad_concentration_parameters_are_a_422(svc, params, parameter):
    assert get(svc, "supervisor", 422, **params)["detail"].startswith(f"{parameter}:")


def test_the_cli_prints_the_same_cells(svc, database_url, tmp_path, monkeypatch):
    store(svc, tickets())
    monkeypatch.setenv("JIESU_DATABASE_URL", database_url)
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["analyse", "concentration", "--month", "2025-09"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == get(svc, "supervisor", month="2025-09")
    bad = CliRunner().invoke(cli, ["analyse", "concentration", "--month", "2025-9"])
    assert bad.exit_code == 2 and "month: '2025-9' is not a month" in bad.output
