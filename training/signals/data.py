"""The signal texts for training and scoring: a stable held-out split (near-duplicates on one side), the labels of
every head, and the version of the texts a model was trained on."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from model.signals.learned import LABELS
from model.signals.rules import URGENT_NOW
from training.corpus.signals import DEFAULT_SIGNALS_DIR, SignalText
from training.corpus.splits import _UnionFind
from training.corpus.similarity import near_duplicate_pairs

TEST_SHARE = 0.25
SEED = 7


def texts_version(paths: list[Path] | None = None) -> str:
    """sha256 (first 12 hex digits) of the signal files' bytes, in name order: what a model was trained on."""
    digest = hashlib.sha256()
    for path in paths if paths is not None else sorted(DEFAULT_SIGNALS_DIR.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def labels_of(texts: list[SignalText]) -> np.ndarray:
    """[texts, LABELS] booleans: 立即办; 紧急 or above; each flag."""
    def row(t: SignalText) -> list[bool]:
        return [t.urgency == URGENT_NOW, t.urgency != "一般", *(flag in t.flags for flag in LABELS[2:])]
    return np.array([row(t) for t in texts], dtype=bool).reshape(len(texts), len(LABELS))


def _draw(seed: int, key: str) -> float:
    """A number in [0, 1) fixed by the seed and the key alone."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def held_out_split(texts: list[SignalText], share: float = TEST_SHARE, seed: int = SEED) -> list[str]:
    """'train' or 'test' per text. Near-duplicates form one cluster, named by its smallest text id; a cluster is held
    out when the seeded hash of its name falls below `share`. A text's side depends on its cluster alone, so adding
    texts moves no other text across the split (unless a new text joins two clusters as near-duplicates)."""
    if not 0 < share < 1:
        raise ValueError(f"the held-out share must be within (0, 1), got {share}")
    uf = _UnionFind(len(texts))
    for i, j, _ in near_duplicate_pairs([t.text for t in texts]):
        uf.union(i, j)
    names: dict[int, str] = {}
    for i, text in enumerate(texts):
        root = uf.find(i)
        names[root] = min(names.get(root, text.id), text.id)
    held = {root for root, name in names.items() if _draw(seed, name) < share}
    return ["test" if uf.find(i) in held else "train" for i in range(len(texts))]
