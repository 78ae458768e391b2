"""Benchmark: the indicator queries per cut on a database of generated history (SQLite, and PostgreSQL when reachable).

    .venv/bin/python eval/bench_indicators.py [--tickets 100000] [--runs 5] [--month 2026-10] [--no-postgres]
                                              [--keep DIR [--load-only]]

Generates N tickets of two-year demo history (the same generator as `jiesu data load`), loads them into a fresh
SQLite database under a temporary directory (and into a fresh schema of the test PostgreSQL), then times
`serving.analytics.service.indicators` per cut over one month, over the twelve months that end with it and over
the whole history, and a ranking (three months of one indicator); then what keeping the indicator facts adds to a
commit (re-deriving one ticket's facts). Prints the p50 and the slowest of --runs runs
after one warm-up, in milliseconds, on the schema as the migrations make it.

With --keep DIR the databases outlive the run (DIR/jiesu.db and the PostgreSQL schema bench_kept) and a later run
with the same --tickets and --seed times them again without generating or loading (migrations are still applied):
load once with --load-only while the machine is busy, time later on a quiet one.

The generated history records no suggestions; the benchmark adds one per dispatched ticket (decided by an agent at
the dispatch time) so that the 建议采纳率 query has rows to count."""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import insert, select
from tqdm import tqdm

from catalog import load_catalogue
from serving.analytics import facts, flows, service
from serving.analytics.definitions import Cut
from serving.auth.models import Principal
from serving.db import make_engine, session_factory
from serving.migrate import upgrade
from serving.suggestions.models import Suggestion
from serving.tickets.history import load_history
from serving.tickets.models import Ticket

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KEPT_SCHEMA = "bench_kept"
CHUNK = 2000
SUPERVISOR = Principal(name="bench", role="supervisor", unit=None, key_hash="-", active=True)


def generate(tickets: int, seed: int, catalogue) -> list[dict]:
    from training.corpus.splits import SplitConfig, held_out_text_split, pairs_of
    from training.corpus.texts import load_texts
    from training.generate.tickets import GeneratorConfig, HistoryGenerator

    texts, problems = load_texts(catalogue)
    if problems:
        raise SystemExit(f"{len(problems)} problem(s) in the hand-written texts; run `jiesu data texts`")
    splits = held_out_text_split(texts, SplitConfig(seed=seed), pairs_of(texts))
    return HistoryGenerator(catalogue, texts, {t.text_id: s for t, s in zip(texts, splits)},
                            GeneratorConfig(tickets=tickets, seed=seed)).generate()


def load(url: str, rows: list[dict], catalogue, label: str) -> float:
    """Migrate, load the history in chunks and add the suggestions; the seconds it took."""
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with tqdm(total=len(rows), desc=f"loading {label}", unit="ticket") as bar:
        for offset in range(0, len(rows), CHUNK):
            chunk = rows[offset:offset + CHUNK]
            with sessions() as session:
                load_history(session, rows=chunk, catalogue=catalogue)
            bar.update(len(chunk))
    with sessions() as session:
        add_suggestions(session, catalogue.version)
    engine.dispose()
    return time.perf_counter() - started


def add_suggestions(session, version: str) -> None:
    """One decided suggestion per dispatched ticket; every fourth one not accepted."""
    dispatched = session.execute(select(Ticket.id, Ticket.leaf, Ticket.dispatched_at, Ticket.created_at)
                                 .where(Ticket.dispatched_at.is_not(None))).all()
    values = [{"ticket_id": i, "status": "ok", "source": "bench", "catalogue_version": version,
               "candidates": [{"leaf": leaf, "probability": 0.9, "evidence": []}], "created_at": created,
               "chosen_leaf": leaf, "accepted": i % 4 != 0, "decided_by": "history-agent", "decided_at": at}
              for i, leaf, at, created in dispatched]
    for offset in range(0, len(values), 5000):
        session.execute(insert(Suggestion), values[offset:offset + 5000])
    facts.refresh(session, [value["ticket_id"] for value in values])   # bulk statements bypass the session's hooks
    session.commit()


def timed(runs: int, call) -> tuple[float, float, int]:
    """(p50 ms, max ms, rows) over `runs` runs after one warm-up."""
    rows = len(call())
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, max(seconds) * 1000, rows


def bench(url: str, catalogue, periods: dict[str, flows.Period], runs: int) -> list[tuple]:
    """Timings per cut for each period, and the monthly ranking of the first period (the month)."""
    first_label, month = next(iter(periods.items()))
    engine = make_engine(url)
    vacuumed(engine)
    sessions = session_factory(engine)
    results = []

    def over(period: flows.Period, by: Cut):
        def call():
            with sessions() as session:
                return service.indicators(session, catalogue=catalogue, start=period.start, end=period.end, by=by)
        return call

    for by in Cut:
        timings = {label: timed(runs, over(period, by)) for label, period in periods.items()}
        results.append((by.value, timings[first_label][2], {label: t[:2] for label, t in timings.items()}))

    def ranking():
        with sessions() as session:
            return flows.ranking(session, catalogue=catalogue, principal=SUPERVISOR, month=f"{month.start:%Y-%m}",
                                 by="district", indicator_name="满意率").rows

    p50, worst, rows = timed(runs, ranking)
    results.append(("ranking 满意率 by district", rows, {first_label: (p50, worst)}))
    engine.dispose()
    return results


