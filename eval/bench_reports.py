"""Benchmark: the monthly bulletin (and, for comparison, a weekly analysis and a daily report) on a database of
100,000 generated tickets (SQLite, and PostgreSQL when reachable).

    .venv/bin/python eval/bench_reports.py [--tickets 100000] [--runs 3] [--month 2026-10] [--no-postgres]

Reads the generated history from $JIESU_HOME/corpus/tickets.jsonl when it holds enough tickets (else generates it as
eval/bench_indicators.py does), loads it into a fresh SQLite database under a temporary directory and into a fresh
schema of the test PostgreSQL (as bench_indicators does: a decided suggestion per dispatched ticket, ANALYZE), and
scans the month's hot spots so the bulletin has warnings to list. Then it times the whole report — figures from the
database, five charts drawn as SVG and PNG, the HTML page and the XLSX workbook written — the first run in a fresh
process (matplotlib imported, fonts looked up) and the p50 and slowest of --runs runs after it, in seconds, with the
time of each stage. The target is ≤ 30 s for the monthly bulletin."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench_indicators import POSTGRES, drop_schema, generate, load, postgres_schema

from catalog import load_catalogue
from catalog.deadlines import TZ
from serving.analytics import hotspots
from serving.analytics.reports import charts, page, workbook
from serving.analytics.reports.figures import gather
from serving.analytics.reports.periods import Kind, parse
from serving.db import make_engine, session_factory

STAGES = ("figures", "charts", "html", "xlsx")


def history(tickets: int, seed: int, catalogue) -> list[dict]:
    """The generated history: the corpus under $JIESU_HOME when it is big enough, else generated here."""
    corpus = Path(os.environ.get("JIESU_HOME") or "var") / "corpus" / "tickets.jsonl"
    if corpus.is_file():
        with corpus.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        if len(rows) >= tickets:
            print(f"read {tickets} of {len(rows)} tickets from {corpus}")
            return rows[:tickets]
    started = time.perf_counter()
    rows = generate(tickets, seed, catalogue)
    print(f"generated {len(rows)} tickets in {time.perf_counter() - started:.0f} s")
    return rows


def scan_hotspots(sessions, catalogue, period) -> int:
    """Store the hot-spot warnings of the period's days, as the daily `jiesu hotspots` would have."""
    with sessions() as session:
        found = hotspots.scan(session, catalogue=catalogue, now=period.end - timedelta(seconds=1),
                              days=len(period.days))
        session.commit()
    return len(found)


def once(sessions, catalogue, period, now: datetime, out: Path) -> dict[str, float]:
    """One report written to `out`: seconds per stage."""
    seconds, started = {}, time.perf_counter()
    with sessions() as session:
        figures = gather(session, catalogue=catalogue, period=period, now=now)
    seconds["figures"], started = time.perf_counter() - started, time.perf_counter()
    drawn = charts.charts(figures)
    seconds["charts"], started = time.perf_counter() - started, time.perf_counter()
    (out / "report.html").write_text(page.render(figures, drawn), encoding="utf-8")
    seconds["html"], started = time.perf_counter() - started, time.perf_counter()
    workbook.write(out / "report.xlsx", figures, drawn)
    seconds["xlsx"] = time.perf_counter() - started
    seconds["total"] = sum(seconds.values())
    return seconds


def bench(url: str, catalogue, month: str, runs: int, out: Path) -> list[tuple[str, dict, dict, dict]]:
    """(report, first run, p50 per stage, slowest per stage) for the month, its last week and its last day."""
    engine = make_engine(url)
    sessions = session_factory(engine)
    monthly = parse(Kind.MONTHLY, month, now=datetime.now(TZ))
    now = monthly.end + timedelta(days=4, hours=10)
    last = monthly.last
    week = parse(Kind.WEEKLY, "{}-W{:02d}".format(*last.isocalendar()[:2]), now=now)
    reports = [monthly, week, parse(Kind.DAILY, last.isoformat(), now=now)]
    print(f"hot-spot warnings stored for {monthly.key}: {scan_hotspots(sessions, catalogue, monthly)}")
    results = []
    for period in reports:
        name = f"{period.kind.value} {period.key}"
        folder = out / period.kind.value
        folder.mkdir(parents=True, exist_ok=True)
        first = once(sessions, catalogue, period, now, folder)
        timings = [once(sessions, catalogue, period, now, folder) for _ in range(runs)]
        p50 = {k: statistics.median(t[k] for t in timings) for k in (*STAGES, "total")}
        worst = {k: max(t[k] for t in timings) for k in (*STAGES, "total")}
        results.append((name, first, p50, worst))
        sizes = ", ".join(f"{f.name} {f.stat().st_size / 1024:.0f} KiB" for f in sorted(folder.iterdir()))
        print(f"  {name}: first {first['total']:.1f} s, p50 {p50['total']:.1f} s ({sizes})")
    engine.dispose()
    return results


def print_table(title: str, results: list) -> None:
    print(f"\n{title}; seconds: first run / p50 / slowest, then the p50 of each stage")
    print(f"{'report':22} {'first':>6} {'p50':>6} {'max':>6}   " + " ".join(f"{s:>8}" for s in STAGES))
    for name, first, p50, worst in results:
        print(f"{name:22} {first['total']:6.1f} {p50['total']:6.1f} {worst['total']:6.1f}   "
              + " ".join(f"{p50[s]:8.2f}" for s in STAGES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--month", default="2026-10", help="the month to report (the history ends in October 2026)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--keep", type=Path, help="copy the generated reports here (to look at them)")
    args = parser.parse_args()
    catalogue = load_catalogue()
    rows = history(args.tickets, args.seed, catalogue)
    scratch = Path(tempfile.mkdtemp(prefix="jiesu-bench-reports-"))
    targets = [("SQLite", f"sqlite:///{scratch / 'jiesu.db'}")]
    schema = None if args.no_postgres else postgres_schema()
    if schema:
        targets.append(("PostgreSQL", f"{POSTGRES}?options=-csearch_path%3D{schema}"))
    elif not args.no_postgres:
        print(f"PostgreSQL is not reachable at {POSTGRES}: SQLite only")
    try:
        for name, url in targets:
            load_s = load(url, rows, catalogue, name)
            out = scratch / "reports" / name
            print_table(f"{name}: {len(rows)} tickets (loaded in {load_s:.0f} s)",
                        bench(url, catalogue, args.month, args.runs, out))
            if args.keep:
                shutil.copytree(out, args.keep / name, dirs_exist_ok=True)
    finally:
        shutil.rmtree(scratch)
        if schema:
            drop_schema(schema)


if __name__ == "__main__":
    main()
