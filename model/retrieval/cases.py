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
LEAF_PRIOR = 0.01     # fusion: a case gains this × the classifier's probability of its leaf: the smallest prior
                      # within 0.2 points of the best dev recall@10 for the default model (eval/RESULTS.md, sessions
                      # 25 and 27; 0.02 for session 24's quick model); the reciprocal-rank scores it is added to are
                      # at most 2 / 61 ≈ 0.033
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

    def to_json(self) -> dict:
        return {"case": self.case.to_json(), "score": round(self.score, 6),
                "dense_rank": self.dense_rank, "lexical_rank": self.lexical_rank}


@dataclass
class CaseIndex:
    """Cases in insertion order; row i of the dense and lexical indexes is cases[i]."""

    encoder: str
    dim: int
    cases: list[Case] = field(default_factory=list)
    dense: DenseIndex | None = None
    lexical: LexicalIndex = field(default_factory=LexicalIndex)
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        self.dense = self.dense or DenseIndex(self.dim, "flat")

    def __len__(self) -> int:
        return len(self.cases)

    def add(self, cases: list[Case], vectors: np.ndarray) -> None:
        """Append cases with their passage vectors; switches to HNSW when the collection outgrows an exact scan."""
        if len(cases) != len(vectors):
            raise ValueError(f"{len(cases)} cases but {len(vectors)} vectors")
        self.dense.add(vectors)
        self.lexical.add([_document(c) for c in cases])
        self.cases.extend(cases)
        wanted = kind_for(len(self.cases))
        if wanted != self.dense.kind:
            self.dense = DenseIndex.build(self.dense.index.reconstruct_n(0, len(self.dense)), wanted)

    def search(self, text: str, vector: np.ndarray | None, k: int = 10, mode: str = "fusion",
               leaves: dict[str, float] | None = None, prior: float = LEAF_PRIOR) -> list[Hit]:
        """The k most similar cases. `vector` is the query's embedding (needed for dense and fusion). In fusion,
        `leaves` (the classifier's probability of each likely leaf) lift the candidates of those leaves by
        `prior` × the probability: a similar case is most useful when it is the same kind of problem."""
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
        return self._fuse(dense, lexical, k, leaves or {}, prior)

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
