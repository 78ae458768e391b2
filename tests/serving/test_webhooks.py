"""Outbox → webhooks: signed, filtered by kind, retried with backoff, never lost, never delivered twice."""
import hashlib
import hmac
import json
from datetime import timedelta

import httpx

from serving.outbox.delivery import MAX_ATTEMPTS, backoff, deliver_due
from serving.outbox.models import Delivery, Subscription
from tests.serving.test_ticket_workflow import HEAT, register


class Subscriber:
    """The outside system: records what it receives and answers with the status it is told to."""

    def __init__(self):
        self.received, self.status = [], 200

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        return httpx.Response(self.status)


def subscribe(svc, kinds=(), secret="s3cret-for-tests"):
    with svc.app.state.sessions() as session:
        session.add(Subscription(url="https://city.example/hooks", kinds=list(kinds), secret=secret,
                                 created_at=svc.clock()))
        session.commit()


def deliver(svc, subscriber):
    with svc.app.state.sessions() as session, httpx.Client(transport=httpx.MockTransport(subscriber)) as client:
        return deliver_due(session, client=client, now=svc.clock())


def dispatched_and_closed(svc):
    t = register(svc)
    svc.ok("agent", "POST", f"/{t['id']}/dispatch", json={"leaf": HEAT})
    svc.ok("heating_supply", "POST", f"/{t['id']}/sign")
    svc.ok("heating_supply", "POST", f"/{t['id']}/reply", json={"text": "已上门维修，室温恢复到20度。"})
    svc.ok("agent", "POST", f"/{t['id']}/visit", json={"satisfaction": "满意"})
    svc.ok("agent", "POST", f"/{t['id']}/close")
    return t


def test_events_are_signed_and_delivered_once(svc):
    subscribe(svc)
    dispatched_and_closed(svc)
    subscriber = Subscriber()
    assert deliver(svc, subscriber).delivered == 2
    first = subscriber.received[0]
    body = first.content
    assert json.loads(body)["kind"] == "ticket.dispatched" and first.headers["X-Jiesu-Event"] == "ticket.dispatched"
    expected = "sha256=" + hmac.new(b"s3cret-for-tests", body, hashlib.sha256).hexdigest()
    assert first.headers["X-Jiesu-Signature"] == expected
    assert deliver(svc, subscriber).delivered == 0 and len(subscriber.received) == 2


def test_kinds_filter(svc):
    subscribe(svc, kinds=["ticket.closed"])
    dispatched_and_closed(svc)
    subscriber = Subscriber()
    deliver(svc, subscriber)
    assert [json.loads(r.content)["kind"] for r in subscriber.received] == ["ticket.closed"]


def test_failures_back_off_and_are_kept_until_delivered_or_given_up(svc):
    subscribe(svc, kinds=["ticket.dispatched"])
    dispatched_and_closed(svc)
    down = Subscriber()
    down.status = 503
    assert deliver(svc, down).retried == 1
    assert deliver(svc, down).retried == 0                      # not due yet: backing off
    svc.clock.advance(seconds=backoff(1).total_seconds())
    assert deliver(svc, down).retried == 1
    with svc.app.state.sessions() as session:
        [row] = session.query(Delivery).all()
        assert row.attempts == 2 and "HTTP 503" in row.last_error
    up = Subscriber()
    svc.clock.advance(seconds=backoff(2).total_seconds())
    assert deliver(svc, up).delivered == 1 and len(up.received) == 1


def test_a_subscriber_that_never_answers_is_given_up_after_max_attempts(svc):
    subscribe(svc, kinds=["ticket.dispatched"])
    dispatched_and_closed(svc)

    def unreachable(request):
        raise httpx.ConnectError("connection refused", request=request)

    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = deliver(svc, unreachable)
        svc.clock.advance(seconds=backoff(attempt).total_seconds())
    assert result.failed == 1
    with svc.app.state.sessions() as session:
        [row] = session.query(Delivery).all()
        assert row.failed_at is not None and "ConnectError" in row.last_error


def test_backoff_grows_and_is_capped():
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert backoff(30) == timedelta(hours=6)
