"""Urgency and risk flags of a complaint, with their evidence: the learned model when one is current, else the
keyword rules — and the answer says which, and why the rules answered."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.signals import rules
from model.signals.learned import LABELS, SignalModel, SignalModelError, current_dir
from model.signals.rules import FLAGS, NORMAL, URGENT_NOW, URGENT_TODAY
from model.signals.segment import clauses

log = logging.getLogger("jiesu.signals")
RULES_VERSION = "rules:keyword-1"
NO_MODEL = "没有训练好的信号模型（jiesu signals train），按关键词规则判断"


@dataclass(frozen=True)
class Flag:
    name: str
    score: float | None             # calibrated probability; None when the keyword rules raised it
    evidence: tuple[str, ...]       # the rules' matches, then the clause that scores highest alone

    def to_json(self) -> dict:
        return {"name": self.name, "score": None if self.score is None else round(self.score, 4),
                "evidence": list(self.evidence)}


@dataclass(frozen=True)
class Signals:
    source: str                     # 'learned:<version>' or the rules' version
    urgency: str                    # 立即办 | 紧急 | 一般
    urgency_score: float | None     # P(立即办) when 立即办, else P(紧急 or above); None under the rules
    urgency_evidence: tuple[str, ...]
    flags: tuple[Flag, ...]         # the raised flags only
    scores: dict[str, float]        # every label's calibrated probability (learned only)
    fallback: str = ""              # why the keyword rules answered, when they did

    @property
    def flag_names(self) -> set[str]:
        return {f.name for f in self.flags}

    def to_json(self) -> dict:
        return {"source": self.source, "fallback": self.fallback,
                "urgency": {"level": self.urgency, "score": None if self.urgency_score is None
                            else round(self.urgency_score, 4), "evidence": list(self.urgency_evidence)},
                "flags": [f.to_json() for f in self.flags],
                "scores": {k: round(v, 4) for k, v in self.scores.items()}}


def whole(text: str, title: str = "") -> str:
    return f"{title}\n{text}" if title else text


class RuleDetector:
    """The transparent fallback: regular expressions, their matches as evidence."""

    learned = False

    def __init__(self, fallback: str = NO_MODEL):
        self.version, self.fallback = RULES_VERSION, fallback

    def detect(self, text: str, title: str = "") -> Signals:
        found = rules.detect(whole(text, title))
        flags = tuple(Flag(name, None, found.flags[name]) for name in FLAGS if name in found.flags)
        return Signals(self.version, found.urgency, None, found.urgency_evidence, flags, {}, self.fallback)


def level(probabilities: np.ndarray, thresholds: np.ndarray) -> tuple[str, set[str]]:
    """(urgency, raised flags) from one row of calibrated probabilities over LABELS."""
    raised = {label for label, p, t in zip(LABELS, probabilities, thresholds) if p >= t}
    urgency = URGENT_NOW if URGENT_NOW in raised else URGENT_TODAY if URGENT_TODAY in raised else NORMAL
    return urgency, raised & set(FLAGS)


class LearnedDetector:
    """The learned heads on one batch: the whole text and each clause (the best clause is evidence)."""

    learned = True

    def __init__(self, model: SignalModel):
        self.model = model
        self.version = f"learned:{model.version}"

    def detect(self, text: str, title: str = "") -> Signals:
        full = whole(text, title)
        parts = [c.text for c in clauses(full)]
        probs = self.model.probabilities([full, *parts]) if len(parts) > 1 else self.model.probabilities([full])
        row, by_clause = probs[0], probs[1:]
        urgency, raised = level(row, self.model.heads.thresholds)
        keyword = rules.detect(full)
        head = URGENT_NOW if urgency == URGENT_NOW else URGENT_TODAY
        urgency_evidence = self._evidence(keyword.urgency_evidence, full, parts, by_clause, head) \
            if urgency != NORMAL else ()
        flags = tuple(Flag(name, float(row[LABELS.index(name)]),
                           self._evidence(keyword.flags.get(name, ()), full, parts, by_clause, name))
                      for name in FLAGS if name in raised)
        score = float(row[LABELS.index(head)])
        return Signals(self.version, urgency, score, tuple(dict.fromkeys(urgency_evidence)), flags,
                       {label: float(p) for label, p in zip(LABELS, row)})

    def _evidence(self, matched: tuple[str, ...], full: str, parts: list[str], by_clause: np.ndarray,
                  label: str) -> tuple[str, ...]:
        """The rules' matches and the best clause; where neither exists (one clause, no rule), the phrases the
        lexical heads weigh most; where no phrase raises the label either (the embedding heads raised it), the one
        clause the model read: a raised label always says why."""
        found = matched + self._best(parts, by_clause, label)
        return found or self.model.cues(full, label) or tuple(parts[:1]) or (full.strip(),)

    def _best(self, parts: list[str], by_clause: np.ndarray, label: str) -> tuple[str, ...]:
        """The clause that scores highest for the label when scored alone (none for a one-clause text)."""
        if len(parts) < 2:
            return ()
        return (parts[int(np.argmax(by_clause[:, LABELS.index(label)]))],)


def load_detector(home: Path, classifier=None) -> RuleDetector | LearnedDetector:
    """The current learned model under $JIESU_HOME/signals, else the keyword rules with the reason."""
    directory = current_dir(home)
    if directory is None:
        return RuleDetector()
    try:
        return LearnedDetector(SignalModel(directory, classifier))
    except (SignalModelError, OSError, KeyError, ValueError) as exc:
        log.exception("signal model %s cannot serve; using the keyword rules", directory)
        return RuleDetector(f"信号模型 {directory.name} 无法加载（{exc}），按关键词规则判断")
