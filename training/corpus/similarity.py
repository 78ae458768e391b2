"""Near-duplicate detection with character n-gram Jaccard similarity and an inverted index."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from training.corpus.normalise import comparable

NGRAM = 5
NEAR_DUPLICATE = 0.6          # character 5-gram Jaccard at or above this: the same text rewritten
MAX_POSTING = 200             # n-grams shared by more texts than this are boilerplate, not evidence


def shingles(text: str, n: int = NGRAM) -> frozenset[str]:
    chars = comparable(text)
    if len(chars) <= n:
        return frozenset([chars]) if chars else frozenset()
    return frozenset(chars[i:i + n] for i in range(len(chars) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def near_duplicate_pairs(texts: Sequence[str], threshold: float = NEAR_DUPLICATE) -> list[tuple[int, int, float]]:
    """Pairs (i, j, similarity), i < j, whose n-gram Jaccard is at least `threshold`.

    Only pairs that share n-grams rarer than MAX_POSTING texts are compared, so the cost grows with the
    near-duplicates, not with the square of the corpus."""
    sets = [shingles(t) for t in texts]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, grams in enumerate(sets):
        for gram in grams:
            postings[gram].append(index)
    shared: Counter = Counter()
    for ids in postings.values():
        if 1 < len(ids) <= MAX_POSTING:
            for a in range(len(ids)):
                for b in range(a + 1, len(ids)):
                    shared[(ids[a], ids[b])] += 1
    pairs = []
    for (i, j), common in shared.items():
        # Jaccard >= t needs at least t * min(|A|, |B|) shared n-grams: skip pairs that cannot reach it.
        if common < threshold * min(len(sets[i]), len(sets[j])):
            continue
        score = jaccard(sets[i], sets[j])
        if score >= threshold:
            pairs.append((i, j, score))
    return sorted(pairs)
