"""Training the multi-issue boundary model: for each pair of neighbouring clauses of the training texts, whether a
new problem starts there (the two clauses fall in different labelled items), from the features model/signals/split.py
computes; a logistic regression whose threshold gives the best out-of-fold F1 of detecting multi-issue texts (a text
is detected when one of its boundaries reaches it)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from model.signals.segment import Clause
from model.signals.split import (EMBEDDING_PAIRS, FEATURES, RULE_BOUNDARY, Boundary, SpanClassifier, boundary_table,
                                 content_clauses, features)
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
    """(rows [boundaries, columns], labels, the index of each boundary's text): every boundary between neighbouring
    clauses of every text's body, in the columns `boundary_table` gives the splitter."""
    parts = [content_clauses(t.body) for t in texts]
    flat = [c.text for p in parts for c in p]
    predictions = classify(flat) if flat else []
    reads = embed is not None and bool({"cosine", EMBEDDING_PAIRS} & set(names))
    vectors = embed(flat) if reads and flat else None
    tables, labels, owner, at = [], [], [], 0
    for n, (text, clauses) in enumerate(zip(texts, parts)):
        owners = [item_of(c, text) for c in clauses]
        mine = vectors[at:at + len(clauses)] if vectors is not None else None
        rows = []
        for i in range(len(clauses) - 1):
            cosine = float(mine[i] @ mine[i + 1]) if mine is not None else 0.0
            rows.append(features(clauses[i], clauses[i + 1], predictions[at + i], predictions[at + i + 1], i, cosine))
            labels.append(owners[i] is not None and owners[i + 1] is not None and owners[i] != owners[i + 1])
            owner.append(n)
        if rows:
            tables.append(boundary_table(rows, names, mine))
        at += len(clauses)
    x = np.vstack(tables) if tables else np.zeros((0, len(names)))
    return x.astype(float), np.array(labels, dtype=int), np.array(owner, dtype=int)


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


# Inverse regularisation strengths tried for the boundary model on standardised columns; the best out-of-fold
# detection F1 decides (the embedding pairs add 2 · dim columns, which need far more regularisation than 13 numbers).
C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1)


def _oof_probabilities(x: np.ndarray, y: np.ndarray, config: FitConfig) -> tuple[float, float, np.ndarray]:
    """(a, b, probabilities): Platt's scaling of the out-of-fold scores, and the probabilities it gives them."""
    scores = out_of_fold(x, y, config)
    a, b = platt(scores, y)
    return a, b, sigmoid(a * scores + b)


def fit_boundary(texts: list[SignalText], classify: SpanClassifier, embed: Embed | None, source: str,
                 config: FitConfig = FitConfig(c=1.0)) -> tuple[Boundary, dict]:
    """The boundary model and its out-of-fold report: the regularisation and the threshold are those that detect
    multi-issue texts best out of fold (a text is detected when one of its boundaries reaches the threshold)."""
    names = FEATURES + (EMBEDDING_PAIRS,) if embed is not None else tuple(f for f in FEATURES if f != "cosine")
    x, y, text_of = examples(texts, classify, embed, names)
    if min(y.sum(), len(y) - y.sum()) < 2:
        return RULE_BOUNDARY, {"boundaries": int(len(y)), "new_problem": int(y.sum()),
                               "fallback": "too few labelled boundaries: the rule decides"}
    multi = np.array([t.multi_issue for t in texts])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    tried = {c: _oof_probabilities(z, y, replace(config, c=c)) for c in C_GRID}
    found = {c: detection_threshold(p, text_of, multi) for c, (_, _, p) in tried.items()}
    c = max(C_GRID, key=lambda k: (found[k]["f1"], -k))          # the stronger regularisation on ties
    a, b, probabilities = tried[c]
    hand = list(range(len(FEATURES) if embed is not None else len(names)))   # the named numbers; the block comes last
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(z, y)
    # Calibration and standardisation folded into one logistic over the raw columns.
    weights = model.coef_[0] * a / scale
    bias = float(a * (model.intercept_[0] - (model.coef_[0] * mean / scale).sum()) + b)
    detection = found[c]
    boundary = Boundary(names, weights, bias, detection["threshold"], source)
    return boundary, {"threshold": detection["threshold"], "c": c, "detection": detection,
                      "detection_by_c": {str(k): v["f1"] for k, v in found.items()},
                      "detection_hand_features_only": detection_threshold(
                          _oof_probabilities(x[:, hand], y, config)[2], text_of, multi),
                      "boundary_f1": choose_threshold(probabilities, y, None),
                      "boundaries": int(len(y)), "new_problem": int(y.sum()),
                      "weights": dict(zip([names[n] for n in hand], np.round(weights[hand], 3).tolist()))}
