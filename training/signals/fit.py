"""Fitting the signal heads: standardise the embeddings, one logistic regression per label, Platt calibration on
out-of-fold scores, and a threshold per label chosen on those calibrated out-of-fold probabilities for the issue's
targets (the highest threshold at which the recall target holds with 90 % confidence; 紧急 at the best F1)."""
from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from model.signals.learned import LABELS
from model.signals.rules import URGENT_NOW

# label → (recall target, precision target) from the issue; 紧急 has none (best F1)
TARGETS = {URGENT_NOW: (0.98, 0.85)} | {label: (0.90, 0.80) for label in LABELS[2:]}
# A threshold is kept only where the recall target holds at this one-sided confidence (the Wilson lower bound of
# the out-of-fold recall): at the bare target, unseen texts fall short about half the time.
RECALL_CONFIDENCE = 0.90


@dataclass(frozen=True)
class FitConfig:
    c: float = 0.01          # inverse regularisation of every head (chosen by cross-validation on the training side)
    folds: int = 5
    seed: int = 7
    balanced: bool = True    # weight the classes equally (flags are rare)
    rule_boost: float = 3.0  # the rules' pattern-hit columns count this many times a standardised embedding number
    targets: dict = field(default_factory=lambda: dict(TARGETS))


def _logistic(config: FitConfig, c: float | None = None):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=config.c if c is None else c, max_iter=5000,
                              class_weight="balanced" if config.balanced else None)


def stratified_folds(y: np.ndarray, folds: int, seed: int):
    """(train, held) index pairs of seeded stratified folds: the same folds for every head of one label."""
    from sklearn.model_selection import StratifiedKFold

    smaller = int(min(y.sum(), len(y) - y.sum()))
    if smaller < 2:
        raise ValueError(f"a head needs at least 2 positive and 2 negative texts, got {int(y.sum())} of {len(y)}")
    return StratifiedKFold(min(folds, smaller), shuffle=True, random_state=seed).split(y, y)


def out_of_fold(x: np.ndarray, y: np.ndarray, config: FitConfig) -> np.ndarray:
    """Decision values of each text from a head fitted without its fold (stratified, seeded)."""
    scores = np.zeros(len(y))
    for train, held in stratified_folds(y, config.folds, config.seed):
        scores[held] = _logistic(config).fit(x[train], y[train]).decision_function(x[held])
    return scores


MIN_SLOPE = 1e-3


def platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) of P = sigmoid(a * score + b), fitted on out-of-fold scores (almost unregularised). The slope stays
    positive: out-of-fold scores that carry no information must not turn the head's ranking upside down."""
    model = _logistic(FitConfig(balanced=False), c=1e4).fit(scores.reshape(-1, 1), y)
    a = max(float(model.coef_[0, 0]), MIN_SLOPE)
    if a == MIN_SLOPE:   # the base rate, centred on the scores
        return a, float(np.log(y.mean() / (1 - y.mean())) - a * scores.mean())
    return a, float(model.intercept_[0])


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def curve(probabilities: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds, precision, recall) when flagging every text at or above each distinct probability."""
    order = np.argsort(-probabilities, kind="stable")
    p, t = probabilities[order], y[order].astype(float)
    tp = np.cumsum(t)
    last = np.r_[np.nonzero(np.diff(p))[0], len(p) - 1]      # the last index of each run of equal probabilities
    return p[last], tp[last] / (last + 1), tp[last] / max(t.sum(), 1)


def recall_lower_bound(recall: np.ndarray, positives: int, confidence: float) -> np.ndarray:
    """The one-sided Wilson lower bound of a recall measured on `positives` texts (the recall itself at 0.5)."""
    z = NormalDist().inv_cdf(confidence) if confidence > 0.5 else 0.0
    n = max(positives, 1)
    spread = z * np.sqrt(recall * (1 - recall) / n + z * z / (4 * n * n))
    return (recall + z * z / (2 * n) - spread) / (1 + z * z / n)


def choose_threshold(probabilities: np.ndarray, y: np.ndarray, target: tuple[float, float] | None,
                     confidence: float = RECALL_CONFIDENCE) -> dict:
    """The highest threshold whose recall meets the target with `confidence` (the lowest threshold when too few
    positives allow it), or the best F1 without a target; with what it gives on these probabilities."""
    thresholds, precision, recall = curve(probabilities, y)
    bound = recall_lower_bound(recall, int(np.sum(y)), confidence)
    if target is None:
        f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
        i = int(np.argmax(f1))
    else:
        held = np.nonzero(bound >= target[0])[0]
        i = int(held[0]) if held.size else len(thresholds) - 1
    return {"threshold": float(thresholds[i]), "precision": round(float(precision[i]), 4),
            "recall": round(float(recall[i]), 4), "recall_lower_bound": round(float(bound[i]), 4),
            "target": list(target) if target else None,
            "meets": bool(target is None or (recall[i] >= target[0] and precision[i] >= target[1]))}


def standardiser(x: np.ndarray, rule_columns: int, boost: float) -> tuple[np.ndarray, np.ndarray]:
    """(mean, scale) of each column. The last `rule_columns` are pattern hits: a pattern that never fired in training
    keeps scale 1 (a hit in serving must not explode), and each counts `boost` times under the one regularisation."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    if rule_columns:
        hits = slice(x.shape[1] - rule_columns, None)
        scale[hits] = np.where(scale[hits] < 1e-3, 1.0, scale[hits]) / boost
    return mean, scale


def fit_heads(x: np.ndarray, labels: np.ndarray, config: FitConfig = FitConfig(), progress: bool = True,
              rule_columns: int = 0):
    """(arrays for heads.npz, the out-of-fold report per label) from features [n, d] (the embedding, then
    `rule_columns` pattern hits) and labels [n, LABELS]."""
    from tqdm.auto import tqdm

    mean, scale = standardiser(x, rule_columns, config.rule_boost)
    z = (x - mean) / scale
    weights, bias, calibration, thresholds, report = [], [], [], [], {}
    for j in tqdm(range(len(LABELS)), desc="fitting heads", unit="label", disable=not progress):
        label, y = LABELS[j], labels[:, j].astype(int)
        scores = out_of_fold(z, y, config)
        a, b = platt(scores, y)
        chosen = choose_threshold(sigmoid(a * scores + b), y, config.targets.get(label))
        head = _logistic(config).fit(z, y)
        weights.append(head.coef_[0])
        bias.append(head.intercept_[0])
        calibration.append((a, b))
        thresholds.append(chosen["threshold"])
        report[label] = chosen | {"support": int(y.sum()), "oof_scores": scores}
    arrays = {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
              "weights": np.array(weights, dtype=np.float32), "bias": np.array(bias, dtype=np.float32),
              "platt": np.array(calibration, dtype=np.float32), "thresholds": np.array(thresholds, dtype=np.float32)}
    return arrays, report
