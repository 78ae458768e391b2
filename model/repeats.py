"""Repeat and duplicate complaints: a new ticket about the same problem as an open or recent one.

Same problem means the same catalogue leaf, within a window and never in two different known streets, at the same
spot (community and building, or road and number), from the same caller in the same community, or in the same
words about a street the texts themselves name (or by one patrol in one street); text similarity breaks near ties.
Every link carries the reasons an agent can read."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from model.text import comparable

DEFAULT_WINDOW = timedelta(days=90)
SUPERVISION_AT = 3          # the third complaint about one problem goes to special supervision
THRESHOLD = 0.6
WEIGHTS = {"caller": 0.45, "spot": 0.6, "community": 0.2, "street": 0.05, "text": 0.25, "same_words": 0.4}
SAME_WORDS = 0.9            # character-bigram overlap of two texts in the same words: about a street the texts
                            # themselves name (a road, a shop on it), or by one patrol in one street, one problem
                            # told again
_BUILDING = re.compile(r"(\d+)\s*(?:号楼|栋|幢)")
_VILLAGE_HOUSE = re.compile(r"(\d+)\s*组\s*(\d+)\s*号")
_ROAD_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,8}(?:大街|大道|路|街|巷|胡同))\s*(\d+)\s*号(?!楼)")


def spot_of(address: str, community: str | None) -> str | None:
    """The precise spot an address names: community + building (a village's group and house), or road + house
    number; None if none."""
    clean = comparable(address)
    building = _BUILDING.search(clean)
    if building and community:
        return f"{community}|{building.group(1)}号楼"
    house = _VILLAGE_HOUSE.search(clean)
    if house and community:
        return f"{community}|{house.group(1)}组{house.group(2)}号"
    road = _ROAD_NUMBER.search(clean)
    return f"{road.group(1)}{road.group(2)}号" if road else None


@dataclass(frozen=True)
class Complaint:
    """What the detector sees of a ticket."""

    id: str
    received_at: datetime
    leaf: str | None
    caller: str | None = None         # a phone hash or caller id; None for grid reports and anonymous writers
    street: str | None = None
    community: str | None = None
    spot: str | None = None
    text: str = ""
    text_street: str | None = None    # the street the text itself names (a road, a shop on it), not the address
    patrol: str | None = None         # the grid worker who reported it (not a caller: a patrol reports many places)
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RepeatLink:
    earlier: str
    score: float
    reasons: tuple[str, ...]

    def to_json(self) -> dict:
        return {"earlier": self.earlier, "score": round(self.score, 4), "reasons": list(self.reasons)}


def text_similarity(a: Complaint, b: Complaint) -> float:
    """Cosine of the two vectors when both have one, else the Jaccard overlap of character bigrams."""
    if a.vector is not None and b.vector is not None:
        return float(np.clip(a.vector @ b.vector, 0.0, 1.0))
    return _bigram_overlap(a.text, b.text)


def _bigram_overlap(a: str, b: str) -> float:
    ga, gb = _bigrams(a), _bigrams(b)
    return len(ga & gb) / len(ga | gb) if ga and gb else 0.0


def _bigrams(text: str) -> set[str]:
    clean = comparable(text)
    return {clean[i:i + 2] for i in range(len(clean) - 1)}


def score(new: Complaint, old: Complaint) -> tuple[float, tuple[str, ...]]:
    """How surely `new` repeats `old` (0 when the leaf differs), with readable reasons."""
    if new.leaf is None or new.leaf != old.leaf:
        return 0.0, ()
    if new.street and old.street and new.street != old.street:
        return 0.0, ()            # two known places: another problem, whoever calls
    total, reasons = 0.0, []
    if new.caller and new.caller == old.caller:
        total += WEIGHTS["caller"]
        reasons.append("同一来电人")
    if new.spot and new.spot == old.spot:
        total += WEIGHTS["spot"]
        reasons.append(f"同一地点：{new.spot.replace('|', '')}")
    elif new.community and new.community == old.community:
        total += WEIGHTS["community"]
        reasons.append(f"同一社区：{new.community}")
    elif new.street and new.street == old.street:
        total += WEIGHTS["street"]
    similarity = text_similarity(new, old)
    total += WEIGHTS["text"] * similarity
    told_again = _told_again(new, old)
    if told_again:
        total += WEIGHTS["same_words"]
        reasons.append(told_again)
    elif similarity >= 0.5:
        reasons.append(f"诉求内容相似（{similarity:.0%}）")
    return total, tuple(reasons)


def _told_again(new: Complaint, old: Complaint) -> str | None:
    """The reason when `new` tells `old` again in the same words: about a street both texts name, or by the same
    patrol in the same street; None otherwise."""
    if _bigram_overlap(new.text, old.text) < SAME_WORDS:
        return None
    if new.text_street and new.text_street == old.text_street:
        return "同一所述地点、诉求内容几乎相同"
    if new.patrol and new.patrol == old.patrol and new.street and new.street == old.street:
        return "同一网格员、同一街道、诉求内容几乎相同"
    return None


@dataclass(frozen=True)
class RepeatDetector:
    window: timedelta = DEFAULT_WINDOW
    threshold: float = THRESHOLD

    def __post_init__(self):
        if self.window <= timedelta(0):
            raise ValueError(f"the repeat window must be positive, got {self.window}")

    def match(self, new: Complaint, earlier: list[Complaint]) -> RepeatLink | None:
        """The earlier complaint `new` most surely repeats (most recent on ties), if any reaches the threshold."""
        best: RepeatLink | None = None
        best_at = None
        for old in earlier:
            if old.id == new.id or not (timedelta(0) <= new.received_at - old.received_at <= self.window):
                continue
            value, reasons = score(new, old)
            if value >= self.threshold and (best is None or (value, old.received_at) > (best.score, best_at)):
                best, best_at = RepeatLink(old.id, value, reasons), old.received_at
        return best
