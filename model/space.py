"""The leaves a model serves under the active catalogue: its own leaves carried through the catalogue's change
files (renamed, moved, merged, split, removed), plus leaves it has never been trained on, scored zero-shot
against prototypes of their descriptions and examples on the heads' own cosine scale.

Nothing outside the active catalogue is ever returned. Leaves the model was not trained on (new, or the parts
of a split) are marked untrained until a retraining includes them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from catalog import Catalogue
from catalog.changes import ChangeStep, carry_through
from model.labels import LEVELS, NO_SUBCLASS, LabelSet, ancestors_of, log_softmax, path_scores

Embed = Callable[[list[str]], np.ndarray]   # texts → L2-normalised rows, through the model's own encoder
Run = Callable[[list[str]], tuple[list[np.ndarray], np.ndarray]]   # texts → (each level's logits, embeddings)
PROTOTYPE_EXAMPLES = 8
REFERENCE_LEAVES = 48      # trained leaves whose prototypes calibrate similarity against the heads' logits


def leaf_description(catalogue: Catalogue, code: str) -> str:
    """A leaf described in the catalogue's own words: its path, description and keywords."""
    node = catalogue.get(code)
    words = "、".join([*node.keywords, *node.aliases][:12])
    return "，".join(p for p in (catalogue.path_name(code, "，"), node.description, words) if p)


def prototype_texts(catalogue: Catalogue, code: str, extra: dict[str, list[str]] | None = None) -> list[str]:
    """What a leaf's prototype is made of: its description, its catalogue examples, and any texts given."""
    node = catalogue.get(code)
    examples = list(node.dispatch.examples) if node.dispatch else []
    return [leaf_description(catalogue, code), *examples[:PROTOTYPE_EXAMPLES], *(extra or {}).get(code, [])]


