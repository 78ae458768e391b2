"""`jiesu eval-spikes`: the spike detector and the seasonal outlook measured on the generated history."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from serving.cli.common import fail, settings_for

OUTLOOK_DAYS = ("2026-10-20", "2026-07-20")   # before the heating season, in the flood season


def eval_spikes(corpus: Annotated[Optional[Path], typer.Option(help="Generated history (default "
                                                               "$JIESU_HOME/corpus).")] = None,
                out: Annotated[Optional[Path], typer.Option(help="Report file (default "
                                                            "$JIESU_HOME/eval/spikes.json).")] = None,
                alpha: Annotated[float, typer.Option(help="Poisson tail below which a day is a spike.")] = 1e-6,
                min_count: Annotated[int, typer.Option(help="Fewest tickets a warning needs.")] = 5) -> None:
    """Scan every day of the history: are the injected bursts found on their first or second day, and how many
    warnings a week does nothing explain? Also the seasonal outlook before the heating and flood seasons."""
    from serving.analytics.spikes import SpikePolicy
    from training.evaluation.spikes import evaluate_spikes, outlooks

    home = settings_for(None).home
    source = (corpus or home / "corpus") / "tickets.jsonl"
    if not source.is_file():
        raise fail(f"no generated history at {source}; run `jiesu data generate --tickets 100000 --seed 7`")
    fields = ("received_at", "leaf", "path", "district", "event")
    with source.open(encoding="utf-8") as fh:
        rows = [{k: r.get(k) for k in fields} for r in map(json.loads, fh)]
    policy = SpikePolicy(alpha=alpha, min_count=min_count)
    report = evaluate_spikes(rows, policy)
    report["outlook"] = outlooks(rows, [date.fromisoformat(d) for d in OUTLOOK_DAYS], policy=policy)
    target = out or home / "eval" / "spikes.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    for name, found in report["events"].items():
        typer.echo(f"{name}: {'found' if found['detected'] else 'MISSED'}, day {found['delay_days']} "
                   f"(first day {found['first_day']}), {found['warnings']} warnings")
    typer.echo(f"false warnings: {report['false_warnings']} over {report['days_scanned']} days "
               f"({report['false_per_week']} a week); report: {target}")


def scan_hotspots(every: Annotated[int, typer.Option(min=0, help="Seconds between scans; 0 scans once.")] = 0
                  ) -> None:
    """Scan today's and yesterday's tickets for spikes; new warnings go to the outbox (safe to rerun)."""
    import time
    from datetime import datetime

    from catalog.deadlines import TZ
    from serving.analytics.hotspots import scan
    from serving.cli.common import open_catalogue
    from serving.db import make_engine, session_factory

    catalogue = open_catalogue(None)
    sessions = session_factory(make_engine(settings_for(None).database))
    while True:
        with sessions() as session:
            found = scan(session, catalogue=catalogue, now=datetime.now(TZ))
            session.commit()
        for w in found:
            typer.echo(f"{w.day} {w.district} {catalogue.path_name(w.code)}: {w.count} tickets, expected "
                       f"{w.expected:.1f} → {', '.join(w.units) or '-'}")
        typer.echo(f"{datetime.now(TZ):%Y-%m-%d %H:%M:%S} {len(found)} new hot-spot warnings")
        if not every:
            return
        time.sleep(every)
