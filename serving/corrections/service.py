"""Database work for the retraining loop: decisions as labelled examples, the maintainers' review of disputed
ones, shadow predictions and their agreement with the agents."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.corrections.models import CorrectionReview, ShadowPrediction
from serving.suggestions.models import Suggestion
from serving.tickets.models import Ticket

VERDICTS = ("label", "agent_error")


@dataclass(frozen=True)
class DecisionRow:
    """One decided suggestion as a labelled example (what `jiesu data corrections` writes)."""
    suggestion_id: int
    ticket_id: int
    text: str
    title: str
    leaf: str                    # the label: the maintainer's, else the ticket's final leaf, else the agent's first
    chosen_leaf: str
    suggested: str | None
    probability: float | None
    decided_at: datetime
    decided_by: str
    catalogue_version: str
    review: str | None

    @property
    def correction(self) -> bool:
        return self.suggested is not None and self.suggested != self.leaf

    def to_json(self) -> dict:
        return {"ticket_id": self.ticket_id, "text": self.text, "title": self.title, "leaf": self.leaf,
                "suggested": self.suggested, "chosen_leaf": self.chosen_leaf, "probability": self.probability,
                "decided_at": self.decided_at.isoformat(), "decided_by": self.decided_by,
                "catalogue_version": self.catalogue_version, "correction": self.correction, "review": self.review}


def _decided():
    return (select(Suggestion, Ticket, CorrectionReview)
            .join(Ticket, Ticket.id == Suggestion.ticket_id)
            .outerjoin(CorrectionReview, CorrectionReview.suggestion_id == Suggestion.id)
            .where(Suggestion.chosen_leaf.is_not(None), Suggestion.decided_at.is_not(None)))


def _row(s: Suggestion, t: Ticket, r: CorrectionReview | None) -> DecisionRow:
    top = s.candidates[0] if s.candidates else None
    label = (r.leaf if r is not None and r.verdict == "label" and r.leaf else None) or t.leaf or s.chosen_leaf
    return DecisionRow(s.id, t.id, t.text, t.title, label, s.chosen_leaf, top["leaf"] if top else None,
                       top["probability"] if top else None, s.decided_at, s.decided_by or "", t.catalogue_version,
                       r.verdict if r is not None else None)


def decisions(session: Session, *, since: datetime | None = None, until: datetime | None = None,
              include_agent_errors: bool = False) -> list[DecisionRow]:
    """Every agent decision in the period, oldest first; the ones a maintainer marked as agent errors left out."""
    query = _decided()
    if since is not None:
        query = query.where(Suggestion.decided_at >= since)
    if until is not None:
        query = query.where(Suggestion.decided_at < until)
    rows = [_row(*r) for r in session.execute(query.order_by(Suggestion.decided_at, Suggestion.id))]
    return [r for r in rows if include_agent_errors or r.review != "agent_error"]


def disputed(session: Session, *, limit: int = 100) -> list[DecisionRow]:
    """Unreviewed decisions that disagree with the model or were re-dispatched to another leaf; the ones the model
    was surest about first (the likeliest agent errors, and the likeliest model blind spots)."""
    query = _decided().where(CorrectionReview.id.is_(None))
    rows = [_row(*r) for r in session.execute(query.order_by(Suggestion.decided_at.desc()))]
    found = [r for r in rows if r.correction or r.leaf != r.chosen_leaf]
    return sorted(found, key=lambda r: (-(r.probability or 0.0), -r.suggestion_id))[:limit]


def review(session: Session, *, suggestion_id: int, verdict: str, leaf: str | None, note: str, actor: str,
           now: datetime) -> CorrectionReview:
    """Record (or replace) a maintainer's verdict; ValueError/KeyError say what is wrong."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict!r}: choose label (train on the agent's choice) or agent_error")
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.chosen_leaf is None:
        raise KeyError(f"no decided suggestion {suggestion_id}; list the disputed ones at /api/v1/corrections/disputed")
    row = session.scalar(select(CorrectionReview).where(CorrectionReview.suggestion_id == suggestion_id))
    if row is None:
        row = CorrectionReview(suggestion_id=suggestion_id)
        session.add(row)
    row.verdict, row.leaf, row.note = verdict, leaf if verdict == "label" else None, note
    row.reviewed_by, row.reviewed_at = actor, now
    return row


def record_shadow(session: Session, *, ticket_id: int, version: str, candidates: list[dict], error: str,
                  latency_ms: float, now: datetime) -> ShadowPrediction:
    row = ShadowPrediction(ticket_id=ticket_id, model_version=version, status="error" if error else "ok",
                           candidates=candidates, error=error, latency_ms=latency_ms, created_at=now)
    session.add(row)
    return row


@dataclass
class Agreement:
    decided: int = 0
    current_top1: int = 0
    shadow_top1: int = 0
    shadow_top3: int = 0
    errors: int = 0

    def to_json(self) -> dict:
        rate = (lambda n: round(n / self.decided, 4) if self.decided else None)
        return {"decided": self.decided, "current_top1": rate(self.current_top1), "shadow_top1": rate(self.shadow_top1),
                "shadow_top3": rate(self.shadow_top3), "shadow_errors": self.errors}


def shadow_agreement(session: Session, *, version: str, since: datetime | None = None) -> dict:
    """How often the current model's and the shadow's top leaf matched what the agents chose, on the same tickets."""
    query = (select(ShadowPrediction, Suggestion)
             .join(Suggestion, Suggestion.ticket_id == ShadowPrediction.ticket_id)
             .where(ShadowPrediction.model_version == version))
    if since is not None:
        query = query.where(ShadowPrediction.created_at >= since)
    agreement, predicted = Agreement(), Counter()
    for shadow, suggestion in session.execute(query):
        predicted["tickets"] += 1
        if shadow.status != "ok":
            agreement.errors += 1
            continue
        if suggestion.chosen_leaf is None:
            continue
        agreement.decided += 1
        shadow_leaves = [c["leaf"] for c in shadow.candidates]
        current = suggestion.candidates[0]["leaf"] if suggestion.candidates else None
        agreement.current_top1 += current == suggestion.chosen_leaf
        agreement.shadow_top1 += bool(shadow_leaves) and shadow_leaves[0] == suggestion.chosen_leaf
        agreement.shadow_top3 += suggestion.chosen_leaf in shadow_leaves[:3]
    return {"version": version, "tickets": predicted["tickets"], **agreement.to_json()}
