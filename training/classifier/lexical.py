"""Fit the lexical leaf model served beside the encoder (model.lexical), and the weight that mixes the two.

The TF-IDF baseline's one-vs-rest SVMs are fitted on the training texts, each leaf keeps its `per_leaf` largest
weights (the full matrix is ~80k features x 1,538 leaves, about 490 MB), and the softmax temperature is fitted
on dev. The mixing weight is chosen on dev for leaf accuracy, then a temperature for the mixture by NLL: a
mixture of calibrated log-probabilities is not itself calibrated."""
from __future__ import annotations

import numpy as np

from model.labels import softmax
from model.lexical import LexicalLeaves, mixed_log_probabilities
from model.tfidf import Vectoriser
from training.classifier.calibration import fit_temperature
from training.classifier.config import LexicalSection

WEIGHTS = tuple(round(w, 2) for w in np.linspace(0.05, 1.0, 20))   # the encoder's share; 0 would drop it


def pruned(weights: np.ndarray, per_leaf: int):
    """A sparse copy of the [features, leaves] weights keeping each leaf's `per_leaf` largest by magnitude."""
    from scipy import sparse

    if per_leaf >= weights.shape[0]:
        return sparse.csr_matrix(weights)
    rows = np.argpartition(-np.abs(weights), per_leaf - 1, axis=0)[:per_leaf]
    cols = np.broadcast_to(np.arange(weights.shape[1]), rows.shape)
    values = weights[rows, cols]
    return sparse.csr_matrix((values.ravel(), (rows.ravel(), cols.ravel())), shape=weights.shape, dtype=np.float32)


def _vectoriser(fitted) -> Vectoriser:
    """A scikit-learn TfidfVectorizer's vocabulary (in column order) and idf, for numpy serving."""
    vocabulary = sorted(fitted.vocabulary_, key=fitted.vocabulary_.get)
    return Vectoriser(vocabulary, fitted.idf_)


def fit_lexical(texts: list[str], leaves: list[str], dev_texts: list[str], dev_leaves: list[str],
                section: LexicalSection, weights: list[float] | None = None) -> LexicalLeaves:
    """The pruned SVMs over the (weighted) training texts, their temperature fitted on the dev texts of known
    leaves."""
    from training.evaluation.baseline import TfidfBaseline

    baseline = TfidfBaseline(C=section.C, word_features=section.word_features, char_features=section.char_features)
    baseline.fit(texts, leaves, weights=weights)
    lexical = LexicalLeaves(baseline.classes_, _vectoriser(baseline._words), _vectoriser(baseline._chars),
                            pruned(baseline._weights, section.per_leaf), baseline._bias, temperature=1.0)
    index = {leaf: i for i, leaf in enumerate(lexical.leaves)}
    known = [i for i, leaf in enumerate(dev_leaves) if leaf in index]
    if known:
        scores = lexical.scores([dev_texts[i] for i in known])
        lexical.temperature = fit_temperature(scores, np.array([index[dev_leaves[i]] for i in known]))
    return lexical


def choose_mixture(model_logp: np.ndarray, lexical_logp: np.ndarray, gold: np.ndarray,
                   weights=WEIGHTS) -> dict:
    """The encoder's weight with the best dev leaf accuracy (ties: more encoder), the mixture's temperature, and
    every weight tried; both log-probability matrices are over the model's leaves, gold indexes them."""
    tried = []
    for weight in weights:
        mix = mixed_log_probabilities(model_logp, lexical_logp, weight)
        tried.append({"weight": weight, "dev_leaf_acc": round(float((mix.argmax(1) == gold).mean()), 4)})
    best = max(tried, key=lambda t: (t["dev_leaf_acc"], t["weight"]))
    mix = mixed_log_probabilities(model_logp, lexical_logp, best["weight"])
    temperature = fit_temperature(mix, gold)
    return {"weight": best["weight"], "temperature": temperature, "tried_on_dev": tried,
            "dev_leaf_acc_encoder": round(float((model_logp.argmax(1) == gold).mean()), 4)}


def mixture_probabilities(model_logp: np.ndarray, lexical_logp: np.ndarray, mixture: dict) -> np.ndarray:
    return softmax(mixed_log_probabilities(model_logp, lexical_logp, mixture["weight"]) / mixture["temperature"])
