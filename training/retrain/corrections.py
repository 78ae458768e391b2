"""Agents' decisions as labelled examples: read from the export (`jiesu data corrections`), carried to the active
catalogue through its change files, weighted (corrections and recent ones more), and split for evaluation."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from catalog import Catalogue, CatalogueError
from catalog.changes import carry_through
from training.classifier.config import RetrainSection
from training.classifier.data import Example


class CorrectionsError(ValueError):
    """A corrections file that cannot be read; the message names the line and the field."""


@dataclass(frozen=True)
class Decision:
    """One agent decision: the text, the leaf the agent settled on, and what the model had proposed."""
    ticket_id: int
    text: str
    title: str
    leaf: str
    suggested: str | None          # the model's top leaf; None when there was no suggestion
    decided_at: datetime
    catalogue_version: str

    @property
    def correction(self) -> bool:
        return self.suggested is not None and self.suggested != self.leaf

    def to_json(self) -> dict:
        return asdict(self) | {"decided_at": self.decided_at.isoformat(), "correction": self.correction}


REQUIRED = ("ticket_id", "text", "leaf", "decided_at", "catalogue_version")


def parse_line(line: str, number: int, where: str) -> Decision:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorrectionsError(f"{where}:{number}: not JSON ({exc.msg}); one object per line") from None
    missing = [k for k in REQUIRED if not row.get(k) and row.get(k) != 0] if isinstance(row, dict) else REQUIRED
    if missing:
        raise CorrectionsError(f"{where}:{number}: missing {', '.join(missing)}; each line needs "
                               f"{', '.join(REQUIRED)} (as `jiesu data corrections` writes them)")
    try:
        decided = datetime.fromisoformat(row["decided_at"])
    except (TypeError, ValueError):
        raise CorrectionsError(f"{where}:{number}: decided_at {row['decided_at']!r} is not an ISO time") from None
    if decided.tzinfo is None:
        raise CorrectionsError(f"{where}:{number}: decided_at {row['decided_at']!r} has no time zone; "
                               "write it as 2026-10-14T09:30:00+08:00")
    return Decision(int(row["ticket_id"]), str(row["text"]), str(row.get("title") or ""), str(row["leaf"]),
                    row.get("suggested"), decided, str(row["catalogue_version"]))


def read_decisions(path: Path) -> list[Decision]:
    if not path.exists():
        raise CorrectionsError(f"{path}: no such file; export one with `jiesu data corrections --out {path}`")
    with path.open(encoding="utf-8") as lines:
        return [parse_line(line, n, str(path)) for n, line in enumerate(lines, 1) if line.strip()]


def write_decisions(decisions: list[Decision], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for d in decisions:
            out.write(json.dumps(d.to_json(), ensure_ascii=False) + "\n")


def carry(decisions: list[Decision], catalogue: Catalogue) -> tuple[list[Decision], Counter]:
    """The decisions in the active catalogue's codes; a split, removed or unlinked leaf leaves the data (counted)."""
    kept, dropped = [], Counter()
    for d in decisions:
        leaf, reason = carry_leaf(d.leaf, d.catalogue_version, catalogue)
        if leaf is None:
            dropped[reason] += 1
            continue
        suggested = carry_leaf(d.suggested, d.catalogue_version, catalogue)[0] if d.suggested else None
        kept.append(Decision(d.ticket_id, d.text, d.title, leaf, suggested, d.decided_at, catalogue.version))
    return kept, dropped


def carry_leaf(leaf: str, version: str, catalogue: Catalogue) -> tuple[str | None, str]:
    """(the leaf's code in the active catalogue, or None and why not)."""
    try:
        steps = catalogue.changes.chain(version, catalogue.version)
    except CatalogueError:
        return None, "no change file links its catalogue version"
    codes, kinds = carry_through(leaf, steps)
    if "split" in kinds:
        return None, "its leaf was split (review and relabel it)"
    if not codes:
        return None, "its leaf was removed"
    if codes[0] not in catalogue or catalogue.get(codes[0]).dispatch is None:
        return None, "not a leaf of the active catalogue"
    return codes[0], ""


def held_out(decisions: list[Decision], share: float) -> tuple[list[Decision], list[Decision]]:
    """(for training, held out): the most recent `share` of the corrections is held out for evaluation."""
    corrections = sorted((d for d in decisions if d.correction), key=lambda d: (d.decided_at, d.ticket_id))
    n = int(round(len(corrections) * share))
    holdout = set(id(d) for d in corrections[len(corrections) - n:]) if n else set()
    return [d for d in decisions if id(d) not in holdout], [d for d in decisions if id(d) in holdout]


def weight_of(decision: Decision, settings: RetrainSection, now: datetime) -> float:
    """Corrections weigh more than confirmations; both halve every `half_life_days` of age."""
    base = settings.correction_weight if decision.correction else settings.decision_weight
    age_days = max(0.0, (now - decision.decided_at).total_seconds() / 86400)
    return base * 0.5 ** (age_days / settings.half_life_days)


def as_examples(decisions: list[Decision], settings: RetrainSection | None = None,
                now: datetime | None = None) -> list[Example]:
    """Training examples (weighted when settings are given) or evaluation examples (weight 1)."""
    return [Example(d.text, d.title, d.leaf, 1.0 if settings is None else weight_of(d, settings, now))
            for d in decisions]
