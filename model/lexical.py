"""The lexical leaf model served beside the encoder: jieba words and character 1–3-grams, TF-IDF, and one sparse
linear score per leaf (the TF-IDF baseline's one-vs-rest SVMs with each leaf's largest weights kept).

The two read complaints differently: the encoder reads paraphrases, the n-grams weigh the one word that tells two
sibling 子类 apart. Their log-probabilities are mixed with a weight chosen on dev (Classifier). Numpy, scipy and
jieba only; the vocabularies, idf and weights are arrays in one .npz (no pickle)."""
from __future__ import annotations

import logging
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from model.labels import log_softmax
from model.text import normalise
from model.tfidf import Vectoriser

LEXICAL_FILE = "lexical.npz"


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def jieba_words(text: str) -> list[str]:
    """The jieba words of an already normalised text, without whitespace and punctuation-only tokens."""
    return [w for w in _jieba().lcut(text) if any(ch.isalnum() for ch in w)]


def mixed_log_probabilities(model_logp: np.ndarray, lexical_logp: np.ndarray, weight: float) -> np.ndarray:
    """weight · log p_encoder + (1 − weight) · log p_lexical: unnormalised, a softmax with the mixture's own
    temperature makes it a distribution. The encoder's -inf (a leaf it may not return) stays -inf."""
    if not 0 < weight <= 1:
        raise ValueError(f"the encoder's weight in the mixture must be within (0, 1], got {weight}")
    return weight * model_logp + (1 - weight) * lexical_logp


def aligned(lexical_logp: np.ndarray, columns: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Lexical log-probabilities in another leaf order: `columns[i]` is leaf i's lexical column, or -1 where the
    lexical model does not know the leaf (new, split or merged since): `fallback` (the encoder's own) is used."""
    out = np.array(fallback, dtype=np.float64, copy=True)
    known = columns >= 0
    out[:, known] = lexical_logp[:, columns[known]]
    return out


class LexicalLeaves:
    """TF-IDF of a text's words and character n-grams (each block L2-normalised, then the two together), a sparse
    weight per (feature, leaf), a bias per leaf, and the softmax temperature fitted on dev."""

    def __init__(self, leaves, words: Vectoriser, chars: Vectoriser, weights, bias: np.ndarray, temperature: float):
        from scipy import sparse

        self.leaves = tuple(str(leaf) for leaf in leaves)
        self.words, self.chars = words, chars
        self.weights = sparse.csr_matrix(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.temperature = float(temperature)
        expected = (len(words) + len(chars), len(self.leaves))
        if self.weights.shape != expected or self.bias.shape != (len(self.leaves),):
            raise ValueError(f"lexical weights {self.weights.shape} and bias {self.bias.shape} do not fit "
                             f"{expected[0]} features over {expected[1]} leaves")
        if not self.temperature > 0:
            raise ValueError(f"the lexical temperature must be positive, got {temperature}")

    def features(self, texts: list[str]):
        """[texts, features] CSR rows, what the weights multiply."""
        from scipy import sparse

        indptr, columns, values = [0], [], []
        for text in texts:
            norm = normalise(text)
            blocks = [self.words.counts_row(Counter(jieba_words(norm))), self.chars.row(norm)]
            cols = np.concatenate([blocks[0][0], blocks[1][0] + len(self.words)])
            vals = np.concatenate([blocks[0][1], blocks[1][1]])
            if len(vals):
                vals = vals / np.linalg.norm(vals)
            columns.append(cols)
            values.append(vals.astype(np.float32))
            indptr.append(indptr[-1] + len(cols))
        shape = (len(texts), len(self.words) + len(self.chars))
        return sparse.csr_matrix((np.concatenate(values) if texts else [], np.concatenate(columns) if texts else [],
                                  indptr), shape=shape, dtype=np.float32)

    def scores(self, texts: list[str]) -> np.ndarray:
        """[texts, leaves] decision scores."""
        return (self.features(texts) @ self.weights).toarray() + self.bias

    def log_probabilities(self, texts: list[str]) -> np.ndarray:
        """[texts, leaves] calibrated log-probabilities."""
        return log_softmax(self.scores(texts) / self.temperature)

    def save(self, path: Path) -> None:
        w = self.weights.tocsr()
        np.savez_compressed(path, leaves=np.array(self.leaves), words=np.array(list(self.words.index)),
                            word_idf=self.words.idf, chars=np.array(list(self.chars.index)), char_idf=self.chars.idf,
                            longest=np.array(self.chars.longest), data=w.data, indices=w.indices, indptr=w.indptr,
                            bias=self.bias, temperature=np.array(self.temperature))

    @classmethod
    def load(cls, path: Path) -> "LexicalLeaves":
        from scipy import sparse

        with np.load(path, allow_pickle=False) as a:
            words = Vectoriser(a["words"].tolist(), a["word_idf"])
            chars = Vectoriser(a["chars"].tolist(), a["char_idf"], int(a["longest"]))
            shape = (len(words) + len(chars), len(a["leaves"]))
            weights = sparse.csr_matrix((a["data"], a["indices"], a["indptr"]), shape=shape)
            return cls(a["leaves"].tolist(), words, chars, weights, a["bias"], float(a["temperature"]))

    @property
    def kept_weights(self) -> int:
        return int(self.weights.nnz)

    def columns_for(self, leaves) -> np.ndarray:
        """Each of `leaves`' lexical column, -1 for a leaf this model does not know."""
        index = {leaf: i for i, leaf in enumerate(self.leaves)}
        return np.array([index.get(leaf, -1) for leaf in leaves], dtype=np.int64)
