"""Metrics for a hierarchical leaf classifier: accuracy per catalogue level, calibration, precision-coverage.

A prediction is the top-k leaf codes of a text, best first, with the calibrated probability of each full path.
The level-L class of a code is its prefix of 2*L characters ("01" 大类, "0104" 小类, "010401" 细类, "01040101"
子类). Everything here is numpy only and returns plain Python numbers, lists and dicts (JSON-serialisable).
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

LEVELS = (1, 2, 3, 4)
TOP_K = 3
PRECISION_TARGETS = (0.95, 0.99)
DEFAULT_THRESHOLD_KEY = "*"  # key of the global fallback threshold in a per-class threshold dict
CURVE_POINTS = 200
Z_ONE_SIDED_95 = 1.6449  # normal quantile of a one-sided 95 % bound


@dataclass
class Predictions:
    gold: list[str]             # gold leaf code per text
    top_codes: list[list[str]]  # predicted leaf codes per text, best first (k >= 3)
    top_probs: np.ndarray       # n x k calibrated probabilities of those full paths

    def __post_init__(self):
        probs = np.asarray(self.top_probs, dtype=float)
        self.top_probs = probs.reshape(len(self.gold), -1) if probs.size else np.zeros((len(self.gold), 1))
        if len(self.top_codes) != len(self.gold) or self.top_probs.shape[0] != len(self.gold):
            raise ValueError(f"{len(self.gold)} gold codes, {len(self.top_codes)} predictions and "
                             f"{self.top_probs.shape[0]} probability rows must match")
        if any(not codes for codes in self.top_codes):
            raise ValueError("every text needs at least one predicted code")

    def __len__(self) -> int:
        return len(self.gold)

    @property
    def top1(self) -> list[str]:
        """The best predicted leaf per text."""
        return [codes[0] for codes in self.top_codes]

    @property
    def confidence(self) -> np.ndarray:
        """The probability of the best predicted leaf per text."""
        return self.top_probs[:, 0].copy()

    @property
    def correct(self) -> np.ndarray:
        """Whether the best predicted leaf is the gold leaf, per text."""
        return np.array([p == g for p, g in zip(self.top1, self.gold)], dtype=bool)

    def subset(self, mask) -> Predictions:
        """The predictions of the texts selected by a boolean mask."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        return Predictions([self.gold[i] for i in idx], [self.top_codes[i] for i in idx], self.top_probs[idx])


def prefix(code: str, level: int) -> str:
    """The level-`level` ancestor code of a code (the code itself when it is shallower)."""
    return code[:2 * level]


def level_candidates(codes: list[str], level: int | None, k: int = TOP_K) -> list[str]:
    """The first k distinct level prefixes (full codes when level is None) of ranked codes, in order."""
    seen: list[str] = []
    for code in codes:
        p = code if level is None else prefix(code, level)
        if p not in seen:
            seen.append(p)
            if len(seen) == k:
                break
    return seen


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    """Unweighted mean F1 over every class that is a gold or a predicted label (scikit-learn's convention)."""
    if not gold:
        return float("nan")
    tp, n_gold, n_pred = Counter(), Counter(gold), Counter(predicted)
    for g, p in zip(gold, predicted):
        if g == p:
            tp[g] += 1
    classes = set(n_gold) | set(n_pred)
    return float(np.mean([2 * tp[c] / (n_gold[c] + n_pred[c]) for c in classes]))


def _accuracy_block(gold: list[str], ranked: list[list[str]], level: int | None) -> dict:
    """acc@1, acc@3 and macro-F1 of ranked codes against gold codes at one level (None: full path)."""
    n = len(gold)
    if n == 0:
        return {"n": 0, "acc@1": None, "acc@3": None, "macro_f1": None, "classes": 0}
    gold_l = [g if level is None else prefix(g, level) for g in gold]
    cands = [level_candidates(codes, level) for codes in ranked]
    top1 = [c[0] for c in cands]
    return {"n": n,
            "acc@1": sum(p == g for p, g in zip(top1, gold_l)) / n,
            "acc@3": sum(g in c for g, c in zip(gold_l, cands)) / n,
            "macro_f1": macro_f1(gold_l, top1),
            "classes": len(set(gold_l))}


def level_metrics(preds: Predictions) -> dict:
    """acc@1, acc@3, macro-F1 and n per level 1..4 (level 4: texts with a level-4 gold leaf) and for the leaf."""
    out = {}
    for level in LEVELS:
        keep = [i for i, g in enumerate(preds.gold) if len(g) >= 2 * level]
        out[f"level{level}"] = _accuracy_block([preds.gold[i] for i in keep],
                                               [preds.top_codes[i] for i in keep], level)
    out["leaf"] = _accuracy_block(preds.gold, preds.top_codes, None)
    return out


