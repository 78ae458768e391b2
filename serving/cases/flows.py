"""Build the case index from the closed tickets, and add the ones closed since (run by `jiesu index update`).

The database is the source of truth: an update adds the closed tickets whose ids the index lacks, so one that
is interrupted or run twice, or that follows an import of backdated history, adds every closed ticket once."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from model.retrieval.cases import CaseIndex, CaseIndexError
from model.retrieval.embed import Embedder, embed_unique
from serving.cases import service


def build(session: Session, *, embedder: Embedder, directory: Path, now: datetime, progress: bool = True) -> dict:
    """A fresh index over every closed ticket."""
    tickets = service.closed_tickets(session)
    index = _new_index(embedder)
    _add(index, tickets, embedder, progress)
    index.save(directory, source="database", built_at=now.isoformat(), updated_at=now.isoformat(),
               watermark=_watermark(tickets, None))
    return {"cases": len(index), "added": len(tickets), "kind": index.dense.kind, "path": str(directory)}


def update(session: Session, *, embedder: Embedder, directory: Path, now: datetime) -> dict:
    """Add the tickets closed since the last build or update; the index must come from the same encoder."""
    index = CaseIndex.load(directory, encoder=embedder.version)
    if index.info.get("source") != "database":
        raise CaseIndexError(f"{directory}: built from {index.info.get('source')}, not the database; "
                             "`jiesu index build` first")
    fresh = service.closed_tickets_missing(session, known={case.id for case in index.cases})
    if fresh:
        _add(index, fresh, embedder, progress=False)
        index.save(directory, updated_at=now.isoformat(), watermark=_watermark(fresh, index.info.get("watermark")))
    return {"cases": len(index), "added": len(fresh), "kind": index.dense.kind}


def _new_index(embedder: Embedder) -> CaseIndex:
    probe = embedder.embed(["维度探测"])
    return CaseIndex(embedder.version, probe.shape[1])


def _add(index: CaseIndex, tickets: list, embedder: Embedder, progress: bool) -> None:
    if not tickets:
        return
    vectors = embed_unique(embedder, [t.text for t in tickets], [t.title for t in tickets], progress)
    index.add([service.as_case(t) for t in tickets], vectors)


def _watermark(tickets: list, previous: str | None) -> str | None:
    latest = max((t.closed_at for t in tickets), default=None)
    if latest is None:
        return previous
    return max(latest, datetime.fromisoformat(previous)).isoformat() if previous else latest.isoformat()
