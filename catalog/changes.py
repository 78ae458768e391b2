"""Catalogue changes (动态更新): how the leaves of one catalogue version become the leaves of the next.

A data directory may hold `changes/*.yaml`, one file per version step:

    from: 1.0.0                      # semantic version (any content hash) or a full version 1.0.0+abcdef123456
    to: 1.1.0
    changes:
      - {kind: split,  old: ["01010101"], new: ["01010101", "01010105"], note: 按噪声源拆分}
      - {kind: merge,  old: ["020101", "020102"], new: ["020101"]}
      - {kind: rename, old: ["030201"], new: ["030201"]}      # same meaning: new name, possibly a new code
      - {kind: move,   old: ["040101"], new: ["050301"]}      # same meaning under another parent
      - {kind: add,    old: [], new: ["060108"]}
      - {kind: remove, old: ["070203"], new: []}

A leaf that no entry names keeps its code. History, corrections and models are carried from one version to
the next through the chain of steps; every problem names its file and entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from catalog.problems import CatalogueError, Location, Problem

CHANGES_DIR = "changes"
# kind → (how many old codes, how many new codes): None = one or more
SHAPES = {"split": (1, None), "merge": (None, 1), "rename": (1, 1), "move": (1, 1), "add": (0, 1), "remove": (1, 0)}


@dataclass(frozen=True)
class Entry:
    kind: str
    old: tuple[str, ...]
    new: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class ChangeStep:
    """One version step: its entries and the file it came from."""
    from_version: str
    to_version: str
    entries: tuple[Entry, ...]
    source: str = ""

    def leaves_added(self) -> set[str]:
        """Leaves the old version did not have in this meaning: added, or the parts of a split."""
        return {code for e in self.entries if e.kind in ("add", "split") for code in e.new}

    def carry(self, old: str) -> tuple[str, tuple[str, ...]]:
        """(kind, new codes) for one old leaf: 'same' when no entry names it, 'remove' with no codes."""
        for entry in self.entries:
            if old in entry.old:
                return entry.kind, entry.new
        return "same", (old,)


def carry_through(code: str, steps: list[ChangeStep]) -> tuple[tuple[str, ...], list[str]]:
    """A leaf's codes after the steps (none: removed; several: split) and the kind of each change met."""
    codes, kinds = (code,), []
    for step in steps:
        carried = []
        for current in codes:
            kind, new = step.carry(current)
            kinds.append(kind)
            carried += new
        codes = tuple(dict.fromkeys(carried))
    return codes, kinds


def version_matches(pattern: str, version: str) -> bool:
    """'1.0.0' matches any content hash of 1.0.0; a full version must match exactly."""
    return version == pattern or ("+" not in pattern and version.split("+", 1)[0] == pattern)


@dataclass
class ChangeLog:
    steps: list[ChangeStep] = field(default_factory=list)

    def chain(self, from_version: str, to_version: str) -> list[ChangeStep]:
        """The steps from one version to another (empty when they are the same version).

        Raises CatalogueError when no chain of change files links them."""
        if from_version == to_version:
            return []
        path, current, seen = [], from_version, set()
        while not version_matches_any(current, to_version):
            step = next((s for s in self.steps if version_matches(s.from_version, current)), None)
            if step is None or step.source in seen:
                known = ", ".join(f"{s.from_version}→{s.to_version}" for s in self.steps) or "none"
                raise CatalogueError([Problem("change-chain", f"no change file leads from catalogue {current} to "
                                              f"{to_version} (change files: {known}); add changes/*.yaml with "
                                              f"from: {current.split('+')[0]}")])
            seen.add(step.source)
            path.append(step)
            current = step.to_version
        return path


def version_matches_any(current: str, target: str) -> bool:
    return version_matches(current, target) or version_matches(target, current)


def _codes(value, where: Location, index: int, name: str, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        problems.append(Problem("change-entry", f"entry #{index}: '{name}' must be a list of leaf codes", where))
        return ()
    return tuple(str(v) for v in value)


def _entry(item, where: Location, index: int, problems: list[Problem]) -> Entry | None:
    if not isinstance(item, dict):
        problems.append(Problem("change-entry", f"entry #{index} is not a mapping (kind, old, new, note)", where))
        return None
    kind = item.get("kind")
    if kind not in SHAPES:
        problems.append(Problem("change-entry", f"entry #{index}: kind {kind!r} is not one of "
                                f"{', '.join(SHAPES)}", where))
        return None
    found = len(problems)
    old, new = (_codes(item.get(k), where, index, k, problems) for k in ("old", "new"))
    if len(problems) > found:
        return None
    want_old, want_new = SHAPES[kind]
    for name, codes, want in (("old", old, want_old), ("new", new, want_new)):
        if (want is None and not codes) or (want is not None and len(codes) != want):
            count = "one or more codes" if want is None else f"exactly {want} code(s)"
            problems.append(Problem("change-entry", f"entry #{index} ({kind}): '{name}' needs {count}, "
                                    f"found {list(codes)}", where))
            return None
    return Entry(kind, old, new, str(item.get("note", "")))


def read_step(path: Path, shown: str | None = None) -> tuple[ChangeStep | None, list[Problem]]:
    """Parse one change file; problems name the file and the entry."""
    where, problems = Location(shown or str(path)), []
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [Problem("change-file", f"cannot parse YAML: {exc}", where)]
    if not isinstance(doc, dict) or not doc.get("from") or not doc.get("to"):
        return None, [Problem("change-file", "a change file is a mapping with 'from', 'to' (catalogue versions) "
                              "and 'changes' (a list of entries)", where)]
    items = doc.get("changes") or []
    if not isinstance(items, list):
        return None, [Problem("change-file", "'changes' must be a list of entries", where)]
    entries = [e for i, item in enumerate(items, 1) if (e := _entry(item, where, i, problems)) is not None]
    named = [code for e in entries for code in e.old]
    for code in sorted({c for c in named if named.count(c) > 1}):
        problems.append(Problem("change-entry", f"old leaf {code} is named by more than one entry", where, code))
    step = ChangeStep(str(doc["from"]), str(doc["to"]), tuple(entries), where.file)
    return (None if problems else step), problems


def read_changes(root: Path | str) -> ChangeLog:
    """Every change file of a data directory; CatalogueError lists the problems of all of them."""
    folder = Path(root) / CHANGES_DIR
    steps, problems = [], []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        step, found = read_step(path, f"{CHANGES_DIR}/{path.name}")
        problems += found
        if step is not None:
            steps.append(step)
    if problems:
        raise CatalogueError(problems)
    return ChangeLog(steps)


def check_against(step: ChangeStep, leaves: set[str], version: str) -> list[Problem]:
    """The step that ends at the catalogue's version must only lead to leaves that catalogue has."""
    if not version_matches(step.to_version, version):
        return []
    where = Location(step.source)
    return [Problem("change-target", f"{e.kind} leads to {code}, which is not a leaf of catalogue {version}",
                    where, code)
            for e in step.entries for code in e.new if code not in leaves]
