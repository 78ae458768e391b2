"""Multi-issue detection and the split proposal: the complaint cut into clauses, a leaf for each clause from the
dispatch classifier (or the keyword suggester), a boundary score between neighbouring clauses (learned with the
signal model, else a transparent rule), and one item per run of clauses — with its leaf (the run's own leaves
reordered by the whole complaint's) and the unit the catalogue rule sends it to. Two or more items with different
leaves make a multi-issue complaint."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from catalog import Catalogue
from catalog.rules import DispatchMode
from model.signals.segment import Clause, clauses

# texts → for each, its top leaves with probabilities, best first
SpanClassifier = Callable[[list[str]], list[list[tuple[str, float]]]]
FEATURES = ("enum", "strong", "weak", "sentence", "semicolon", "comma", "same_leaf", "same_sub", "same_top",
            "overlap", "confidence", "first", "cosine")
# Not a number but a block: the neighbouring clauses' embeddings multiplied and subtracted, element by element (what
# the two clauses share and where they differ, beyond one cosine).
EMBEDDING_PAIRS = "embedding_pairs"
SENTENCE_ENDS = "。！!？?\n"
MAX_ITEMS = 4
WHOLE_TEXT_WEIGHT = 0.2   # how much the whole complaint's leaves reorder a span's (chosen on the training side)
PRIOR_FLOOR = 1e-4        # the probability of a leaf the whole complaint does not rank


@dataclass(frozen=True)
class Boundary:
    """A logistic score for "a new problem starts here" over named features (`EMBEDDING_PAIRS` a block of them), cut at
    `threshold`."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float
    threshold: float
    source: str

    def probability(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(rows @ self.weights + self.bias)))


def _rule() -> Boundary:
    """The fallback without a learned model: a new problem starts at an announced one (另外, 二是, 2.) or where
    a sentence ends and the next one belongs to another 大类."""
    weights = {"enum": 3.0, "strong": 3.0, "sentence": 0.5, "semicolon": 0.5, "same_top": -1.5, "same_sub": -1.5,
               "same_leaf": -2.0, "first": -1.0}
    names = tuple(f for f in FEATURES if f != "cosine")
    return Boundary(names, np.array([weights.get(f, 0.0) for f in names]), -1.0, 0.5, "rules")


RULE_BOUNDARY = _rule()


@dataclass(frozen=True)
class SplitItem:
    span: str
    start: int
    end: int
    leaf: str
    probability: float
    unit: str | None        # the lead unit by the leaf's rule at the place; None when the place is not known (yet)
    rule: str               # the leaf's rule (dept:…, territory:street …)
    alternatives: tuple[tuple[str, float], ...] = ()   # the span's next best leaves, for the agent to correct

    def to_json(self) -> dict:
        return {"span": self.span, "start": self.start, "end": self.end, "leaf": self.leaf,
                "probability": round(self.probability, 4), "unit": self.unit, "rule": self.rule,
                "alternatives": [{"leaf": leaf, "probability": round(p, 4)} for leaf, p in self.alternatives]}


@dataclass(frozen=True)
class SplitProposal:
    items: tuple[SplitItem, ...]
    source: str             # the boundary model: 'rules' or the signal model's version

    def to_json(self) -> dict:
        return {"items": [i.to_json() for i in self.items], "source": self.source}


def _agreement(left: list[tuple[str, float]], right: list[tuple[str, float]]) -> float:
    """How much two top-k distributions share: the sum over leaves of the smaller probability."""
    other = dict(right)
    return float(sum(min(p, other.get(leaf, 0.0)) for leaf, p in left))


def features(left: Clause, right: Clause, lp: list, rp: list, index: int, cosine: float = 0.0) -> dict[str, float]:
    """The boundary between two neighbouring clauses, as named numbers."""
    a, b = (lp[0][0] if lp else ""), (rp[0][0] if rp else "")
    return {"enum": right.marker == "enum", "strong": right.marker == "strong", "weak": right.marker == "weak",
            "sentence": right.after in SENTENCE_ENDS, "semicolon": right.after in "；;", "comma": right.after == "，",
            "same_leaf": bool(a) and a == b, "same_sub": bool(a) and a[:4] == b[:4],
            "same_top": bool(a) and a[:2] == b[:2], "overlap": _agreement(lp, rp),
            "confidence": min(lp[0][1] if lp else 0.0, rp[0][1] if rp else 0.0), "first": index == 0,
            "cosine": cosine}


def embedding_pairs(vectors: np.ndarray) -> np.ndarray:
    """[boundaries, 2 · dim]: for each pair of neighbouring clause vectors, their product and absolute difference."""
    left, right = vectors[:-1], vectors[1:]
    return np.hstack([left * right, np.abs(left - right)])


def boundary_table(rows: list[dict[str, float]], names: tuple[str, ...], vectors: np.ndarray | None) -> np.ndarray:
    """The boundary model's input: the named features in order, `EMBEDDING_PAIRS` expanded from the clause vectors."""
    blocks = [np.array([[float(r[f])] for r in rows]).reshape(len(rows), 1) if f != EMBEDDING_PAIRS
              else embedding_pairs(vectors).reshape(len(rows), -1) for f in names]
    return np.hstack(blocks) if blocks else np.zeros((len(rows), 0))


