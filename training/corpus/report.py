"""Figures about the hand-written texts: coverage per leaf, voices, diversity, near-duplicates and split leaks."""
from __future__ import annotations

import statistics
from collections import Counter

from catalog import Catalogue
from training.corpus.normalise import comparable, to_simplified
from training.corpus.splits import leaks, pairs_of
from training.corpus.texts import TARGET_PER_LEAF, HandText


def distinct_ngram_ratio(texts: list[HandText], n: int = 2) -> float:
    """Distinct character n-grams over all n-grams: higher means more varied wording."""
    grams = Counter()
    for t in texts:
        chars = comparable(t.text)
        grams.update(chars[i:i + n] for i in range(len(chars) - n + 1))
    total = sum(grams.values())
    return round(len(grams) / total, 4) if total else 0.0


def texts_report(catalogue: Catalogue, texts: list[HandText], splits: list[str], pairs=None) -> dict:
    per_leaf = Counter(t.leaf for t in texts)
    counts = [per_leaf.get(leaf.code, 0) for leaf in catalogue.leaves()]
    lengths = [len(t.text) for t in texts]
    near = pairs_of(texts, pairs)
    return {
        "catalogue": catalogue.version,
        "texts": len(texts),
        "from_catalogue": sum(t.origin == "catalogue" for t in texts),
        "leaves": len(counts),
        "texts_per_leaf": {"min": min(counts), "median": statistics.median(counts), "max": max(counts)},
        "leaves_at_target": sum(c >= TARGET_PER_LEAF for c in counts),
        "target_per_leaf": TARGET_PER_LEAF,
        "length_chars": {"p10": _quantile(lengths, 0.1), "median": _quantile(lengths, 0.5),
                         "p90": _quantile(lengths, 0.9), "max": max(lengths, default=0)},
        "styles": dict(Counter(t.style.value for t in texts).most_common()),
        "traditional": sum(to_simplified(t.text) != t.text for t in texts),
        "near_duplicate_pairs": len(near),
        "near_duplicate_pairs_across_leaves": sum(texts[i].leaf != texts[j].leaf for i, j, _ in near),
        "distinct_bigram_ratio": distinct_ngram_ratio(texts),
        "splits": dict(Counter(splits)),
        "test_texts_with_near_duplicate_in_train": leaks(texts, splits, near),
    }


def _quantile(values: list[int], q: float) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
