"""Deliver outbox events to webhook subscribers: signed POSTs, exponential backoff, nothing lost on restart.

Every event is fanned out into one delivery row per matching subscriber in the database; a delivery is
marked done only after the subscriber answered 2xx, so a crash at any point means a retry, never a loss
(subscribers de-duplicate on the event id)."""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.outbox.models import Delivery, OutboxEvent, Subscription

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)


@dataclass
class DeliveryResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at 6 hours."""
    return min(BASE_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def fan_out(session: Session, *, now: datetime, batch: int = 1000) -> int:
    """Create the delivery rows of events not yet fanned out (idempotent: one row per event and subscriber).

    With no subscriber, events wait; a subscriber added later receives the backlog."""
    subscriptions = list(session.scalars(select(Subscription).where(Subscription.active.is_(True))))
    if not subscriptions:
        return 0
    events = list(session.scalars(select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
                                  .order_by(OutboxEvent.id).limit(batch)))
    existing = {(d.event_id, d.subscription_id) for d in session.scalars(
        select(Delivery).where(Delivery.event_id.in_([e.id for e in events])))}
    created = 0
    for event in events:
        for sub in subscriptions:
            if (not sub.kinds or event.kind in sub.kinds) and (event.id, sub.id) not in existing:
                session.add(Delivery(event_id=event.id, subscription_id=sub.id, next_attempt_at=now))
                created += 1
        event.delivered_at = now   # fanned out: the per-subscriber rows carry it from here
    return created


def _attempt(client: httpx.Client, delivery: Delivery, event: OutboxEvent, sub: Subscription) -> str | None:
    """POST one event; None on success, else the reason."""
    body = json.dumps({"id": event.id, "kind": event.kind, "ticket_id": event.ticket_id,
                       "created_at": event.created_at.isoformat(), "payload": event.payload},
                      ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json", "X-Jiesu-Event": event.kind, "X-Jiesu-Event-Id": str(event.id),
               "X-Jiesu-Signature": signature(sub.secret, body)}
    try:
        response = client.post(sub.url, content=body, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if response.is_success else f"HTTP {response.status_code}: {response.text[:200]}"


def deliver_due(session: Session, *, client: httpx.Client, now: datetime, limit: int = 200) -> DeliveryResult:
    """Fan out new events, then attempt every delivery that is due; commit after each attempt."""
    fan_out(session, now=now)
    session.commit()
    result = DeliveryResult()
    due = session.scalars(select(Delivery).where(Delivery.delivered_at.is_(None), Delivery.failed_at.is_(None),
                                                 Delivery.next_attempt_at <= now)
                          .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)).all()
    for delivery in due:
        event = session.get(OutboxEvent, delivery.event_id)
        sub = session.get(Subscription, delivery.subscription_id)
        error = _attempt(client, delivery, event, sub)
        delivery.attempts += 1
        if error is None:
            delivery.delivered_at = now
            result.delivered += 1
        else:
            delivery.last_error = error
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.failed_at = now
                result.failed += 1
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                result.retried += 1
        session.commit()
    return result