def vacuumed(engine) -> None:
    """PostgreSQL: what autovacuum does for a database in service, done now — statistics, and the visibility map
    that lets the facts' covering index answer without the table (a previous run's write-cost step, rolled back,
    still cleared it on the pages it touched)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))


def postgres_schema(name: str | None = None) -> str | None:
    """A schema on the test PostgreSQL (a fresh one unless named), or None when it is not reachable."""
    try:
        with sa.create_engine(POSTGRES).begin() as conn:
            schema = name or f"bench_{uuid.uuid4().hex[:10]}"
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
            return schema
    except sa.exc.OperationalError:
        return None


def drop_schema(schema: str) -> None:
    with sa.create_engine(POSTGRES).begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


class Kept:
    """What a --keep directory holds: which databases are loaded with which history (DIR/loaded.json)."""

    def __init__(self, directory: Path, tickets: int, seed: int):
        self.file = directory / "loaded.json"
        directory.mkdir(parents=True, exist_ok=True)
        state = json.loads(self.file.read_text()) if self.file.exists() else {}
        same = state.get("tickets") == tickets and state.get("seed") == seed
        self.state = state if same else {"tickets": tickets, "seed": seed, "loaded": []}

    def loaded(self, name: str) -> bool:
        return name in self.state["loaded"]

    def mark(self, name: str, first: datetime) -> None:
        self.state["loaded"] = sorted({*self.state["loaded"], name})
        self.state["first"] = first.isoformat()
        self.file.write_text(json.dumps(self.state))


def print_table(title: str, results: list[tuple], labels: list[str]) -> None:
    print(f"\n{title}; indicators per cut, p50 / max ms")
    print(f"{'cut':28} {'rows':>5} " + " ".join(f"{label:>18}" for label in labels))
    for name, rows, timings in results:
        cells = [f"{timings[label][0]:8.0f} / {timings[label][1]:<7.0f}" if label in timings else "" for label in labels]
        print(f"{name:28} {rows:5d} " + " ".join(f"{cell:>18}" for cell in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--month", default="2026-10", help="the month to time (the history ends in October 2026)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the loaded databases here and reuse them next time")
    parser.add_argument("--load-only", action="store_true", help="with --keep: load, time nothing")
    args = parser.parse_args()
    if args.load_only and not args.keep:
        parser.error("--load-only needs --keep DIR: a database loaded and thrown away would be wasted")
    catalogue = load_catalogue()
    kept = Kept(args.keep, args.tickets, args.seed) if args.keep else None
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="jiesu-bench-indicators-"))
    targets = [("SQLite", f"sqlite:///{scratch / 'jiesu.db'}")]
    schema = None if args.no_postgres else postgres_schema(KEPT_SCHEMA if kept else None)
    if schema:
        targets.append(("PostgreSQL", f"{POSTGRES}?options=-csearch_path%3D{schema}"))
    elif not args.no_postgres:
        print(f"PostgreSQL is not reachable at {POSTGRES}: SQLite only")
    try:
        rows, first = None, datetime.fromisoformat(kept.state["first"]) if kept and "first" in kept.state else None
        for name, url in targets:
            if kept and kept.loaded(name):
                upgrade(url)
                title = f"{name}: {args.tickets} tickets (kept in {args.keep})"
            else:
                if kept:      # a half-loaded database of an interrupted run: start it again
                    reset(name, scratch / "jiesu.db", schema)
                if rows is None:
                    rows, first = generated(args.tickets, args.seed, catalogue)
                title = f"{name}: {len(rows)} tickets (loaded in {load(url, rows, catalogue, name):.0f} s)"
                if kept:
                    kept.mark(name, first)
            if not args.load_only:
                periods = periods_to(args.month, first)
                print_table(title, bench(url, catalogue, periods, args.runs), list(periods))
                print_write_cost(url)
    finally:
        if not kept:
            shutil.rmtree(scratch)
            if schema:
                drop_schema(schema)


def print_write_cost(url: str, tickets: int = 200) -> None:
    """What keeping the facts adds to a commit: re-deriving one ticket's facts, for tickets spread over the
    history (each in its own transaction, rolled back)."""
    engine = make_engine(url)
    with session_factory(engine)() as session:
        ids = list(session.scalars(select(Ticket.id).order_by(Ticket.id)))
    picked = ids[::max(1, len(ids) // tickets)][:tickets]
    seconds = []
    with session_factory(engine)() as session:
        for ticket_id in picked:
            started = time.perf_counter()
            facts.refresh(session, [ticket_id])
            seconds.append(time.perf_counter() - started)
            session.rollback()
    engine.dispose()
    p95 = sorted(seconds)[int(len(seconds) * 0.95)]
    print(f"re-deriving one ticket's facts (what a commit that changes it adds), {len(picked)} tickets: "
          f"p50 {statistics.median(seconds) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")


def reset(name: str, sqlite_file: Path, schema: str | None) -> None:
    if name == "SQLite":
        sqlite_file.unlink(missing_ok=True)
    elif schema:
        drop_schema(schema)
        postgres_schema(schema)


def generated(tickets: int, seed: int, catalogue) -> tuple[list[dict], datetime]:
    """The history's rows and when its first ticket came in."""
    started = time.perf_counter()
    rows = generate(tickets, seed, catalogue)
    print(f"generated {len(rows)} tickets in {time.perf_counter() - started:.0f} s")
    return rows, min(datetime.fromisoformat(r["received_at"]) for r in rows)


def periods_to(month: str, first: datetime) -> dict[str, flows.Period]:
    """The month, the 12 months that end with it, and the whole history up to it."""
    period = flows.month_period(month)
    year, number = period.start.year, period.start.month
    return {f"month {month}": period,
            "12 months": flows.Period(flows.Period.month(year - (number < 12), number % 12 + 1).start, period.end),
            "whole history": flows.Period(flows.Period.month(first.year, first.month).start, period.end)}


if __name__ == "__main__":
    main()