def per_class(preds: Predictions) -> dict[str, dict]:
    """Top-1 precision (None if never predicted), recall (None if no gold text) and support per leaf."""
    support, predicted, tp = Counter(preds.gold), Counter(preds.top1), Counter()
    for g, p in zip(preds.gold, preds.top1):
        if g == p:
            tp[g] += 1
    return {c: {"precision": tp[c] / predicted[c] if predicted[c] else None,
                "recall": tp[c] / support[c] if support[c] else None,
                "support": support[c], "predicted": predicted[c]}
            for c in sorted(set(support) | set(predicted))}


def _bin_index(confidence: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width bin of each confidence: (i/bins, (i+1)/bins], with 0 in the first bin."""
    return np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)


def reliability_bins(confidence, correct, bins: int = 15) -> list[dict]:
    """Per non-empty equal-width confidence bin: its bounds, count, mean confidence and accuracy."""
    conf, ok = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    index = _bin_index(conf, bins)
    rows = []
    for b in range(bins):
        sel = index == b
        if sel.any():
            rows.append({"low": b / bins, "high": (b + 1) / bins, "count": int(sel.sum()),
                         "confidence": float(conf[sel].mean()), "accuracy": float(ok[sel].mean())})
    return rows


def expected_calibration_error(confidence, correct, bins: int = 15) -> float:
    """Count-weighted mean gap between accuracy and mean confidence over equal-width confidence bins."""
    n = len(np.asarray(confidence))
    if n == 0:
        return float("nan")
    return float(sum(r["count"] / n * abs(r["accuracy"] - r["confidence"])
                     for r in reliability_bins(confidence, correct, bins)))


def precision_coverage(confidence, correct) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coverage, precision and threshold of keeping texts with confidence >= t, for each distinct t (high to low)."""
    conf, ok = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    n = len(conf)
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    order = np.argsort(-conf, kind="stable")
    conf, ok = conf[order], ok[order]
    kept = np.arange(1, n + 1)
    hits = np.cumsum(ok)
    last_of_tie = np.r_[conf[1:] != conf[:-1], True]  # a threshold keeps every text tied with it
    return kept[last_of_tie] / n, hits[last_of_tie] / kept[last_of_tie], conf[last_of_tie]


def threshold_for_precision(confidence, correct, target: float) -> tuple[float, float] | None:
    """The lowest threshold whose kept texts reach the target precision and the coverage it keeps; None if none."""
    coverage, precision, threshold = precision_coverage(confidence, correct)
    reached = np.flatnonzero(precision >= target - 1e-12)
    if reached.size == 0:
        return None
    i = reached[-1]
    return float(threshold[i]), float(coverage[i])


def threshold_for_precision_bound(confidence, correct, groups, target: float, z: float = Z_ONE_SIDED_95,
                                  count: str = "items") -> tuple[float, float, float] | None:
    """The lowest threshold whose kept items' precision reaches the target at the one-sided Wilson lower bound for
    `z` (z = 0: the precision itself); with its coverage and that bound. None if no threshold does.

    Items of one group err together (the tickets written from one text share its words and its misreading), so:
    - count="items": precision over the items, the sample behind the bound Kish's effective size over the groups,
      (sum of kept per group)² / sum of their squares: a thousand tickets of forty texts weigh about as much as forty;
    - count="groups": each group counted once (the share of its kept items that are right), over the groups kept."""
    if count not in ("items", "groups"):
        raise ValueError(f"count={count!r}: use 'items' or 'groups'")
    conf, ok = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool)
    if len(groups) != len(conf) or len(ok) != len(conf):
        raise ValueError(f"{len(conf)} confidences, {len(ok)} outcomes and {len(groups)} groups must match")
    order = np.argsort(-conf, kind="stable")
    kept_of: dict = defaultdict(lambda: [0, 0])    # group → [kept, right]
    hits = squares = 0
    group_sum = 0.0                                # sum over kept groups of their share right
    found = None
    for rank, i in enumerate(order, start=1):
        kept, right = kept_of[groups[i]]
        group_sum -= right / kept if kept else 0.0
        kept, right = kept + 1, right + bool(ok[i])
        kept_of[groups[i]] = [kept, right]
        group_sum += right / kept
        squares += 2 * kept - 1
        hits += bool(ok[i])
        if rank < len(order) and conf[order[rank]] == conf[i]:
            continue  # a threshold keeps every item tied with it
        if count == "items":
            bound = wilson_lower_bound(hits / rank, rank * rank / squares, z)
        else:
            bound = wilson_lower_bound(group_sum / len(kept_of), len(kept_of), z)
        if bound >= target - 1e-12:
            found = (float(conf[i]), rank / len(conf), bound)
    return found


def wilson_lower_bound(precision: float, n: float, z: float = Z_ONE_SIDED_95) -> float:
    """The lower end of the Wilson score interval of a proportion observed over a sample of (effective) size n."""
    if n <= 0:
        return 0.0
    z2 = z * z
    centre = precision + z2 / (2 * n)
    spread = z * math.sqrt(precision * (1 - precision) / n + z2 / (4 * n * n))
    return (centre - spread) / (1 + z2 / n)


