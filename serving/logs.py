"""Structured logs: one JSON object per line, personal data masked, one line per request with its request id."""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import datetime

from fastapi import FastAPI, Request

from catalog.deadlines import TZ

REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "client")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![\dXx])(\d{4})\d{10}(\d{3}[\dXx])(?![\dXx])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)\d{3,4}(\d{4})(?!\d)")
log = logging.getLogger("jiesu.http")


def mask_personal(text: str) -> str:
    """Mask mobile numbers (138****5678), resident ID numbers (2101**********123X) and landlines."""
    text = _ID_CARD.sub(lambda m: f"{m[1]}{'*' * 10}{m[2]}", text)
    text = _MOBILE.sub(r"\1****\2", text)
    return _LANDLINE.sub(r"\1****\2", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, TZ).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name,
                 "message": mask_personal(record.getMessage())}
        entry.update({f: getattr(record, f) for f in REQUEST_FIELDS if hasattr(record, f)})
        if record.exc_info:
            entry["error"] = mask_personal(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class MaskingFormatter(logging.Formatter):
    """Readable lines for a terminal, with the same masking."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal(super().format(record))


def configure(fmt: str = "json", level: str = "INFO") -> None:
    """Send every log record (the service's, uvicorn's, SQLAlchemy's) through one masked handler on stderr."""
    if fmt not in ("json", "text"):
        raise ValueError(f"log format must be json or text, not {fmt!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def install(app: FastAPI) -> None:
    """Give every request an id (X-Request-ID in, or a new one) echoed in the answer, and log one line for it."""

    @app.middleware("http")
    async def request_log(request: Request, call_next):
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        fields = {"request_id": request_id, "method": request.method, "path": mask_personal(request.url.path),
                  "status": response.status_code, "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                  "client": request.client.host if request.client else None}
        log.info("%s %s %s", request.method, fields["path"], response.status_code, extra=fields)
        return response
