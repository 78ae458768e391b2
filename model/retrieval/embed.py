"""Text embeddings for retrieval, from the classifier's fine-tuned encoder (one pass gives leaves and vector)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
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


def distinct_batches(keys: Iterable[tuple[str, str]], size: int = BATCH, desc: str = "embedding",
                     progress: bool = True) -> Iterator[list[tuple[str, str]]]:
    """Each distinct (title, text) pair once, in batches sorted by length (so they pad little)."""
    distinct = sorted(set(keys), key=lambda key: (len(key[0]) + len(key[1]), key))
    for start in tqdm(range(0, len(distinct), size), desc=desc, unit="batch", disable=not progress, mininterval=2):
        yield distinct[start:start + size]


def embed_unique(embedder: Embedder, texts: list[str], titles: list[str], progress: bool = True) -> np.ndarray:
    """Embed many (title, text) pairs, each distinct pair once; rows in input order."""
    keys = list(zip(titles, texts))
    vectors: dict[tuple[str, str], np.ndarray] = {}
    for batch in distinct_batches(keys, progress=progress):
        vectors.update(zip(batch, embedder.embed([t for _, t in batch], [h for h, _ in batch])))
    if not keys:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([vectors[key] for key in keys]).astype(np.float32)
