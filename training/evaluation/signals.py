"""Scores of an urgency / risk-flag detector on the hand-written signal texts: 立即办 and each flag's precision and
recall, and the urgency confusion; the keyword rules are scored the same way for comparison."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from training.corpus.signals import FLAGS, SignalText

Detector = Callable[[str], tuple[str, set[str]]]   # text → (urgency, flags)


def _pr(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return {"precision": round(precision, 4) if precision is not None else None,
            "recall": round(recall, 4) if recall is not None else None, "support": tp + fn}


def score(texts: list[SignalText], detector: Detector) -> dict:
    counts = {label: Counter() for label in ("立即办", *FLAGS)}
    confusion = Counter()
    for text in texts:
        urgency, flags = detector(text.text)
        confusion[(text.urgency, urgency)] += 1
        for label in counts:
            truth = text.urgency == label if label == "立即办" else label in text.flags
            said = urgency == label if label == "立即办" else label in flags
            counts[label]["tp" if truth and said else "fp" if said else "fn" if truth else "tn"] += 1
    return {"texts": len(texts),
            "labels": {label: _pr(c["tp"], c["fp"], c["fn"]) for label, c in counts.items()},
            "urgency_confusion": {f"{t}→{p}": n for (t, p), n in sorted(confusion.items())}}


def rule_detector(text: str) -> tuple[str, set[str]]:
    from model.signals.rules import detect

    found = detect(text)
    return found.urgency, set(found.flags)
