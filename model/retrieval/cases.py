"""The index of closed tickets (cases): dense vectors, BM25 terms and each case's outcome, persisted together."""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from model.retrieval.dense import DenseIndex, kind_for
from model.retrieval.lexical import LexicalIndex

MODES = ("dense", "lexical", "fusion")
RRF_K = 60            # reciprocal-rank fusion constant (Cormack et al.); ranks beyond ~100 barely count
CANDIDATES = 50       # how deep each retriever is read before fusion
LEAF_PRIOR = 0.0      # fusion: a case gains this × the classifier's probability of its leaf. Dev chose 0.01 for the
                      # default model in sessions 25 and 27; with the likely leaves' nearest cases below it chose 0
                      # (eval/RESULTS.md, session 28). The reciprocal-rank scores it is added to are at most 2 / 61
LEAF_CASES = 3        # fusion: each of the classifier's N likeliest leaves that no hit shows yet brings its case
                      # nearest the query into the last places of the k (0: off); chosen on dev in session 28
LEAF_CASES_RECENT = 256  # a likely leaf's nearest case is sought among its most recently added this many
MANIFEST, CASES_FILE = "manifest.json", "cases.jsonl"


class CaseIndexError(RuntimeError):
    """A case index that cannot be used: missing, or built with another encoder."""


@dataclass(frozen=True)
class Case:
    """A closed ticket as retrieval sees it: what was asked, where, who handled it, how it ended."""

    id: str
    text: str
    leaf: str | None
    lead_unit: str | None
    title: str = ""
    co_units: tuple[str, ...] = ()
    district: str | None = None
    street: str | None = None
    community: str | None = None
    reply: str = ""
    satisfaction: str | None = None
    closed_at: str | None = None

    def to_json(self) -> dict:
        return {**asdict(self), "co_units": list(self.co_units)}

    @classmethod
    def from_json(cls, row: dict) -> Case:
        return cls(**{**row, "co_units": tuple(row.get("co_units") or ())})


@dataclass(frozen=True)
class Hit:
    case: Case
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    likely_leaf: bool = False     # placed as the nearest case of a likely leaf (score: its cosine to the query)

    def to_json(self) -> dict:
        return {"case": self.case.to_json(), "score": round(self.score, 6),
                "dense_rank": self.dense_rank, "lexical_rank": self.lexical_rank, "likely_leaf": self.likely_leaf}


