"""Temperature scaling of path scores on the dev split, and the thresholds an abstain decision uses."""
from __future__ import annotations

import numpy as np

from model.labels import log_softmax


def nll(scores: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of the gold leaves under softmax(scores / T)."""
    logp = log_softmax(scores / temperature)
    return float(-logp[np.arange(len(gold)), gold].mean())


def fit_temperature(scores: np.ndarray, gold: np.ndarray, low: float = 0.05, high: float = 20.0) -> float:
    """The T minimising dev NLL: golden-section search on log T (NLL is unimodal in T)."""
    a, b = np.log(low), np.log(high)
    ratio = (np.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    for _ in range(60):
        if nll(scores, gold, float(np.exp(c))) < nll(scores, gold, float(np.exp(d))):
            b = d
        else:
            a = c
        c, d = b - ratio * (b - a), a + ratio * (b - a)
    return float(np.exp((a + b) / 2))
