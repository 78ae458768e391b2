"""The place-based insights and the 每月一题 candidates on one month of the generated history, through the service.

The month and the 200 days before it are loaded into a fresh SQLite database as `jiesu data load` loads them, with
the generator's repeat links set as the supervision sweep would have set them when the tickets came in; then the
service's own functions run with `now` at the month's end. Each dense place is checked against the injected
bursts (same street and one of the burst's leaves), each 屡治屡犯 chain against the generator's ground truth (its
tickets share the generator's spot, or are linked as repeats)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from catalog import Catalogue
from serving.analytics import facts, insights
from serving.analytics.flows import month_period
from serving.db import make_engine, session_factory
from serving.migrate import upgrade
from serving.tickets.history import load_history
from serving.tickets.models import Ticket

LOOKBACK_DAYS = 200


def _load(rows: list[dict], catalogue: Catalogue, url: str) -> None:
    upgrade(url)
    with session_factory(make_engine(url))() as session:
        load_history(session, rows=rows, catalogue=catalogue)
        ids = dict(session.execute(select(Ticket.number, Ticket.id)).all())
        linked = [(ids[row["ticket_id"]], ids[row["repeat_of"]]) for row in rows
                  if row.get("repeat_of") in ids and row["ticket_id"] in ids]
        for ticket_id, repeat_of in linked:
            session.execute(update(Ticket).where(Ticket.id == ticket_id).values(repeat_of=repeat_of))
        facts.refresh(session, [ticket_id for ticket_id, _ in linked])   # bulk statements bypass the session's hooks
        session.commit()


def _timed(call) -> tuple[object, float]:
    began = time.perf_counter()
    result = call()
    return result, round(time.perf_counter() - began, 2)


def evaluate_insights(rows: list[dict], catalogue: Catalogue, *, month: str, directory: Path) -> dict:
    period = month_period(month)
    since = period.end - timedelta(days=LOOKBACK_DAYS)
    kept = [r for r in rows if since <= datetime.fromisoformat(r["received_at"]) < period.end]
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / f"insights-{month}.db"
    database.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    _, load_seconds = _timed(lambda: _load(kept, catalogue, url))
    by_number = {r["ticket_id"]: r for r in kept}
    with session_factory(make_engine(url))() as session:
        problems, problem_seconds = _timed(lambda: insights.monthly_problems(session, now=period.end, month=month))
        dense, dense_seconds = _timed(lambda: insights.dense_places(session, catalogue=catalogue, now=period.end,
                                                                    month=month))
        chains, chain_seconds = _timed(lambda: insights.recurring(session, catalogue=catalogue, now=period.end))
    problems_out = insights.problems_json(catalogue, problems)
    dense_out = insights.density_json(catalogue, dense)
    chains_out = insights.recurrences_json(catalogue, chains)
    for cell in dense_out["cells"]:
        cell["events"] = sorted({by_number[t["number"]]["event"] for t in cell["tickets"]
                                 if by_number[t["number"]].get("event")})
    for found in chains_out["recurrences"]:
        found["truth"] = _truth(found["chain"], by_number)
    return {"month": month, "loaded": len(kept), "load_seconds": load_seconds,
            "seconds": {"monthly_problems": problem_seconds, "concentration": dense_seconds,
                        "recurrences": chain_seconds},
            "monthly_problems": problems_out, "concentration": dense_out, "recurrences": chains_out}


def _truth(chain: list[dict], by_number: dict[str, dict]) -> dict:
    """How the generator made the chain's tickets: how many share its most common spot, how many it linked."""
    rows = [by_number[t["number"]] for t in chain]
    spots = [r["spot"] for r in rows]
    linked = sum(1 for r in rows if r.get("repeat_of") in {x["ticket_id"] for x in rows})
    return {"same_spot": max(spots.count(s) for s in spots), "linked_repeats": linked, "tickets": len(rows)}