def similarity_calibration(labels: LabelSet, catalogue: Catalogue, run: Run) -> list[tuple[float, float]]:
    """Per level, (a, b) turning a text's cosine to a prototype into the heads' logit scale: a trained leaf's
    prototype (its description and two examples) against its other examples and the other reference leaves' ones,
    matched to the head's logits for the same pairs (own class and other classes, on average). Text embeddings are
    all alike (cosines near 1), so a raw cosine would make every new leaf win."""
    refs = [leaf for leaf in labels.leaves if leaf in catalogue and catalogue.get(leaf).dispatch
            and len(catalogue.get(leaf).dispatch.examples) >= 3]
    refs = refs[:: max(1, len(refs) // REFERENCE_LEAVES)][:REFERENCE_LEAVES]
    if len(refs) < 2:
        return []
    examples = {leaf: list(catalogue.get(leaf).dispatch.examples) for leaf in refs}
    protos = build_prototypes(refs, lambda c: [leaf_description(catalogue, c), *examples[c][:2]],
                              lambda texts: run(texts)[1])
    queries = [(j, text) for j, leaf in enumerate(refs) for text in examples[leaf][2:]]
    logits, vectors = run([t for _, t in queries])
    cosines = vectors @ protos.vectors.T
    out = []
    for level in range(LEVELS):
        codes = [_padded(leaf)[level] for leaf in refs]
        real = np.array([code != NO_SUBCLASS for code in codes])
        own = np.array([[codes[j] == code for code in codes] for j, _ in queries])   # same class at this level
        heads = logits[level][:, [labels._index[level][code] for code in codes]]
        pos, neg = own & real[None, :], ~own & real[None, :]
        spread = cosines[pos].mean() - cosines[neg].mean() if pos.any() and neg.any() else 0.0
        if spread <= 1e-6 or heads[pos].mean() <= heads[neg].mean():
            return []       # no separation to calibrate on: the heads' own scale is used
        a = (heads[pos].mean() - heads[neg].mean()) / spread
        out.append((float(a), float(heads[pos].mean() - a * cosines[pos].mean())))
    return out


def carry_leaves(leaves: tuple[str, ...], steps: list[ChangeStep]) -> dict[str, tuple[tuple[str, ...], bool]]:
    """Each model leaf → (its codes in the last version, whether a split happened on the way)."""
    out = {}
    for leaf in leaves:
        codes, kinds = carry_through(leaf, steps)
        out[leaf] = (codes, "split" in kinds)
    return out


@dataclass
class Prototypes:
    """Normalised mean embeddings, one row per code."""
    codes: list[str]
    vectors: np.ndarray

    def row(self, code: str) -> int:
        return self.codes.index(code)


def build_prototypes(codes: list[str], texts_of: Callable[[str], list[str]], embed: Embed) -> Prototypes:
    if not codes:
        return Prototypes([], np.zeros((0, 0), dtype=np.float32))
    texts = [texts_of(code) for code in codes]
    flat = embed([t for group in texts for t in group])
    rows, start = [], 0
    for group in texts:
        mean = flat[start:start + len(group)].mean(0)
        rows.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
        start += len(group)
    return Prototypes(list(codes), np.stack(rows).astype(np.float32))


class OutputSpace:
    """Turns a batch's level logits and embeddings into scores over the active catalogue's leaves."""

    def __init__(self, labels: LabelSet, catalogue: Catalogue, steps: list[ChangeStep], *, weights: list[float],
                 heads: dict | None, embed: Embed, run: Run | None = None, new_leaves: set[str] = frozenset(),
                 extra_texts: dict[str, list[str]] | None = None):
        self.labels, self.weights = labels, weights
        known = {leaf.code for leaf in catalogue.leaves()}
        carried = carry_leaves(labels.leaves, steps)
        added = {code for step in steps for code in step.leaves_added()} | set(new_leaves)
        targets = {code for codes, _ in carried.values() for code in codes}
        split_targets = {code for codes, split in carried.values() if split or len(codes) > 1 for code in codes}
        fresh = sorted((added - targets) & known)
        self.leaves: tuple[str, ...] = tuple(sorted((targets & known) | set(fresh)))
        self.dropped = sorted(targets - known)     # model leaves the active catalogue no longer has
        index = {leaf: i for i, leaf in enumerate(self.leaves)}
        self.trained = np.array([leaf not in split_targets and leaf not in fresh and leaf not in added
                                 for leaf in self.leaves])
        self.names = {n.code: n.name for leaf in self.leaves for n in catalogue.path(leaf)}
        self.scale = float((heads or {}).get("scale", 1.0))
        self.bias = list((heads or {}).get("bias_mean", [0.0] * LEVELS))
        if (fresh or split_targets) and not heads:
            raise ValueError("this model predates zero-shot serving (its meta.json has no 'heads'); retrain it "
                             "with `jiesu retrain` to serve new or split leaves")
        self._plan_model_leaves(carried, index)
        self._plan_fresh(fresh, index, catalogue, embed, extra_texts)
        self.calibration = (similarity_calibration(labels, catalogue, run) if fresh and run is not None else []) or \
            [(self.scale, self.bias[level]) for level in range(LEVELS)]
        self.split_protos = build_prototypes(sorted(split_targets & known),
                                             lambda c: prototype_texts(catalogue, c, extra_texts), embed)

    def _plan_model_leaves(self, carried: dict, index: dict[str, int]) -> None:
        self.direct_model, self.direct_target, self.splits = [], [], []
        for j, leaf in enumerate(self.labels.leaves):
            codes = [c for c in carried[leaf][0] if c in index]
            if len(codes) == 1 and not carried[leaf][1]:
                self.direct_model.append(j)
                self.direct_target.append(index[codes[0]])
            elif codes:
                self.splits.append((j, [index[c] for c in codes], codes))
        counts = np.bincount(np.array(self.direct_target, dtype=np.int64), minlength=len(self.leaves))
        self.merged = counts[np.array(self.direct_target, dtype=np.int64)] > 1 if self.direct_target else np.zeros(0, bool)
        self.model_paths = self.labels.path_matrix()

    def carried_columns(self, columns: np.ndarray) -> np.ndarray:
        """Per served leaf, the column `columns` gives the model leaf it carries one to one (the same leaf, or
        renamed or moved), -1 for merged, split and new leaves."""
        out = np.full(len(self.leaves), -1, dtype=np.int64)
        if self.direct_model:
            direct, target = np.array(self.direct_model), np.array(self.direct_target)
            out[target[~self.merged]] = np.asarray(columns)[direct[~self.merged]]
        return out

    def _plan_fresh(self, fresh: list[str], index: dict[str, int], catalogue: Catalogue, embed: Embed,
                    extra_texts) -> None:
        """New columns per level for codes the heads lack, and each fresh leaf's path through them."""
        self.fresh_index = [index[leaf] for leaf in fresh]
        missing: list[list[str]] = [[] for _ in range(LEVELS)]
        for leaf in fresh:
            for level, code in enumerate(_padded(leaf)):
                if code not in self.labels._index[level] and code not in missing[level]:
                    missing[level].append(code)
        leaves_under = defaultdict(list)
        for leaf in fresh:
            for code in ancestors_of(leaf):
                leaves_under[code].append(leaf)
        leaf_protos = build_prototypes(fresh, lambda c: prototype_texts(catalogue, c, extra_texts), embed)
        self.columns = []
        for level in range(LEVELS):
            rows = [leaf_protos.vectors[[leaf_protos.row(l) for l in leaves_under[code]]].mean(0)
                    for code in missing[level]]
            rows = [r / max(float(np.linalg.norm(r)), 1e-12) for r in rows]
            self.columns.append(np.stack(rows).astype(np.float32) if rows else None)
        sizes = self.labels.sizes()
        self.fresh_paths = np.array(
            [[self.labels._index[lv][c] if c in self.labels._index[lv] else sizes[lv] + missing[lv].index(c)
              for lv, c in enumerate(_padded(leaf))] for leaf in fresh], dtype=np.int64).T.reshape(LEVELS, len(fresh))

    def scores(self, level_logits: list[np.ndarray], embeddings: np.ndarray | None) -> np.ndarray:
        """(batch, len(self.leaves)) path scores; -inf where no source reaches a leaf."""
        batch = level_logits[0].shape[0]
        needs_vectors = bool(self.fresh_index or self.splits)
        if needs_vectors and embeddings is None:
            raise ValueError("scoring new or split leaves needs the model's embedding output")
        extended = [lg if cols is None else np.concatenate(
            [lg, self.calibration[level][0] * embeddings @ cols.T + self.calibration[level][1]], axis=1)
            for level, (lg, cols) in enumerate(zip(level_logits, self.columns))]
        model_scores = path_scores(extended, self.model_paths, self.weights)
        out = np.full((batch, len(self.leaves)), -np.inf)
        if self.direct_model:
            direct = np.array(self.direct_model)
            target = np.array(self.direct_target)
            out[:, target[~self.merged]] = model_scores[:, direct[~self.merged]]
            for j, t in zip(direct[self.merged], target[self.merged]):
                out[:, t] = np.logaddexp(out[:, t], model_scores[:, j])
        for j, targets, codes in self.splits:
            share = log_softmax(self.scale * embeddings @ self.split_protos.vectors[
                [self.split_protos.row(c) for c in codes]].T)
            for k, t in enumerate(targets):
                out[:, t] = np.logaddexp(out[:, t], model_scores[:, j] + share[:, k])
        if self.fresh_index:
            fresh = path_scores(extended, self.fresh_paths, self.weights)
            for k, t in enumerate(self.fresh_index):
                out[:, t] = np.logaddexp(out[:, t], fresh[:, k])
        return out


def _padded(leaf: str) -> list[str]:
    codes = ancestors_of(leaf)
    return codes + [NO_SUBCLASS] * (LEVELS - len(codes))
