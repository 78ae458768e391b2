"""`jiesu report daily|weekly|monthly|schedule`: the leaders' reports (日报, 周分析, 月度通报) as an HTML page and an
XLSX workbook with charts, on demand or on schedule (registered on the `report` app in report_cmd.py)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue, settings_for

OUT_HELP = "Folder for report.html and report.xlsx (default $JIESU_HOME/reports/<kind>/<period>/)."
CatalogOption = Annotated[Optional[Path], typer.Option("--catalog", help="Catalogue data directory.")]
OutOption = Annotated[Optional[Path], typer.Option("--out", help=OUT_HELP)]


def daily(day: Annotated[str, typer.Option("--date", help="The day, YYYY-MM-DD (Asia/Shanghai).")],
          out: OutOption = None, catalog: CatalogOption = None) -> None:
    """The daily report (日报) of one day, beside the day before."""
    _one("daily", day, out, catalog)


def weekly(week: Annotated[str, typer.Option(help="The ISO week, YYYY-Www (Monday to Sunday), e.g. 2026-W42.")],
           out: OutOption = None, catalog: CatalogOption = None) -> None:
    """The weekly analysis (周分析) of one ISO week, beside the week before."""
    _one("weekly", week, out, catalog)


def monthly(month: Annotated[str, typer.Option(help="The month, YYYY-MM, e.g. 2026-10.")],
            out: OutOption = None, catalog: CatalogOption = None) -> None:
    """The monthly bulletin (月度通报) of one month, beside the month before and the same month a year earlier."""
    _one("monthly", month, out, catalog)


def schedule(every: Annotated[int, typer.Option(min=0, help="Seconds between checks; 0 checks once.")] = 0,
             catalog: CatalogOption = None) -> None:
    """Generate the reports that are due and not on disk yet: yesterday's daily report, last week's weekly analysis
    (from Monday), last month's bulletin (from the 1st). Safe to stop, restart and run twice."""
    import time
    from datetime import datetime

    from catalog.deadlines import TZ
    from serving.analytics.reports import store

    catalogue = open_catalogue(catalog)
    settings = settings_for(catalog)
    while True:
        now = datetime.now(TZ)
        with _session(settings.database) as session:
            written = store.run_due(session, catalogue=catalogue, home=settings.home, now=now)
        _warn(written)
        echo_json({"checked_at": now.isoformat(timespec="seconds"), "generated": [w.as_json() for w in written]})
        if not every:
            return
        time.sleep(every)


def _one(kind: str, value: str, out: Path | None, catalog: Path | None) -> None:
    """Parse the period (exit 2 with what is wrong and how to write it), generate, print where the files are."""
    from datetime import datetime

    from catalog.deadlines import TZ
    from serving.analytics.flows import InputError
    from serving.analytics.reports import periods, store

    now = datetime.now(TZ)
    try:
        period = periods.parse(periods.Kind(kind), value, now=now)
    except InputError as exc:
        raise fail(str(exc)) from exc
    catalogue = open_catalogue(catalog)
    settings = settings_for(catalog)
    with _session(settings.database) as session:
        written = store.generate(session, catalogue=catalogue, period=period, now=now,
                                 out=out or store.folder(settings.home, period))
    _warn([written])
    echo_json(written.as_json())


@contextmanager
def _session(url: str) -> Iterator:
    from serving.db import make_engine, session_factory
    from serving.migrate import is_current

    if not is_current(url):
        raise fail(f"the database {url.split('://')[0]} is not at the latest migration; run `jiesu db upgrade`",
                   EXIT_INVALID)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _warn(written) -> None:
    for warning in dict.fromkeys(w for report in written for w in report.warnings):
        typer.echo(f"warning: {warning}", err=True)
