"""Text embeddings for retrieval, from the classifier's fine-tuned encoder (one pass gives leaves and vector)."""
from __future__ import annotations

from typing import Protocol

import numpy as np
from tqdm.auto import tqdm

from model.classifier import Classifier

BATCH = 64


class Embedder(Protocol):
    version: str

    def embed(self, texts: list[str], titles: list[str] | None = None) -> np.ndarray: ...


class ClassifierEmbedder:
    """The pooled, L2-normalised output of an exported classifier; queries and cases share its prefix."""

    def __init__(self, classifier: Classifier):
        self.classifier = classifier
        self.version = f"classifier:{classifier.version}"

    def embed(self, texts: list[str], titles: list[str] | None = None) -> np.ndarray:
        return self.classifier.embed(texts, titles)


def embed_unique(embedder: Embedder, texts: list[str], titles: list[str], progress: bool = True) -> np.ndarray:
    """Embed many (title, text) pairs, each distinct pair once, in length-sorted batches; rows in input order."""
    keys = list(zip(titles, texts))
    distinct = sorted(set(keys), key=lambda key: (len(key[0]) + len(key[1]), key))
    vectors: dict[tuple[str, str], np.ndarray] = {}
    for start in tqdm(range(0, len(distinct), BATCH), desc="embedding", unit="batch", disable=not progress,
                      mininterval=2):
        batch = distinct[start:start + BATCH]
        out = embedder.embed([t for _, t in batch], [h for h, _ in batch])
        vectors.update(zip(batch, out))
    if not keys:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([vectors[key] for key in keys]).astype(np.float32)