@dataclass
class CaseIndex:
    """Cases in insertion order; row i of the dense and lexical indexes is cases[i]."""

    encoder: str
    dim: int
    cases: list[Case] = field(default_factory=list)
    dense: DenseIndex | None = None
    lexical: LexicalIndex = field(default_factory=LexicalIndex)
    info: dict = field(default_factory=dict)

    _rows_by_leaf: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        self.dense = self.dense or DenseIndex(self.dim, "flat")
        self._index_leaves(0)

    def _index_leaves(self, start: int) -> None:
        for row in range(start, len(self.cases)):
            if self.cases[row].leaf:
                self._rows_by_leaf.setdefault(self.cases[row].leaf, []).append(row)

    def __len__(self) -> int:
        return len(self.cases)

    def add(self, cases: list[Case], vectors: np.ndarray) -> None:
        """Append cases with their passage vectors; switches to HNSW when the collection outgrows an exact scan."""
        if len(cases) != len(vectors):
            raise ValueError(f"{len(cases)} cases but {len(vectors)} vectors")
        self.dense.add(vectors)
        self.lexical.add([_document(c) for c in cases])
        self.cases.extend(cases)
        self._index_leaves(len(self.cases) - len(cases))
        wanted = kind_for(len(self.cases))
        if wanted != self.dense.kind:
            self.dense = DenseIndex.build(self.dense.index.reconstruct_n(0, len(self.dense)), wanted)

    def search(self, text: str, vector: np.ndarray | None, k: int = 10, mode: str = "fusion",
               leaves: dict[str, float] | None = None, prior: float = LEAF_PRIOR,
               leaf_cases: int = LEAF_CASES) -> list[Hit]:
        """The k most similar cases. `vector` is the query's embedding (needed for dense and fusion). In fusion,
        `leaves` (the classifier's probability of each likely leaf) lift the candidates of those leaves by
        `prior` × the probability: a similar case is most useful when it is the same kind of problem. With
        `leaf_cases` = N, each of the N likeliest leaves that none of the hits shows brings its own case nearest
        the query into the last places (`Hit.likely_leaf`): the agent sees a precedent for every likely reading."""
        if mode not in MODES:
            raise ValueError(f"retrieval mode {mode!r} is not one of {', '.join(MODES)}")
        if mode != "lexical" and vector is None:
            raise ValueError(f"mode {mode} needs the query's embedding; pass it or use mode='lexical'")
        dense = self.dense.search(vector[None, :], CANDIDATES if mode == "fusion" else k)[0] if mode != "lexical" else []
        lexical = self.lexical.search(text, CANDIDATES if mode == "fusion" else k) if mode != "dense" else []
        if mode == "dense":
            return [Hit(self.cases[r], s, dense_rank=i + 1) for i, (r, s) in enumerate(dense)]
        if mode == "lexical":
            return [Hit(self.cases[r], s, lexical_rank=i + 1) for i, (r, s) in enumerate(lexical)]
        hits = self._fuse(dense, lexical, k, leaves or {}, prior)
        return self._with_likely_leaves(hits, vector, leaves or {}, k, leaf_cases) if leaf_cases else hits

    def _with_likely_leaves(self, hits: list[Hit], vector: np.ndarray, leaves: dict[str, float], k: int,
                            n: int) -> list[Hit]:
        """`hits` with their last places given to the nearest case of each of the n likeliest leaves they lack."""
        shown = {h.case.leaf for h in hits}
        added = []
        for leaf, _ in sorted(leaves.items(), key=lambda item: -item[1])[:n]:
            rows = self._rows_by_leaf.get(leaf, [])[-LEAF_CASES_RECENT:]
            if leaf in shown or not rows:
                continue
            similarity = self.dense.vectors(rows) @ vector
            best = int(np.argmax(similarity))
            added.append(Hit(self.cases[rows[best]], float(similarity[best]), likely_leaf=True))
        return hits[:max(0, k - len(added))] + added[:k]

    def _fuse(self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]], k: int,
              leaves: dict[str, float], prior: float) -> list[Hit]:
        ranks: dict[int, list[int | None]] = {}
        for slot, hits in enumerate((dense, lexical)):
            for rank, (row, _) in enumerate(hits, start=1):
                ranks.setdefault(row, [None, None])[slot] = rank
        scores = {row: sum(1 / (RRF_K + r) for r in rr if r) + prior * leaves.get(self.cases[row].leaf, 0.0)
                  for row, rr in ranks.items()}
        best = sorted(scores, key=lambda row: (-scores[row], row))[:k]
        return [Hit(self.cases[row], scores[row], *ranks[row]) for row in best]

    # --- persistence ------------------------------------------------------------------------------
    def save(self, directory: Path, **info) -> None:
        """Write into a staging directory, then swap it in: readers never see half an index."""
        directory = Path(directory)
        staging = directory.with_name(directory.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        with (staging / CASES_FILE).open("w", encoding="utf-8") as out:
            for case in self.cases:
                out.write(json.dumps(case.to_json(), ensure_ascii=False) + "\n")
        self.dense.save(staging)
        self.lexical.save(staging)
        self.info = {**self.info, **info}
        manifest = {"encoder": self.encoder, "dim": self.dim, "kind": self.dense.kind, "cases": len(self.cases),
                    **self.info}
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        staging.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, encoder: str | None = None) -> CaseIndex:
        """Load a saved index; refuses one whose vectors come from another encoder than `encoder`."""
        directory = Path(directory)
        manifest = read_manifest(directory)
        if encoder and manifest["encoder"] != encoder:
            raise CaseIndexError(f"{directory}: built with encoder {manifest['encoder']}, the service embeds with "
                              f"{encoder}; rebuild it with `jiesu index build`")
        with (directory / CASES_FILE).open(encoding="utf-8") as rows:
            cases = [Case.from_json(json.loads(line)) for line in rows]
        info = {k: v for k, v in manifest.items() if k not in ("encoder", "dim", "kind", "cases")}
        return cls(manifest["encoder"], manifest["dim"], cases,
                   DenseIndex.load(directory, manifest["dim"], manifest["kind"]), LexicalIndex.load(directory), info)


def shortlist(hits: list[Hit] | tuple[Hit, ...], n: int) -> list[Hit]:
    """n of a search's hits: the likely leaves' cases keep the last places, the text's best hits fill the rest."""
    likely = [h for h in hits if h.likely_leaf][:n]
    return [h for h in hits if not h.likely_leaf][:n - len(likely)] + likely


def index_dir(home: Path) -> Path:
    """Where the case index lives under $JIESU_HOME."""
    return Path(home) / "index" / "cases"


def read_manifest(directory: Path) -> dict:
    try:
        return json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseIndexError(f"{directory}: no case index here; build one with `jiesu index build`") from None


def _document(case: Case) -> str:
    return f"{case.title} {case.text}".strip()
