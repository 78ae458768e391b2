"""The signal texts for training and scoring: a stable held-out split (near-duplicates on one side), the labels of
every head, and the version of the texts a model was trained on."""
from __future__ import annotations

import hashlib
import random
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


def _group(text: SignalText) -> tuple:
    return text.origin.split("-")[0], text.urgency, bool(text.flags), text.multi_issue


def held_out_split(texts: list[SignalText], share: float = TEST_SHARE, seed: int = SEED) -> list[str]:
    """'train' or 'test' per text. Near-duplicates form one cluster; the clusters of each group (source file,
    urgency, flagged or not, multi-issue or not: the group of the cluster's first text) are shuffled with the seed
    and dealt until `share` of the group's texts is held out."""
    uf = _UnionFind(len(texts))
    for i, j, _ in near_duplicate_pairs([t.text for t in texts]):
        uf.union(i, j)
    members: dict[int, list[int]] = {}
    for i in range(len(texts)):
        members.setdefault(uf.find(i), []).append(i)
    groups: dict[tuple, list[int]] = {}
    for root, cluster in members.items():
        groups.setdefault(_group(texts[cluster[0]]), []).append(root)
    held: set[int] = set()
    rng = random.Random(seed)
    for key in sorted(groups):
        roots = sorted(groups[key])
        rng.shuffle(roots)
        wanted = round(share * sum(len(members[r]) for r in roots))
        taken = 0
        for root in roots:
            if taken >= wanted:
                break
            held.add(root)
            taken += len(members[root])
    return ["test" if uf.find(i) in held else "train" for i in range(len(texts))]
