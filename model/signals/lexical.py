"""The lexical side of the signal heads: character n-gram TF-IDF (model.tfidf) and one linear score per label.
Numpy only, so serving needs neither scikit-learn nor scipy; training builds the vocabulary with the same
functions, so what is served is exactly what was fitted.

Cues that tell urgency and risk are often a few characters in a long complaint (煤气味, 浇上汽油, 不如死了): the
sentence embedding averages them away, the n-grams keep them."""
from __future__ import annotations

import numpy as np

from model.tfidf import Vectoriser, normalised_for_ngrams

CUES = 3          # phrases quoted as evidence at most
CUE_GRAMS = 8     # the n-grams with the largest contributions that the phrases are built from


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

    def cues(self, text: str, label: int, limit: int = CUES) -> tuple[str, ...]:
        """The phrases of the text that raise the label's score most, in the text's order: its n-grams of two or
        more characters with the largest positive contributions (weight × TF-IDF), overlapping ones joined."""
        columns, values = self.vectoriser.row(text)
        contributions = self.weights[label, columns] * values
        grams = self.vectoriser.grams()
        ranked = [(float(c), grams[col]) for c, col in zip(contributions, columns) if c > 0 and len(grams[col]) > 1]
        ranked = sorted(ranked, reverse=True)[:CUE_GRAMS]
        seen = normalised_for_ngrams(text)
        spans: list[list[float]] = []       # [start, end, summed contribution]
        for contribution, gram in ranked:
            start = seen.find(gram)
            while start >= 0:
                spans.append([start, start + len(gram), contribution])
                start = seen.find(gram, start + 1)
        merged: list[list[float]] = []
        for start, end, contribution in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
                merged[-1][2] += contribution
            else:
                merged.append([start, end, contribution])
        best = sorted(sorted(merged, key=lambda m: -m[2])[:limit])
        return tuple(dict.fromkeys(seen[int(start):int(end)] for start, end, _ in best))
