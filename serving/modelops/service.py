"""The registry's operations for the API: each answers a bad request with a clear error (HTTP 404/409/422)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from fastapi import HTTPException

from model.classifier import ModelError
from model.registry import Registry

REPORT_FILE = "retrain-report.json"


def overview(home: Path) -> dict:
    registry = Registry.under(home)
    return {"current": registry.current_version(), "shadow": registry.shadow_version(),
            "versions": registry.versions(), "history": registry.history()}


def _call(action):
    try:
        return action()
    except ModelError as exc:
        status = 404 if "no model" in str(exc) else 409
        raise HTTPException(status, str(exc)) from exc


def report(home: Path, version: str) -> dict:
    directory = _call(lambda: Registry.under(home).path(version))
    path = directory / REPORT_FILE
    if not path.exists():
        raise HTTPException(404, f"model {version} was trained from scratch (`jiesu train`), not retrained: it has "
                            "no comparison report; `jiesu eval --model …` scores it")
    return json.loads(path.read_text(encoding="utf-8"))


def promote(home: Path, version: str, *, by: str, reason: str, at: datetime) -> dict:
    return _call(lambda: Registry.under(home).promote(version, by=by, reason=reason, at=at))


def rollback(home: Path, *, by: str, reason: str, at: datetime) -> dict:
    return _call(lambda: Registry.under(home).rollback(by=by, reason=reason, at=at))


def shadow(home: Path, version: str | None, *, by: str, reason: str, at: datetime) -> dict:
    return _call(lambda: Registry.under(home).set_shadow(version, by=by, reason=reason, at=at))
