"""Prometheus metrics: request counts and latencies per route, and ticket counts per status at scrape time."""
from __future__ import annotations

import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select

from serving.tickets.models import Ticket


def install(app: FastAPI) -> None:
    registry = CollectorRegistry()
    requests = Counter("jiesu_http_requests_total", "HTTP requests", ["method", "route", "status"],
                       registry=registry)
    latency = Histogram("jiesu_http_request_seconds", "HTTP request latency", ["method", "route"],
                        registry=registry, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
    tickets = Gauge("jiesu_tickets", "Tickets by status", ["status"], registry=registry)

    @app.middleware("http")
    async def measure(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")   # the template, not the URL: bounded label values
        requests.labels(request.method, path, str(response.status_code)).inc()
        latency.labels(request.method, path).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        with app.state.sessions() as session:
            for status, count in session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)):
                tickets.labels(status).set(count)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
