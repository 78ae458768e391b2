"""The dispatch vocabulary of a leaf: time limits, unit rules, dispatch modes and urgency levels."""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class DispatchMode(str, Enum):
    DIRECT = "直派"          # 一派到底: straight to the handling unit
    STEPWISE = "逐级转派"     # city → district → street
    PARALLEL = "双派"         # 属地 + 行业部门 in parallel (主办 + 协办)


class Urgency(str, Enum):
    NORMAL = "一般"
    URGENT = "紧急"
    IMMEDIATE = "立即办"


class TimeLimitKind(str, Enum):
    ON_THE_SPOT = "on_the_spot"     # 即办
    HOURS = "hours"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class TimeLimit:
    kind: TimeLimitKind
    amount: int = 0

    def __str__(self) -> str:
        if self.kind is TimeLimitKind.ON_THE_SPOT:
            return "即办"
        unit = "小时" if self.kind is TimeLimitKind.HOURS else "个工作日"
        return f"{self.amount}{unit}"


_TIME_LIMIT = re.compile(r"^(?:(即办)|(\d+)\s*(小时|h|个工作日|工作日|wd))$")
MAX_HOURS = 72
MAX_WORKING_DAYS = 60


def parse_time_limit(text: str) -> TimeLimit:
    """Parse '即办', 'N小时' or 'N个工作日' (also 'Nh', 'Nwd'); raise ValueError explaining the format."""
    m = _TIME_LIMIT.match(str(text).strip())
    if not m:
        raise ValueError(f"time limit {text!r} is not one of 即办, N小时, N个工作日 (e.g. 24小时, 3个工作日)")
    if m.group(1):
        return TimeLimit(TimeLimitKind.ON_THE_SPOT)
    amount, unit = int(m.group(2)), m.group(3)
    if unit in ("小时", "h"):
        if not 1 <= amount <= MAX_HOURS:
            raise ValueError(f"time limit {text!r}: hours must be 1–{MAX_HOURS}; use working days beyond that")
        return TimeLimit(TimeLimitKind.HOURS, amount)
    if not 1 <= amount <= MAX_WORKING_DAYS:
        raise ValueError(f"time limit {text!r}: working days must be 1–{MAX_WORKING_DAYS}")
    return TimeLimit(TimeLimitKind.WORKING_DAYS, amount)


class RuleKind(str, Enum):
    DEPARTMENT = "dept"
    TERRITORY = "territory"


TERRITORY_LEVELS = ("district", "street")


@dataclass(frozen=True)
class UnitRule:
    """Who handles: a named unit (dept:<code>) or the territory (属地) at district or street level."""

    kind: RuleKind
    target: str  # unit code, or 'district' / 'street'

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.target}"

    @property
    def is_territory(self) -> bool:
        return self.kind is RuleKind.TERRITORY

    def unit_at(self, district: str | None, street: str | None) -> str | None:
        """The concrete unit at a place: the department as is; 属地 as district:<code> or street:<code>, or None
        when the place lacks that level."""
        if not self.is_territory:
            return self.target
        code = district if self.target == "district" else street
        return f"{self.target}:{code}" if code else None


def parse_unit_rule(text: str) -> UnitRule:
    """Parse 'dept:<unit_code>', 'territory:district' or 'territory:street'; raise ValueError otherwise."""
    kind, sep, target = str(text).strip().partition(":")
    target = target.strip()
    if not sep or not target:
        raise ValueError(f"unit rule {text!r} must be dept:<unit code>, territory:district or territory:street")
    if kind == RuleKind.DEPARTMENT.value:
        return UnitRule(RuleKind.DEPARTMENT, target)
    if kind == RuleKind.TERRITORY.value and target in TERRITORY_LEVELS:
        return UnitRule(RuleKind.TERRITORY, target)
    raise ValueError(f"unit rule {text!r} must be dept:<unit code>, territory:district or territory:street")
