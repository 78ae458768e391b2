"""Temperature scaling of path scores on the dev split, and the thresholds an abstain decision uses."""
from __future__ import annotations

import numpy as np

from model.labels import log_softmax


def nll(scores: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of the gold leaves under softmax(scores / T)."""
    logp = log_softmax(scores / temperature)
    return float(-logp[np.arange(len(gold)), gold].mean())


def fit_temperature(scores: np.ndarray, gold: np.ndarray, low: float = 1e-3, high: float = 1e2,
                    steps: int = 60) -> float:
    """The T minimising dev NLL: golden-section search on log T (NLL is unimodal in T), one NLL per step."""
    a, b = np.log(low), np.log(high)
    ratio = (np.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = nll(scores, gold, float(np.exp(c))), nll(scores, gold, float(np.exp(d)))
    for _ in range(steps):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = nll(scores, gold, float(np.exp(c)))
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = nll(scores, gold, float(np.exp(d)))
    return float(np.exp((a + b) / 2))
