"""Dense vectors in faiss: exact inner product for small collections, HNSW for large ones, chosen by size."""
from __future__ import annotations

from pathlib import Path

import numpy as np

EXACT_UP_TO = 50_000     # below this many vectors an exact scan is fast enough and perfectly accurate
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 128
_FILE = "dense.faiss"


def _faiss():
    import faiss

    return faiss


def kind_for(size: int) -> str:
    return "flat" if size <= EXACT_UP_TO else "hnsw"


class DenseIndex:
    """L2-normalised vectors; score = cosine similarity. Rows keep the order they were added in."""

    def __init__(self, dim: int, kind: str = "flat", index=None):
        faiss = _faiss()
        if kind not in ("flat", "hnsw"):
            raise ValueError(f"dense index kind {kind!r} is not one of flat, hnsw")
        self.dim, self.kind = dim, kind
        if index is None:
            if kind == "flat":
                index = faiss.IndexFlatIP(dim)
            else:
                index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
                index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        if kind == "hnsw":
            index.hnsw.efSearch = HNSW_EF_SEARCH
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str | None = None) -> DenseIndex:
        """An index over these vectors, exact or approximate by their number unless `kind` says."""
        index = cls(vectors.shape[1], kind or kind_for(len(vectors)))
        index.add(vectors)
        return index

    def __len__(self) -> int:
        return self.index.ntotal

    def add(self, vectors: np.ndarray) -> None:
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors of shape {vectors.shape} do not fit an index of dimension {self.dim}")
        if len(vectors):
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query row, the k nearest rows as (row, cosine), best first."""
        if len(self) == 0:
            return [[] for _ in range(len(vectors))]
        scores, rows = self.index.search(np.ascontiguousarray(vectors, dtype=np.float32), min(k, len(self)))
        return [[(int(r), float(s)) for r, s in zip(rr, ss) if r >= 0] for rr, ss in zip(rows, scores)]

    def vectors(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of these rows [len(rows), dim]."""
        return self.index.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def save(self, directory: Path) -> None:
        _faiss().write_index(self.index, str(directory / _FILE))

    @classmethod
    def load(cls, directory: Path, dim: int, kind: str) -> DenseIndex:
        return cls(dim, kind, _faiss().read_index(str(directory / _FILE)))
