"""`jiesu supervise`: the supervision sweep, once or every N seconds (safe to stop and restart at any time)."""
from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

import typer

from serving.cli.common import open_catalogue, settings_for


def supervise(every: Annotated[int, typer.Option(min=0, help="Seconds between sweeps; 0 runs once.")] = 0) -> None:
    """Remind tickets near due (催办), move overdue ones into the 督办池, flag repeat complaints, sample closed
    tickets for 回头看."""
    from catalog.deadlines import TZ
    from serving.db import make_engine, session_factory
    from serving.supervision.flows import sweep

    city = open_catalogue(None).city
    sessions = session_factory(make_engine(settings_for(None).database))
    while True:
        with sessions() as session:
            result = sweep(session, now=datetime.now(TZ), city=city)
        typer.echo(f"{datetime.now(TZ):%Y-%m-%d %H:%M:%S} reminded {len(result.reminded)}, "
                   f"supervised {len(result.supervised)}, repeats {len(result.repeats)}, "
                   f"回头看 {len(result.lookback)}")
        if not every:
            return
        time.sleep(every)