def reranked(top: list[tuple[str, float]], whole: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """A span's leaves reordered by p(leaf | span) · p(leaf | whole complaint)^WHOLE_TEXT_WEIGHT: a short span
    loses the context that says which of its close leaves is meant, and the whole complaint still has it."""
    prior = dict(whole)

    def key(scored: tuple[str, float]) -> float:
        leaf, probability = scored
        return math.log(max(probability, PRIOR_FLOOR)) + \
            WHOLE_TEXT_WEIGHT * math.log(max(prior.get(leaf, 0.0), PRIOR_FLOOR))
    return sorted(top, key=key, reverse=True)


def content_clauses(text: str) -> list[Clause]:
    """The clauses that may carry a problem (a "诉求：…" summary restates them)."""
    return [c for c in clauses(text) if not c.is_request]


class Splitter:
    """Proposes the split of a complaint; `embed` (texts → L2-normalised rows) feeds the cosine and the embedding
    pairs."""

    def __init__(self, catalogue: Catalogue, classify: SpanClassifier, boundary: Boundary = RULE_BOUNDARY,
                 embed: Callable[[list[str]], np.ndarray] | None = None):
        self.catalogue, self.classify, self.boundary, self.embed = catalogue, classify, boundary, embed
        if {"cosine", EMBEDDING_PAIRS} & set(boundary.features) and embed is None:
            raise ValueError("this boundary model reads clause embeddings: pass `embed`")

    def boundary_rows(self, parts: list[Clause], predictions: list[list]) -> np.ndarray:
        names = self.boundary.features
        vectors = self.embed([c.text for c in parts]) if self.reads_embeddings and len(parts) > 1 else None
        cosines = (vectors[:-1] * vectors[1:]).sum(axis=1) if vectors is not None else np.zeros(max(len(parts) - 1, 0))
        rows = [features(parts[i], parts[i + 1], predictions[i], predictions[i + 1], i, float(cosines[i]))
                for i in range(len(parts) - 1)]
        return boundary_table(rows, names, vectors)

    @property
    def reads_embeddings(self) -> bool:
        return bool({"cosine", EMBEDDING_PAIRS} & set(self.boundary.features))

    def runs(self, text: str) -> list[list[Clause]]:
        """The clauses grouped into runs, cut where the boundary model says a new problem starts."""
        parts = content_clauses(text)
        if len(parts) < 2:
            return [parts] if parts else []
        cut = self.boundary.probability(self.boundary_rows(parts, self.classify([c.text for c in parts])))
        runs = [[parts[0]]]
        for clause, p in zip(parts[1:], cut):
            if p >= self.boundary.threshold:
                runs.append([clause])
            else:
                runs[-1].append(clause)
        return runs

    def propose(self, text: str) -> SplitProposal | None:
        """The items when the complaint carries two or more problems for different leaves, else None (units are
        filled in by `located`)."""
        runs = self.runs(text)
        if len(runs) < 2:
            return None
        spans = [(run[0].start, run[-1].end) for run in runs]
        *tops, whole = self.classify([text[a:b] for a, b in spans] + [text])
        tops = [reranked(top, whole) for top in tops]
        items: list[SplitItem] = []
        for (start, end), top in zip(spans, tops):
            if not top or top[0][0] not in self.catalogue:
                continue
            leaf, probability = top[0]
            if items and items[-1].leaf == leaf:     # neighbours about the same leaf are one problem
                previous = items.pop()
                start, probability = previous.start, max(probability, previous.probability)
            if any(i.leaf == leaf for i in items):
                continue
            others = tuple((code, float(p)) for code, p in top[1:] if code in self.catalogue)
            items.append(self.item(text, start, end, leaf, probability, others))
        if len({i.leaf for i in items}) < 2:
            return None
        items = sorted(sorted(items, key=lambda i: -i.probability)[:MAX_ITEMS], key=lambda i: i.start)
        return SplitProposal(tuple(items), self.boundary.source)

    def located(self, proposal: SplitProposal, district: str | None, street: str | None) -> SplitProposal:
        """The same items with their units at a place (resolved by the caller only when there is a split)."""
        return SplitProposal(tuple(replace(i, unit=self.unit(i.leaf, district, street)) for i in proposal.items),
                             proposal.source)

    def item(self, text: str, start: int, end: int, leaf: str, probability: float,
             alternatives: tuple[tuple[str, float], ...] = ()) -> SplitItem:
        return SplitItem(text[start:end], start, end, leaf, float(probability), None,
                         str(self.catalogue.get(leaf).dispatch.responsible), alternatives)

    def unit(self, leaf: str, district: str | None, street: str | None) -> str | None:
        """The lead unit by the leaf's rule at the place, as dispatch resolves it (None: the place is needed)."""
        rule = self.catalogue.get(leaf).dispatch
        unit = rule.responsible.unit_at(district, street)
        if rule.mode is DispatchMode.STEPWISE and not (unit or "").startswith("district:"):
            unit = f"district:{district}" if district else None
        return unit


def span_classifier(suggester) -> SpanClassifier | None:
    """Leaves for spans from the service's suggester: the trained classifier in one batch, else the keyword
    suggester span by span; None without a suggester."""
    classifier = getattr(suggester, "classifier", None)
    if classifier is not None:
        return lambda texts: [[(p.leaf, p.score) for p in prediction.paths]
                              for prediction in classifier.predict(texts, [""] * len(texts), 3)]
    if hasattr(suggester, "suggest"):
        return lambda texts: [[(c.leaf, c.probability) for c in suggester.suggest(t, k=3)] for t in texts]
    return None


def boundary_of(model) -> Boundary:
    """The boundary model trained with a signal model (heads.npz boundary_* arrays), else the rule."""
    arrays = getattr(model, "boundary", None) or {}
    if "weights" not in arrays:
        return RULE_BOUNDARY
    return Boundary(tuple(model.meta["boundary"]["features"]), arrays["weights"], float(arrays["bias"]),
                    float(arrays["threshold"]), model.version)
