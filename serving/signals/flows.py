"""Signals at intake: stored with the suggestion; the text's urgency becomes the ticket's until dispatch; a 立即办
ticket alerts the supervisors at once (`ticket.urgent`) and each raised flag goes to its watchers
(`ticket.flagged`), through the outbox and in the audit log."""
from __future__ import annotations

import logging

from serving.outbox.service import emit
from serving.signals.service import analyse
from serving.signals.watchers import watchers_from_env
from serving.suggestions.models import Suggestion
from serving.tickets import service
from serving.tickets.models import Ticket

log = logging.getLogger("jiesu.signals")
URGENT_NOW = "立即办"


def at_intake(ctx, ticket: Ticket, suggestion: Suggestion) -> dict:
    """Detect, store and announce; without a detector nothing is stored and nothing announced."""
    if ctx.signals is None:
        return {}
    found = analyse(ctx.signals, ctx.suggester, ctx.catalogue, text=ticket.text, title=ticket.title,
                    address=ticket.address, district=ticket.district, street=ticket.street, advice=suggestion.advice)
    suggestion.signals = found
    if "error" not in found:
        ticket.urgency = found["urgency"]["level"]
        announce(ctx, ticket, found)
    return found


def _watchers() -> dict[str, tuple[str, ...]]:
    try:
        return watchers_from_env()
    except ValueError:
        log.exception("the watchers setting is malformed; signals are announced without named watchers")
        return {}


def announce(ctx, ticket: Ticket, found: dict) -> None:
    """One outbox event per raised signal, addressed to its watchers, and one audit entry naming them all."""
    watchers = _watchers()
    urgency = found["urgency"]
    raised = []
    base = {"number": ticket.number, "source": found["source"]}
    if urgency["level"] == URGENT_NOW:
        raised.append(URGENT_NOW)
        emit(ctx.session, kind="ticket.urgent", ticket_id=ticket.id, now=ctx.now,
             payload=base | {"urgency": URGENT_NOW, "score": urgency["score"], "evidence": urgency["evidence"],
                             "watchers": list(watchers.get(URGENT_NOW, ()))})
    for flag in found["flags"]:
        raised.append(flag["name"])
        emit(ctx.session, kind="ticket.flagged", ticket_id=ticket.id, now=ctx.now,
             payload=base | {"flag": flag["name"], "score": flag["score"], "evidence": flag["evidence"],
                             "watchers": list(watchers.get(flag["name"], ()))})
    if raised:
        service.record(ctx.session, ticket=ticket, principal=ctx.principal, action="signals", before=ticket.status,
                       now=ctx.now, reason="、".join(raised),
                       details={"watchers": {name: list(watchers.get(name, ())) for name in raised}})
