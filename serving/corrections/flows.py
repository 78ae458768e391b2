"""The shadow model at intake: it predicts beside the current one, its answer is stored, and nothing it does
(slow, failing) changes what the ticket gets."""
from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy.orm import Session

from serving.corrections import service

log = logging.getLogger("jiesu.shadow")
SHADOW_TOP_K = 3


def shadow_predict(session: Session, *, shadow, ticket_id: int, text: str, title: str, now: datetime) -> None:
    """Store the shadow's top leaves for the ticket; a failure is stored and logged, never raised."""
    if shadow is None:
        return
    started = time.perf_counter()
    candidates, error = [], ""
    try:
        prediction = shadow.predict([text], [title], SHADOW_TOP_K)[0]
        candidates = [{"leaf": p.leaf, "probability": round(p.score, 4), "trained": p.trained} for p in prediction.paths]
    except Exception as exc:  # noqa: BLE001 — a shadow failure is recorded and logged; intake goes on
        log.exception("shadow model %s failed for ticket %s", shadow.version, ticket_id)
        error = f"{type(exc).__name__}: {exc}"[:1000]
    service.record_shadow(session, ticket_id=ticket_id, version=shadow.version, candidates=candidates, error=error,
                          latency_ms=round((time.perf_counter() - started) * 1000, 2), now=now)
