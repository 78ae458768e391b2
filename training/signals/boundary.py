"""Training the multi-issue boundary model: for each pair of neighbouring clauses of the training texts, whether a
new problem starts there (the two clauses fall in different labelled items), from the features model/signals/split.py
computes; a logistic regression whose threshold gives the best out-of-fold F1 of detecting multi-issue texts (a text
is detected when one of its boundaries reaches it)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from model.signals.segment import Clause
from model.signals.split import FEATURES, RULE_BOUNDARY, Boundary, SpanClassifier, content_clauses, features
from training.corpus.signals import SignalText
from training.signals.fit import FitConfig, choose_threshold, out_of_fold, platt, sigmoid

Embed = Callable[[list[str]], np.ndarray]


def item_of(clause: Clause, text: SignalText) -> int | None:
    """The labelled item a clause belongs to: the one whose span covers most of it (at least half), else None."""
    best, covered = None, 0
    for n, item in enumerate(text.items):
        start = text.body.find(item.span)
        overlap = min(clause.end, start + len(item.span)) - max(clause.start, start)
        if start >= 0 and overlap > covered:
            best, covered = n, overlap
    return best if covered * 2 >= clause.end - clause.start else None


def examples(texts: list[SignalText], classify: SpanClassifier, embed: Embed | None,
             names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows [boundaries, features], labels, the index of each boundary's text): every boundary between neighbouring
    clauses of every text's body."""
    parts = [content_clauses(t.body) for t in texts]
    flat = [c.text for p in parts for c in p]
    predictions = classify(flat) if flat else []
    vectors = embed(flat) if embed is not None and "cosine" in names and flat else None
    rows, labels, owner, at = [], [], [], 0
    for n, (text, clauses) in enumerate(zip(texts, parts)):
        owners = [item_of(c, text) for c in clauses]
        for i in range(len(clauses) - 1):
            cosine = float(vectors[at + i] @ vectors[at + i + 1]) if vectors is not None else 0.0
            found = features(clauses[i], clauses[i + 1], predictions[at + i], predictions[at + i + 1], i, cosine)
            rows.append([float(found[f]) for f in names])
            labels.append(owners[i] is not None and owners[i + 1] is not None and owners[i] != owners[i + 1])
            owner.append(n)
        at += len(clauses)
    return (np.array(rows, dtype=float).reshape(len(rows), len(names)), np.array(labels, dtype=int),
            np.array(owner, dtype=int))


def detection_threshold(probabilities: np.ndarray, text_of: np.ndarray, multi: np.ndarray) -> dict:
    """The boundary threshold with the best F1 of detecting multi-issue texts, a text counting as detected when one
    of its boundaries reaches it (the highest such threshold on ties); with that F1, precision and recall."""
    best = np.zeros(len(multi))
    np.maximum.at(best, text_of, probabilities)
    chosen = {"threshold": 1.0, "f1": 0.0, "precision": 0.0, "recall": 0.0}
    for threshold in np.unique(best[best > 0])[::-1]:
        detected = best >= threshold
        tp = int((detected & multi).sum())
        precision, recall = tp / max(int(detected.sum()), 1), tp / max(int(multi.sum()), 1)
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        if f1 > chosen["f1"] + 1e-12:
            chosen = {"threshold": float(threshold), "f1": round(f1, 4), "precision": round(precision, 4),
                      "recall": round(recall, 4)}
    return chosen


def fit_boundary(texts: list[SignalText], classify: SpanClassifier, embed: Embed | None, source: str,
                 config: FitConfig = FitConfig(c=1.0)) -> tuple[Boundary, dict]:
    """The boundary model and its out-of-fold report (the threshold: best F1 of detecting multi-issue texts)."""
    names = FEATURES if embed is not None else tuple(f for f in FEATURES if f != "cosine")
    x, y, text_of = examples(texts, classify, embed, names)
    if min(y.sum(), len(y) - y.sum()) < 2:
        return RULE_BOUNDARY, {"boundaries": int(len(y)), "new_problem": int(y.sum()),
                               "fallback": "too few labelled boundaries: the rule decides"}
    scores = out_of_fold(x, y, config)
    a, b = platt(scores, y)
    probabilities = sigmoid(a * scores + b)
    chosen = choose_threshold(probabilities, y, None)
    # The issue scores detection per text: the threshold is the one that detects multi-issue texts best out of fold.
    detection = detection_threshold(probabilities, text_of, np.array([t.multi_issue for t in texts]))
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=config.c, max_iter=5000, class_weight="balanced").fit(x, y)
    weights, bias = model.coef_[0] * a, float(model.intercept_[0] * a + b)   # calibrated in one logistic
    boundary = Boundary(names, weights, bias, detection["threshold"], source)
    return boundary, {"threshold": detection["threshold"], "detection": detection, "boundary_f1": chosen,
                      "boundaries": int(len(y)), "new_problem": int(y.sum()),
                      "weights": dict(zip(names, np.round(weights, 3).tolist()))}
