"""Carrying the history to a new catalogue version through its change files: tickets, the suggestions' choices
and the maintainers' labels take the new codes; a split leaf's tickets are placed by the model (or the keyword
suggester) among the split's parts. Every relabelled ticket gets an audit entry."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import Catalogue, CatalogueError
from catalog.changes import carry_through
from serving.corrections.models import CorrectionReview
from serving.suggestions.models import Suggestion
from serving.tickets.models import AuditEntry, Ticket

Choose = Callable[[Ticket, tuple[str, ...]], str | None]   # a split's part for a ticket; None: cannot tell
ACTION = "recatalogue"


def carried(leaf: str, version: str, catalogue: Catalogue) -> tuple[str, tuple[str, ...]]:
    """(what happened, the leaf's codes in the active catalogue): same, renamed …, split (several codes),
    removed (none) or unlinked (no change file leads from that version)."""
    try:
        steps = catalogue.changes.chain(version, catalogue.version)
    except CatalogueError:
        return "unlinked", ()
    codes, kinds = carry_through(leaf, steps)
    kind = "split" if len(codes) > 1 else "removed" if not codes else next(
        (k for k in reversed(kinds) if k != "same"), "same")
    return kind, codes


def carry_history(session: Session, *, catalogue: Catalogue, choose: Choose, actor: str, now: datetime,
                  batch: int = 1000) -> dict:
    """Relabel every ticket of an earlier catalogue version; returns counts per outcome."""
    counts = Counter()
    last_id = 0
    while True:
        tickets = list(session.scalars(select(Ticket).where(Ticket.catalogue_version != catalogue.version,
                                                            Ticket.id > last_id).order_by(Ticket.id).limit(batch)))
        if not tickets:
            return dict(counts)
        for ticket in tickets:
            counts[carry_ticket(session, ticket, catalogue=catalogue, choose=choose, actor=actor, now=now)] += 1
        last_id = tickets[-1].id
        session.flush()


def carry_ticket(session: Session, ticket: Ticket, *, catalogue: Catalogue, choose: Choose, actor: str,
                 now: datetime) -> str:
    """Carry one ticket (and its suggestion and review) to the active version; the outcome's name."""
    old_version, old_leaf = ticket.catalogue_version, ticket.leaf
    if old_leaf is None:
        kind, codes = "undecided", ()
    else:
        kind, codes = carried(old_leaf, old_version, catalogue)
        if kind in ("removed", "unlinked"):
            return kind                      # stays in its version: nothing in the new one means the same
    leaf = codes[0] if len(codes) == 1 else (choose(ticket, codes) if codes else None)
    if codes and leaf not in codes:
        return "split_undecided"            # neither the model nor the keywords could tell: left for review
    ticket.leaf, ticket.catalogue_version = leaf, catalogue.version
    _carry_suggestion(session, ticket, old_version, catalogue)
    if leaf != old_leaf:
        session.add(AuditEntry(ticket=ticket, at=now, actor=actor, role="system", action=ACTION,
                               from_status=ticket.status, to_status=ticket.status,
                               reason=f"目录 {old_version} → {catalogue.version}：{old_leaf} → {leaf}（{kind}）",
                               details={"old_leaf": old_leaf, "new_leaf": leaf, "kind": kind,
                                        "old_version": old_version}))
    return kind


def _carry_suggestion(session: Session, ticket: Ticket, old_version: str, catalogue: Catalogue) -> None:
    suggestion = session.scalar(select(Suggestion).where(Suggestion.ticket_id == ticket.id))
    if suggestion is None:
        return
    if suggestion.chosen_leaf is not None:
        suggestion.chosen_leaf = _one(suggestion.chosen_leaf, old_version, catalogue, ticket.leaf)
    suggestion.candidates = [c | {"leaf": leaf} for c in suggestion.candidates
                             if (leaf := _one(c["leaf"], old_version, catalogue, ticket.leaf))]
    suggestion.catalogue_version = catalogue.version
    review = session.scalar(select(CorrectionReview).where(CorrectionReview.suggestion_id == suggestion.id))
    if review is not None and review.leaf:
        review.leaf = _one(review.leaf, old_version, catalogue, ticket.leaf)


def _one(leaf: str, version: str, catalogue: Catalogue, ticket_leaf: str | None) -> str | None:
    """A leaf's single new code: a split part is the ticket's own when it is one of them, else the first."""
    _, codes = carried(leaf, version, catalogue)
    if len(codes) > 1:
        return ticket_leaf if ticket_leaf in codes else codes[0]
    return codes[0] if codes else None
