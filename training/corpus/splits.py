"""Held-out-text splits: a written text and every near-duplicate of it land on the same side.

Within each leaf, clusters of near-duplicate texts are shuffled with the seed and dealt to test, dev and
train, so every leaf with enough texts is evaluated and no test text has a near-duplicate in train."""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from training.corpus.similarity import near_duplicate_pairs
from training.corpus.texts import HandText

SPLITS = ("train", "dev", "test")
MIN_TEXTS_TO_EVALUATE = 5  # leaves with fewer texts keep them all for training


@dataclass(frozen=True)
class SplitConfig:
    test: float = 0.2
    dev: float = 0.1
    seed: int = 7

    def __post_init__(self):
        if not (0 <= self.test < 1 and 0 <= self.dev < 1 and self.test + self.dev < 1):
            raise ValueError(f"split fractions test={self.test}, dev={self.dev} must be in [0, 1) and sum below 1")


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


Pairs = list[tuple[int, int, float]]


def pairs_of(texts: list[HandText], pairs: Pairs | None = None) -> Pairs:
    """The near-duplicate pairs of these texts: the ones given (computed once by the caller), else computed."""
    return near_duplicate_pairs([t.text for t in texts]) if pairs is None else pairs


def near_duplicate_clusters(texts: list[HandText], pairs: Pairs | None = None) -> list[int]:
    """A cluster number per text: texts linked by near-duplicate pairs share one."""
    uf = _UnionFind(len(texts))
    for i, j, _ in pairs_of(texts, pairs):
        uf.union(i, j)
    return [uf.find(i) for i in range(len(texts))]


def held_out_text_split(texts: list[HandText], config: SplitConfig = SplitConfig(),
                        pairs: Pairs | None = None) -> list[str]:
    """The split ('train', 'dev' or 'test') of each text, deterministic for the seed."""
    clusters = near_duplicate_clusters(texts, pairs)
    by_leaf: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, (text, cluster) in enumerate(zip(texts, clusters)):
        by_leaf[text.leaf][cluster].append(index)
    cluster_split: dict[int, str] = {}
    rng = random.Random(config.seed)
    for leaf in sorted(by_leaf):
        groups = sorted(by_leaf[leaf], key=lambda c: min(texts[i].text_id for i in by_leaf[leaf][c]))
        rng.shuffle(groups)
        n_test = round(len(groups) * config.test) if len(groups) >= MIN_TEXTS_TO_EVALUATE else 0
        n_dev = round(len(groups) * config.dev) if len(groups) >= MIN_TEXTS_TO_EVALUATE else 0
        for rank, cluster in enumerate(groups):
            # A cluster that spans leaves keeps the side it was first dealt to.
            side = "test" if rank < n_test else "dev" if rank < n_test + n_dev else "train"
            cluster_split.setdefault(cluster, side)
    return [cluster_split[c] for c in clusters]


def leaks(texts: list[HandText], splits: list[str], pairs: Pairs | None = None) -> int:
    """How many test texts have a near-duplicate in train: 0 for a sound held-out-text split."""
    leaked = set()
    for i, j, _ in pairs_of(texts, pairs):
        sides = {splits[i], splits[j]}
        if sides == {"train", "test"}:
            leaked.add(i if splits[i] == "test" else j)
    return len(leaked)
