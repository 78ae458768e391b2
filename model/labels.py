"""The label set of a hierarchical classifier: the codes each level's head predicts, the catalogue paths
that exist, and the decoding of per-level scores into the top-k valid full paths."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

LEVELS = 4
NO_SUBCLASS = ""   # the level-4 head's class for leaves that stop at level 3 (细类 without 子类)


def ancestors_of(code: str) -> list[str]:
    """The codes on a leaf's path, 大类 first: '01040101' → ['01', '0104', '010401', '01040101']."""
    return [code[: 2 * level] for level in range(1, len(code) // 2 + 1)]


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def softmax(x: np.ndarray) -> np.ndarray:
    return np.exp(log_softmax(x))


@dataclass(frozen=True)
class LabelSet:
    """Codes per level (level 4 starts with NO_SUBCLASS), the leaves, and every path node's name."""
    levels: tuple[tuple[str, ...], ...]
    leaves: tuple[str, ...]
    names: dict[str, str]
    catalogue_version: str
    _index: list[dict[str, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_index", [{c: i for i, c in enumerate(codes)} for codes in self.levels])

    @classmethod
    def from_paths(cls, paths: dict[str, list[tuple[str, str]]], catalogue_version: str) -> "LabelSet":
        """From {leaf: [(code, name) 大类 first]} — what a catalogue gives for its leaves."""
        levels: list[set[str]] = [set() for _ in range(LEVELS)]
        names: dict[str, str] = {}
        for leaf, path in paths.items():
            for depth, (code, name) in enumerate(path):
                levels[depth].add(code)
                names[code] = name
        ordered = [tuple(sorted(codes)) for codes in levels[:3]] + [(NO_SUBCLASS, *sorted(levels[3]))]
        return cls(tuple(ordered), tuple(sorted(paths)), names, catalogue_version)

    def targets(self, leaf: str) -> tuple[int, ...]:
        """Each level head's class index for a leaf."""
        codes = ancestors_of(leaf)
        codes += [NO_SUBCLASS] * (LEVELS - len(codes))
        return tuple(self._index[level][code] for level, code in enumerate(codes))

    def path_matrix(self) -> np.ndarray:
        """(LEVELS, n_leaves) class indices: column j is leaf j's path through the heads."""
        return np.array([self.targets(leaf) for leaf in self.leaves], dtype=np.int64).T

    def sizes(self) -> list[int]:
        return [len(codes) for codes in self.levels]

    def leaf_index(self, leaf: str) -> int:
        return self.leaves.index(leaf)

    def path_names(self, leaf: str) -> list[str]:
        return [self.names[c] for c in ancestors_of(leaf)]

    def to_json(self) -> dict:
        return {"catalogue_version": self.catalogue_version, "levels": [list(c) for c in self.levels],
                "leaves": list(self.leaves), "names": self.names}

    @classmethod
    def from_json(cls, data: dict) -> "LabelSet":
        return cls(tuple(tuple(c) for c in data["levels"]), tuple(data["leaves"]), dict(data["names"]),
                   data["catalogue_version"])

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "LabelSet":
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def path_scores(level_logits: list[np.ndarray], paths: np.ndarray, weights: list[float]) -> np.ndarray:
    """(batch, n_leaves) score of every valid path: the weighted sum of its nodes' log-probabilities."""
    total = np.zeros((level_logits[0].shape[0], paths.shape[1]), dtype=np.float64)
    for level, logits in enumerate(level_logits):
        total += weights[level] * log_softmax(logits.astype(np.float64))[:, paths[level]]
    return total


def top_paths(scores: np.ndarray, temperature: float, k: int,
              allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices and calibrated probabilities of the k best leaves; leaves not `allowed` are never returned."""
    scaled = scores / temperature
    if allowed is not None:
        scaled = np.where(allowed[None, :], scaled, -np.inf)
    probs = softmax(scaled)
    k = min(k, int(allowed.sum()) if allowed is not None else scores.shape[1])
    top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return top, np.take_along_axis(probs, top, axis=1)
