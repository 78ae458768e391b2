"""A measured experiment: the fine-tuned classifier's leaf probabilities blended with the TF-IDF baseline's.

The two make different mistakes (the baseline weighs the one word that tells sibling 子类 apart; the encoder reads
paraphrases), so a weighted sum of their calibrated top-k probabilities may beat both. The weight is chosen on
dev, for leaf acc@1, and applied to the scored split. A mixture of calibrated probabilities is not calibrated, so a
temperature is then fitted on the blended dev probabilities."""
from __future__ import annotations

import numpy as np

from training.classifier.calibration import fit_temperature
from training.evaluation.metrics import Predictions

WEIGHTS = tuple(round(w, 2) for w in np.linspace(0.0, 1.0, 21))


def blend(model: Predictions, baseline: Predictions, weight: float, k: int | None = None) -> Predictions:
    """Each text's leaves scored weight·p_model + (1 − weight)·p_baseline (0 where a leaf is outside a top-k),
    best first; the texts and their gold leaves must be the same in both."""
    if not 0 <= weight <= 1:
        raise ValueError(f"the blend weight must be within [0, 1], got {weight}")
    if model.gold != baseline.gold:
        raise ValueError("the model and the baseline were scored on different texts")
    k = k or max(model.top_probs.shape[1], baseline.top_probs.shape[1])
    codes, probs = [], np.zeros((len(model), k))
    for row in range(len(model)):
        scores: dict[str, float] = {}
        for preds, share in ((model, weight), (baseline, 1 - weight)):
            for code, p in zip(preds.top_codes[row], preds.top_probs[row]):
                scores[code] = scores.get(code, 0.0) + share * float(p)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        codes.append([code for code, _ in ranked])
        probs[row, :len(ranked)] = [p for _, p in ranked]
    return Predictions(list(model.gold), codes, probs)


def accuracy(preds: Predictions) -> float:
    return float(np.mean([codes[0] == gold for codes, gold in zip(preds.top_codes, preds.gold)])) if len(preds) else 0.0


def best_weight(model_dev: Predictions, baseline_dev: Predictions, weights=WEIGHTS) -> tuple[float, list[dict]]:
    """The weight with the best dev leaf acc@1 (ties: the larger weight, more of the model), and every weight's."""
    tried = [{"weight": w, "dev_leaf_acc1": round(accuracy(blend(model_dev, baseline_dev, w)), 4)} for w in weights]
    best = max(tried, key=lambda t: (t["dev_leaf_acc1"], t["weight"]))
    return best["weight"], tried


def _with_rest(preds: Predictions) -> np.ndarray:
    """Log-probabilities of each text's top-k leaves and of "another leaf" (the mass left over)."""
    rest = np.clip(1 - preds.top_probs.sum(axis=1, keepdims=True), 0, 1)
    return np.log(np.clip(np.hstack([preds.top_probs, rest]), 1e-9, None))


def fit_blend_temperature(dev: Predictions) -> float:
    """The temperature minimising dev NLL over each text's top-k leaves and the leftover mass (gold outside the
    top-k counts as the leftover)."""
    gold = np.array([codes.index(g) if g in codes else len(codes) for codes, g in zip(dev.top_codes, dev.gold)])
    return fit_temperature(_with_rest(dev), gold)


def recalibrated(preds: Predictions, temperature: float) -> Predictions:
    """The same ranking, with probabilities softmax(log p / T) over the top-k and the leftover mass."""
    z = _with_rest(preds) / temperature
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return Predictions(list(preds.gold), [list(c) for c in preds.top_codes], p[:, :-1])
