"""Warning levels as pure functions of an injected, aware `now`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from catalog.deadlines import require_aware


class Level(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"    # near due: a reminder (催办) goes out
    RED = "red"          # overdue: into the supervision pool (督办池)


@dataclass(frozen=True)
class WarningPolicy:
    yellow_at: float = 0.8   # yellow once this share of the allowed time has passed

    def __post_init__(self):
        if not 0 < self.yellow_at < 1:
            raise ValueError(f"yellow_at must be between 0 and 1, got {self.yellow_at}")


def warning_level(now: datetime, started: datetime, due: datetime, policy: WarningPolicy = WarningPolicy()) -> Level:
    """Green until `yellow_at` of the time from start to due has passed, yellow until due, red after."""
    now, started, due = (require_aware(t, name) for t, name in ((now, "now"), (started, "start"), (due, "due")))
    if now > due:
        return Level.RED
    allowed = (due - started).total_seconds()
    if allowed <= 0 or (now - started).total_seconds() >= policy.yellow_at * allowed:
        return Level.YELLOW
    return Level.GREEN