def precision_at_threshold(confidence, correct, threshold: float) -> dict:
    """Precision, coverage and count of the texts kept by a confidence threshold (precision None if none kept)."""
    conf, ok = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool)
    keep = conf >= threshold
    kept = int(keep.sum())
    return {"threshold": float(threshold), "precision": float(ok[keep].mean()) if kept else None,
            "coverage": kept / len(conf) if len(conf) else None, "kept": kept}


def tune_class_thresholds(dev_preds: Predictions, target: float, min_support: int = 10) -> dict[str, float]:
    """Per predicted leaf, the lowest dev threshold reaching the target precision among texts predicted as it.

    Leaves predicted fewer than min_support times on dev fall back to the global dev threshold, stored under
    DEFAULT_THRESHOLD_KEY; a target no threshold reaches gives math.inf (that class is never auto-accepted)."""
    conf, ok = dev_preds.confidence, dev_preds.correct
    found = threshold_for_precision(conf, ok, target)
    thresholds = {DEFAULT_THRESHOLD_KEY: found[0] if found else math.inf}
    by_class: dict[str, list[int]] = defaultdict(list)
    for i, code in enumerate(dev_preds.top1):
        by_class[code].append(i)
    for code, idx in sorted(by_class.items()):
        if len(idx) >= min_support:
            found = threshold_for_precision(conf[idx], ok[idx], target)
            thresholds[code] = found[0] if found else math.inf
    return thresholds


def apply_class_thresholds(test_preds: Predictions, thresholds: dict[str, float]) -> dict:
    """Precision, coverage and count of the texts whose top-1 probability reaches its predicted leaf's threshold."""
    default = thresholds.get(DEFAULT_THRESHOLD_KEY, math.inf)
    limits = np.array([thresholds.get(code, default) for code in test_preds.top1], dtype=float)
    keep = test_preds.confidence >= limits
    ok = test_preds.correct
    kept, n = int(keep.sum()), len(test_preds)
    return {"precision": float(ok[keep].mean()) if kept else None, "coverage": kept / n if n else None,
            "kept": kept, "classes_tuned": len(thresholds) - (DEFAULT_THRESHOLD_KEY in thresholds),
            "default_threshold": None if math.isinf(default) else float(default)}


def confused_pairs(preds: Predictions, n: int = 20) -> list[tuple[str, str, int]]:
    """The n most frequent (gold leaf, predicted top-1 leaf, count) confusions, ties by code."""
    counts = Counter((g, p) for g, p in zip(preds.gold, preds.top1) if g != p)
    return [(g, p, c) for (g, p), c in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]]


def _sampled_curve(confidence, correct, points: int = CURVE_POINTS) -> dict:
    """The precision-coverage curve thinned to about `points` points, the full-coverage end kept."""
    coverage, precision, threshold = precision_coverage(confidence, correct)
    if len(coverage) > points:
        idx = np.unique(np.r_[np.linspace(0, len(coverage) - 1, points).round().astype(int), len(coverage) - 1])
        coverage, precision, threshold = coverage[idx], precision[idx], threshold[idx]
    return {"coverage": coverage.tolist(), "precision": precision.tolist(), "threshold": threshold.tolist()}


def _thresholds(preds: Predictions, dev_preds: Predictions | None, targets, min_support: int) -> dict:
    """Per precision target: the oracle threshold on these texts, and with dev the dev-tuned global and per-class."""
    conf, ok = preds.confidence, preds.correct
    out = {}
    for target in targets:
        found = threshold_for_precision(conf, ok, target)
        entry = {"oracle": {"threshold": found[0], "coverage": found[1]} if found else None}
        if dev_preds is not None:
            dev_found = threshold_for_precision(dev_preds.confidence, dev_preds.correct, target)
            entry["dev_global"] = (dict(precision_at_threshold(conf, ok, dev_found[0]), dev_coverage=dev_found[1])
                                   if dev_found else None)
            entry["dev_per_class"] = apply_class_thresholds(
                preds, tune_class_thresholds(dev_preds, target, min_support))
        out[f"{target:g}"] = entry
    return out


def evaluate(preds: Predictions, dev_preds: Predictions | None = None, targets=PRECISION_TARGETS,
             min_support: int = 10, bins: int = 15, n_confused: int = 20) -> dict:
    """Every metric of these predictions in one JSON-serialisable dict; thresholds tuned on dev when given."""
    conf, ok = preds.confidence, preds.correct
    return {
        "n": len(preds),
        "levels": level_metrics(preds),
        "calibration": {"ece": expected_calibration_error(conf, ok, bins), "bins": reliability_bins(conf, ok, bins),
                        "mean_confidence": float(conf.mean()) if len(conf) else None,
                        "accuracy": float(ok.mean()) if len(ok) else None},
        "precision_coverage": {"curve": _sampled_curve(conf, ok),
                               "thresholds": _thresholds(preds, dev_preds, targets, min_support)},
        "per_class": per_class(preds),
        "confused_pairs": [list(pair) for pair in confused_pairs(preds, n_confused)],
    }
