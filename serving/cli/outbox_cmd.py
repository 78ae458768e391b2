"""`jiesu webhooks add` and `jiesu deliver`: subscribers of ticket events, and the delivery worker."""
from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Annotated, Optional

import typer

from serving.cli.common import fail, settings_for

webhooks = typer.Typer(help="Webhook subscribers of ticket events.", no_args_is_help=True)


def _sessions():
    from serving.db import make_engine, session_factory

    return session_factory(make_engine(settings_for(None).database))


@webhooks.command("add")
def add(url: Annotated[str, typer.Argument(help="http(s) URL that receives the events.")],
        kinds: Annotated[Optional[str], typer.Option(help="Comma-separated kinds, e.g. ticket.dispatched,"
                                                     "ticket.overdue (default: all).")] = None) -> None:
    """Subscribe a URL; prints the signing secret once (X-Jiesu-Signature: sha256=HMAC of the body)."""
    from catalog.deadlines import TZ
    from serving.outbox.models import Subscription

    if not url.startswith(("http://", "https://")):
        raise fail(f"url must start with http:// or https://, not {url!r}")
    secret = secrets.token_hex(24)
    with _sessions()() as session:
        session.add(Subscription(url=url, kinds=[k.strip() for k in (kinds or "").split(",") if k.strip()],
                                 secret=secret, created_at=datetime.now(TZ)))
        session.commit()
    typer.echo(secret)


def deliver(every: Annotated[int, typer.Option(min=0, help="Seconds between rounds; 0 runs once.")] = 0) -> None:
    """Deliver pending outbox events to subscribers (retries with backoff; safe to stop and restart)."""
    import httpx

    from catalog.deadlines import TZ
    from serving.outbox.delivery import deliver_due

    sessions = _sessions()
    with httpx.Client() as client:
        while True:
            with sessions() as session:
                result = deliver_due(session, client=client, now=datetime.now(TZ))
            typer.echo(f"delivered {result.delivered}, retrying {result.retried}, given up {result.failed}")
            if not every:
                return
            time.sleep(every)
