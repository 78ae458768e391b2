"""Asking the suggester at intake: fail soft — the ticket is accepted whatever the model does."""
from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy.orm import Session

from catalog import Catalogue
from serving.suggestions.models import Suggestion
from serving.suggestions.service import pack_vector

log = logging.getLogger("jiesu.suggestions")
TOP_K = 3


SIMILAR_STORED = 5


def suggest(session: Session, *, suggester, catalogue: Catalogue, ticket_id: int, text: str, now: datetime,
            title: str = "", address: str = "", district: str | None = None, street: str | None = None) -> Suggestion:
    """Store what the suggester proposes (with place, units and similar cases when it can advise); a missing or
    failing model is recorded, never raised to the caller."""
    row = Suggestion(ticket_id=ticket_id, status="unavailable", source="none", catalogue_version=catalogue.version,
                     created_at=now)
    if suggester is not None:
        row.source = suggester.version
        started = time.perf_counter()
        try:
            candidates = _ask(suggester, row, text, title, address, district, street)
        except Exception as exc:  # noqa: BLE001 — any model failure: recorded and logged, intake goes on
            log.exception("suggester %s failed for ticket %s", suggester.version, ticket_id)
            row.status, row.error = "error", f"{type(exc).__name__}: {exc}"[:1000]
        else:
            row.status = "ok" if candidates else "empty"
            row.candidates = [{"leaf": c.leaf, "probability": round(c.probability, 4), "evidence": list(c.evidence)}
                              for c in candidates if c.leaf in catalogue]
        row.latency_ms = round((time.perf_counter() - started) * 1000, 2)
    session.add(row)
    return row


def _ask(suggester, row: Suggestion, text: str, title: str, address: str, district: str | None,
         street: str | None) -> list:
    """The candidates; an advising suggester also fills the row's advice from the same encoder pass."""
    if not hasattr(suggester, "advise"):
        return suggester.suggest(f"{title}\n{text}" if title else text, k=TOP_K)
    from model.suggester import candidates_of

    advice = suggester.advise(text, title=title, address=address, district=district, street=street)
    row.advice = advice.to_json(similar=SIMILAR_STORED)
    if advice.embedding is not None:
        row.vector = pack_vector(advice.embedding)
    return candidates_of(advice.prediction, TOP_K) if advice.prediction else []
