"""The lexical side of the signal heads: character n-gram TF-IDF (model.tfidf) and one linear score per label.
Numpy only, so serving needs neither scikit-learn nor scipy; training builds the vocabulary with the same
functions, so what is served is exactly what was fitted.

Cues that tell urgency and risk are often a few characters in a long complaint (煤气味, 浇上汽油, 不如死了): the
sentence embedding averages them away, the n-grams keep them."""
from __future__ import annotations

import re

import numpy as np

from model.tfidf import Vectoriser, normalised_for_ngrams

CUES = 3          # phrases quoted as evidence at most
_PHRASE_BREAK = re.compile(r"[^\w]+")     # punctuation and spaces end a phrase


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
        """The text's phrases (runs between punctuation) that raise the label's score most, in the text's order: a
        phrase scores the positive contributions (weight × TF-IDF) of the word-character n-grams it contains."""
        columns, values = self.vectoriser.row(text)
        grams = self.vectoriser.grams()
        raising = {grams[col]: float(c) for col, c in zip(columns, self.weights[label, columns] * values)
                   if c > 0 and len(grams[col]) > 1 and grams[col].isalnum()}
        phrases = [p for p in _PHRASE_BREAK.split(normalised_for_ngrams(text)) if p]
        scored = [(sum(c for gram, c in raising.items() if gram in phrase), i) for i, phrase in enumerate(phrases)]
        best = sorted(i for score, i in sorted(scored, reverse=True)[:limit] if score > 0)
        return tuple(dict.fromkeys(phrases[i] for i in best))
