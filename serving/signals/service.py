"""Signals of a text for the service: the detector (the current learned model, else the keyword rules — loaded once
per app and again when `jiesu signals train` makes another version current), the split proposal, and the shapes
the API and the pages show (leaf paths, unit names)."""
from __future__ import annotations

import logging
import time

from sqlalchemy.orm import Session

from catalog import Catalogue
from catalog.rules import parse_unit_rule
from model.recommend import place_of
from model.signals.detect import load_detector
from model.signals.learned import CURRENT_FILE, signals_root
from model.signals.split import Splitter, boundary_of, span_classifier
from serving.catalogue.service import rule_name
from serving.suggestions.service import for_ticket
from serving.supervision.repeats import resolver_for

log = logging.getLogger("jiesu.signals")
LEVELS = ("一般", "紧急", "立即办")


def detector_for(app, suggester=None):
    """`app.state.signals` when set (tests, embedding callers), else the current signal model under the app's home
    (reloaded when the `current` marker changes), else the keyword rules."""
    state = app.state
    if getattr(state, "signals", None) is not None:
        return state.signals
    marker = signals_root(state.settings.home) / CURRENT_FILE
    stamp = (marker.stat().st_mtime_ns if marker.exists() else None, id(getattr(suggester, "classifier", None)))
    loaded = getattr(state, "signals_loaded", None)
    if loaded is None or loaded[0] != stamp:
        loaded = (stamp, load_detector(state.settings.home, getattr(suggester, "classifier", None)))
        state.signals_loaded = loaded
    return loaded[1]


def place(catalogue: Catalogue, text: str, address: str, district: str | None, street: str | None,
          advice: dict | None = None) -> tuple[str | None, str | None]:
    """(district, street) to resolve the split items' units: given, else the advice's, else the gazetteer's."""
    if district or street:
        return district, street
    resolved = (advice or {}).get("place") or {}
    if resolved.get("district"):
        return resolved.get("district"), resolved.get("street")
    found = place_of(resolver_for(catalogue.city).resolve(text, address))
    return found.district, found.street


def analyse(detector, suggester, catalogue: Catalogue, *, text: str, title: str = "", address: str = "",
            district: str | None = None, street: str | None = None, advice: dict | None = None,
            split: bool = True) -> dict:
    """Urgency, flags and (when `split`) the split proposal as stored with the suggestion; a failure is recorded
    in the answer ({'error': …}), never raised: intake goes on."""
    started = time.perf_counter()
    try:
        found = detector.detect(text, title).to_json()
        found["split"] = proposal(detector, suggester, catalogue, text, address, district, street, advice) \
            if split else None
    except Exception as exc:  # noqa: BLE001 — any model failure: recorded and logged, intake goes on
        log.exception("signal detection failed")
        return {"error": f"{type(exc).__name__}: {exc}"[:1000], "source": getattr(detector, "version", "none")}
    found["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return found


def proposal(detector, suggester, catalogue: Catalogue, text: str, address: str, district: str | None,
             street: str | None, advice: dict | None) -> dict | None:
    classify = span_classifier(suggester)
    if classify is None:
        return None
    model = getattr(detector, "model", None)
    splitter = Splitter(catalogue, classify, boundary_of(model), embed=model.embed if model is not None else None)
    found = splitter.propose(text)
    if found is None:
        return None
    return splitter.located(found, *place(catalogue, text, address, district, street, advice)).to_json()


def text_urgency(session: Session, *, ticket_id: int) -> str | None:
    """The urgency detected in the ticket's text at intake (None when nothing was detected)."""
    suggestion = for_ticket(session, ticket_id=ticket_id)
    signals = suggestion.signals if suggestion is not None else None
    return ((signals or {}).get("urgency") or {}).get("level")


def higher(*levels: str | None) -> str:
    return max((lv for lv in levels if lv in LEVELS), key=LEVELS.index, default=LEVELS[0])


def shown(catalogue: Catalogue, signals: dict | None) -> dict | None:
    """Stored signals with what a person reads beside the codes: leaf paths, unit and rule names."""
    if not signals:
        return None
    out = dict(signals)
    split = signals.get("split")
    if split:
        out["split"] = split | {"items": [_item(catalogue, item) for item in split["items"]]}
    return out


def _item(catalogue: Catalogue, item: dict) -> dict:
    leaf = item["leaf"]
    unit = item.get("unit")
    return item | {"path": catalogue.path_name(leaf) if leaf in catalogue else None,
                   "unit_name": _unit_name(catalogue, unit),
                   "rule_name": rule_name(catalogue, parse_unit_rule(item["rule"])) if item.get("rule") else None,
                   "alternatives": [a | {"path": catalogue.path_name(a["leaf"])}
                                    for a in item.get("alternatives", []) if a["leaf"] in catalogue]}


def _unit_name(catalogue: Catalogue, code: str | None) -> str | None:
    try:
        return catalogue.unit(code).name if code else None
    except KeyError:
        return None
