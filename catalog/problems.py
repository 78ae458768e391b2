"""Validation problems: what is wrong, where (file and row), and which rule it breaks."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    file: str
    row: int | None = None

    def __str__(self) -> str:
        return self.file if self.row is None else f"{self.file}:{self.row}"


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str
    location: Location | None = None
    code: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        what = f"node {self.code}: " if self.code else ""
        return f"{where}[{self.rule}] {what}{self.message}"

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "message": self.message,
            "file": self.location.file if self.location else None,
            "row": self.location.row if self.location else None,
            "code": self.code,
        }


class CatalogueError(Exception):
    """Raised when a catalogue cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"catalogue rejected: {len(problems)} problem(s)\n{shown}{more}")
