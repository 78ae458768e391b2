"""TF-IDF with numpy alone, the way scikit-learn's TfidfVectorizer computes it (sublinear counts, smoothed idf,
L2-normalised rows), so serving needs neither scikit-learn nor a pickle: a fitted vocabulary and its idf are all
it keeps. Used by the signal heads (character n-grams) and the lexical leaf model (jieba words and n-grams)."""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable

import numpy as np

NGRAMS = 3
MIN_DF = 2
_SPACES = re.compile(r"\s\s+")


def normalised_for_ngrams(text: str) -> str:
    """The text as its n-grams are cut from: lower-cased, runs of whitespace as one space."""
    return _SPACES.sub(" ", text.lower())


def ngrams(text: str, longest: int = NGRAMS) -> Counter:
    """Counts of the text's character 1- to `longest`-grams (lower-cased, runs of whitespace as one space)."""
    text = normalised_for_ngrams(text)
    return Counter(text[i:i + n] for n in range(1, longest + 1) for i in range(len(text) - n + 1))


def fit_vocabulary(texts: list[str], longest: int = NGRAMS, min_df: int = MIN_DF) -> tuple[list[str], np.ndarray]:
    """(n-grams found in at least `min_df` texts, sorted; their idf ln((1 + n) / (1 + df)) + 1)."""
    df = Counter(gram for text in texts for gram in ngrams(text, longest))
    vocabulary = sorted(gram for gram, count in df.items() if count >= min(min_df, len(texts)))
    idf = np.array([math.log((1 + len(texts)) / (1 + df[g])) + 1 for g in vocabulary], dtype=np.float32)
    return vocabulary, idf


class Vectoriser:
    """Texts (or token counts) → rows of (column indices, L2-normalised TF-IDF values) over a fixed vocabulary."""

    def __init__(self, vocabulary: Iterable[str], idf: np.ndarray, longest: int = NGRAMS):
        self.index = {str(gram): i for i, gram in enumerate(vocabulary)}
        self.idf, self.longest = np.asarray(idf, dtype=np.float32), longest
        if len(self.idf) != len(self.index):
            raise ValueError(f"{len(self.index)} vocabulary entries but {len(self.idf)} idf values")

    def __len__(self) -> int:
        return len(self.index)

    def grams(self) -> list[str]:
        """The vocabulary in column order."""
        if getattr(self, "_grams", None) is None:
            self._grams = list(self.index)
        return self._grams

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's character n-gram row."""
        return self.counts_row(ngrams(text, self.longest))

    def counts_row(self, counts: Counter) -> tuple[np.ndarray, np.ndarray]:
        """The row of already counted tokens (words, n-grams); tokens outside the vocabulary are ignored."""
        found = [(self.index[g], c) for g, c in counts.items() if g in self.index]
        if not found:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        columns = np.array([i for i, _ in found], dtype=np.int64)
        values = (1 + np.log([c for _, c in found])).astype(np.float32) * self.idf[columns]
        return columns, values / np.linalg.norm(values)

    def dense(self, texts: list[str]) -> np.ndarray:
        """[texts, vocabulary] (tests and small batches)."""
        out = np.zeros((len(texts), len(self)), np.float32)
        for r, text in enumerate(texts):
            columns, values = self.row(text)
            out[r, columns] = values
        return out
