"""JSON Lines requests for batch prediction: each line checked on its own; bad lines are reported with their
line number and the rest are still processed."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Iterator

MAX_TEXT = 5000


@dataclass(frozen=True)
class Request:
    line: int
    id: object
    text: str
    title: str


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def to_json(self) -> dict:
        return {"line": self.line, "error": self.message}


def _check(line_no: int, raw: str) -> Request | LineError:
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        return LineError(line_no, f"not JSON ({exc.msg} at column {exc.colno}); each line must be one object "
                                  '{"id": …, "text": …, "title"?: …}')
    if not isinstance(item, dict):
        return LineError(line_no, f"expected a JSON object, got {type(item).__name__}")
    unknown = set(item) - {"id", "text", "title"}
    if unknown:
        return LineError(line_no, f"unknown field(s) {sorted(unknown)}; allowed: id, text, title")
    if "id" not in item:
        return LineError(line_no, 'missing "id"')
    text, title = item.get("text"), item.get("title", "")
    if not isinstance(text, str) or not text.strip():
        return LineError(line_no, '"text" must be a non-empty string')
    if not isinstance(title, str):
        return LineError(line_no, '"title" must be a string when given')
    if len(text) > MAX_TEXT:
        return LineError(line_no, f'"text" has {len(text)} characters; the limit is {MAX_TEXT}')
    return Request(line_no, item["id"], text, title or "")


def read_requests(lines: Iterable[str]) -> Iterator[Request | LineError]:
    """Requests and errors in input order; blank lines are skipped."""
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            yield _check(number, raw)


def chunks(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
