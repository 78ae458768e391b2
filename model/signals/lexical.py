"""The lexical side of the signal heads: character n-gram TF-IDF (model.tfidf) and one linear score per label.
Numpy only, so serving needs neither scikit-learn nor scipy; training builds the vocabulary with the same
functions, so what is served is exactly what was fitted.

Cues that tell urgency and risk are often a few characters in a long complaint (煤气味, 浇上汽油, 不如死了): the
sentence embedding averages them away, the n-grams keep them."""
from __future__ import annotations

import numpy as np

from model.tfidf import Vectoriser


class LexicalHeads:
    """One linear score per label over the TF-IDF row: w · x + b."""

    def __init__(self, vectoriser: Vectoriser, weights: np.ndarray, bias: np.ndarray):
        if weights.shape != (len(bias), len(vectoriser)):
            raise ValueError(f"lexical weights {weights.shape} do not fit {len(bias)} labels over "
                             f"{len(vectoriser)} n-grams")
        self.vectoriser, self.weights, self.bias = vectoriser, weights, bias

    def scores(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            columns, values = self.vectoriser.row(text)
            rows.append(self.weights[:, columns] @ values + self.bias)
        return np.array(rows, dtype=np.float32).reshape(len(texts), len(self.bias))
