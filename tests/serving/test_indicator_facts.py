"""The indicator facts (serving/analytics/facts.py) stay exact: what every commit keeps equals a rebuild from
scratch, a change to a past month shows at once, undone work leaves nothing, and facts built by another definition
are refused until `jiesu db upgrade` rebuilds them (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from serving.analytics import facts
from serving.analytics.models import FactsState, IndicatorFact
from serving.cli import app as cli
from serving.migrate import is_current, upgrade
from serving.tickets.models import Ticket
from tests.serving.test_indicators import HEAT, RUBBISH, History, at, figures, get, write_history
from tests.serving.test_ticket_workflow import register

COMPARED = [c for c in facts.COLUMNS if c not in ("at", "next_at")]


def fact_rows(svc) -> list[tuple]:
    """Every fact, without its row id, in a stable order (times as instants, so both databases compare)."""
    with svc.app.state.sessions() as session:
        rows = session.execute(sa.select(IndicatorFact)).scalars().all()
        return sorted((tuple(getattr(r, c) for c in COMPARED), r.at.timestamp(),
                       r.next_at.timestamp() if r.next_at else None) for r in rows)


def rebuilt(svc) -> list[tuple]:
    with svc.app.state.sessions() as session:
        facts.rebuild(session)
        session.commit()
    return fact_rows(svc)


def october(svc, **params) -> dict:
    return figures(get(svc, "supervisor", "/indicators", month="2026-10", **params)["rows"][0])


def test_what_each_commit_keeps_equals_a_rebuild_after_returns_splits_merges_and_reclassifying(svc):
    write_history(svc)
    kept = fact_rows(svc)
    assert len(kept) > 40 and kept == rebuilt(svc)
    with svc.app.state.sessions() as session:
        h = History(session, svc.app.state.catalogue.version)
        t1 = session.scalars(sa.select(Ticket).order_by(Ticket.id)).first()
        h.audit(t1, "approve_return", at(10, 20))                      # a return approved later, on an old ticket
        h.lead(t1, "urban_mgmt", at(10, 21), signed=at(10, 21, 10))
        t1.leaf = RUBBISH                                              # reclassified
        parent = h.ticket(at(10, 22), "HP", "HP01", HEAT, "dispatched")
        session.commit()
        child = h.ticket(at(10, 22), "HP", "HP01", RUBBISH, "registered", parent_id=parent.id)   # split later
        duplicate = h.ticket(at(10, 23), "SH", "SH01", HEAT, "registered")
        session.commit()
        duplicate.merged_into = child.id
        t5 = session.scalars(sa.select(Ticket).where(Ticket.created_at == at(10, 20))).one()
        session.delete(t5)                                             # removed with its rows
        session.commit()
    kept = fact_rows(svc)
    assert kept == rebuilt(svc)
    created = [row for row in kept if row[0][0] == "created" and row[0][3]]   # primary created rows
    assert parent.id not in {row[0][1] for row in created} and child.id in {row[0][1] for row in created}
    assert duplicate.id not in {row[0][1] for row in created}


def test_a_split_item_moved_to_another_call_refreshes_the_call_it_left(svc):
    write_history(svc)
    with svc.app.state.sessions() as session:
        h = History(session, svc.app.state.catalogue.version)
        first = h.ticket(at(10, 22), "HP", "HP01", HEAT, "dispatched")
        second = h.ticket(at(10, 22), "SH", "SH01", HEAT, "dispatched")
        session.commit()
        item = h.ticket(at(10, 22), "HP", "HP01", RUBBISH, "registered", parent_id=first.id)
        session.commit()
        item.parent_id = second.id                                     # re-linked to the other call
        session.commit()
        first_id, second_id = first.id, second.id
    kept = fact_rows(svc)
    assert kept == rebuilt(svc)
    counted = {row[0][1] for row in kept if row[0][0] == "created" and row[0][3]}
    assert first_id in counted and second_id not in counted            # the call it left counts as itself again


def test_a_return_approved_the_next_month_changes_the_past_months_first_dispatch_accuracy_at_once(svc):
    t = register(svc)
    svc.clock.advance(hours=1)
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT, "lead_unit": "gas_supply"})
    month = {"month": svc.clock().strftime("%Y-%m")}
    before = figures(get(svc, "supervisor", "/indicators", **month)["rows"][0])
    assert before["volume"][1] == 1 and before["first_dispatch_accuracy"][1:] == (1, 1)
    svc.clock.advance(days=3)
    svc.ok("gas_supply", "POST", f"/{t['id']}/return-request", json={"reason": "暖气不归燃气公司管，请改派热力集团"})
    svc.ok("supervisor", "POST", f"/{t['id']}/return-decision", json={"approve": True, "reason": "确属热力职责"})
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    after = figures(get(svc, "supervisor", "/indicators", **month)["rows"][0])
    assert after["first_dispatch_accuracy"][1:] == (0, 1) and after["return_rate"][1:] == (1, 1)
    by_unit = get(svc, "supervisor", "/indicators", by="unit", **month)["rows"]
    assert {row["code"] for row in by_unit} >= {"gas_supply", "heating_supply"}


def test_a_rolled_back_ticket_leaves_no_facts_and_nothing_to_refresh(svc):
    with svc.app.state.sessions() as session:
        History(session, svc.app.state.catalogue.version).ticket(at(10, 1), "HP", "HP01", HEAT, "registered")
        assert session.info.get(facts.TOUCHED)
        session.rollback()
        assert facts.TOUCHED not in session.info
        session.commit()
    assert fact_rows(svc) == []


def test_a_ticket_counts_by_its_last_visit_in_time_even_when_an_earlier_one_was_recorded_after(svc):
    with svc.app.state.sessions() as session:
        h = History(session, svc.app.state.catalogue.version)
        ticket = h.ticket(at(10, 1), "HP", "HP01", HEAT, "visited", satisfaction="不满意", resolved=False)
        h.audit(ticket, "visit", at(10, 9), satisfaction="不满意", resolved=False)
        h.audit(ticket, "visit", at(10, 7), satisfaction="满意", resolved=True)      # entered late, happened earlier
        session.commit()
    assert october(svc)["satisfaction_rate"][1:] == (0, 1)
    first_week = get(svc, "supervisor", "/indicators", start="2026-10-01", end="2026-10-08")["rows"][0]
    assert figures(first_week)["satisfaction_rate"][1:] == (1, 1)


def test_facts_of_another_definition_are_refused_until_the_upgrade_rebuilds_them(svc, database_url):
    write_history(svc)
    expected = october(svc)
    with svc.app.state.sessions() as session:
        session.get(FactsState, facts.STATE_ID).version = "0"
        session.commit()
    assert not is_current(database_url)
    refused = get(svc, "supervisor", "/indicators", 503, month="2026-10")
    assert "jiesu db upgrade" in refused["detail"] and "definition 0" in refused["detail"]
    result = CliRunner().invoke(cli, ["db", "upgrade", "--url", database_url])
    assert result.exit_code == 0 and "indicator facts rebuilt" in result.output, result.output
    assert is_current(database_url) and october(svc) == expected
    assert upgrade(database_url) is None                     # current now: nothing to rebuild
    assert upgrade(database_url, rebuild_facts=True) == len(fact_rows(svc)) > 0


def test_two_transactions_changing_one_ticket_at_once_leave_its_facts_once(svc, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite lets one transaction write at a time")
    with svc.app.state.sessions() as session:
        ticket_id = History(session, svc.app.state.catalogue.version).ticket(at(10, 1), "HP", "HP01", HEAT,
                                                                             "dispatched").id
        session.commit()
    first, second = svc.app.state.sessions(), svc.app.state.sessions()
    for moment, session in ((at(10, 2), first), (at(10, 3), second)):
        History(session, "-").audit(session.get(Ticket, ticket_id), "dispatch", moment)
        session.flush()
    facts.refresh(first, [ticket_id])                 # holds the ticket until it commits
    waiting = threading.Thread(target=second.commit)   # re-derives the same ticket: waits for the first
    waiting.start()
    time.sleep(0.5)
    first.commit()
    waiting.join(timeout=30)
    first.close(), second.close()
    kept = fact_rows(svc)
    assert kept == rebuilt(svc) and sum(row[0][0] == "dispatched" for row in kept) == 1
