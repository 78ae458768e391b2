"""A lexical baseline suggester: leaves scored by the catalogue words (names, keywords, colloquial aliases)
found in a complaint. No training, no model files; the floor that the classifier must beat, and what the
service falls back to when no model is loaded."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from catalog import Catalogue

VERSION = "keyword-baseline-1"
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Candidate:
    leaf: str
    score: float
    probability: float
    evidence: tuple[str, ...]


def _terms(words) -> set[str]:
    return {w for w in (_NON_WORD.sub("", x) for x in words) if len(w) >= 2}


class KeywordSuggester:
    version = VERSION

    def __init__(self, catalogue: Catalogue, temperature: float = 2.0):
        self.catalogue = catalogue
        self.temperature = temperature
        self.leaf_terms: dict[str, set[str]] = {}
        self.branch_terms: dict[str, set[str]] = {}
        for node in catalogue.nodes():
            terms = _terms([node.name, *node.keywords, *node.aliases])
            (self.leaf_terms if node.is_leaf else self.branch_terms)[node.code] = terms

    def _score(self, text: str, code: str, branch_scores: dict[str, float]) -> tuple[float, list[str]]:
        hits = [t for t in self.leaf_terms[code] if t in text]
        score = sum(len(t) for t in hits)
        for i in range(2, len(code), 2):   # words of the 大类/小类/细类 above count a little
            score += 0.3 * branch_scores.get(code[:i], 0)
        return score, hits

    def suggest(self, text: str, k: int = 3) -> list[Candidate]:
        """The k best leaves with probabilities (softmax over scores); empty when no catalogue word occurs."""
        clean = _NON_WORD.sub("", text)
        branch_scores = {code: sum(len(t) for t in terms if t in clean) for code, terms in self.branch_terms.items()}
        scored = [(code, *self._score(clean, code, branch_scores)) for code in self.leaf_terms]
        scored = [s for s in scored if s[1] > 0]
        if not scored:
            return []
        scored.sort(key=lambda s: (-s[1], s[0]))
        top = scored[: max(k, 1) * 5]
        weights = [math.exp((s - top[0][1]) / self.temperature) for _, s, _ in top]
        total = sum(weights)
        return [Candidate(code, score, w / total, tuple(sorted(hits, key=len, reverse=True)[:5]))
                for (code, score, hits), w in list(zip(top, weights))[:k]]
