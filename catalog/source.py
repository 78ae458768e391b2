"""Read a catalogue data directory into raw records that remember their file and row.

Layout of a data directory (UTF-8 YAML, and one CSV):
    manifest.yaml            name, semantic version, content hash, expected node counts per level
    catalogue/NN.yaml        one file per 大类: a list of nodes, one mapping per node
    city/units.yaml          departments, utilities and enterprises that handle work orders
    city/gazetteer.yaml      districts, streets, communities, landmarks and roads (属地)
    city/addresses.csv       optional: house-number runs of the roads and their streets (catalog/addresses.py)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from catalog.problems import Location, Problem

try:  # the C loader is ~10x faster on the full catalogue
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

MANIFEST_FILE = "manifest.yaml"
CATALOGUE_DIR = "catalogue"
UNITS_FILE = "city/units.yaml"
GAZETTEER_FILE = "city/gazetteer.yaml"

_CODE_LINE = re.compile(r"code:\s*[\"']?([A-Za-z0-9_\-]+)")


@dataclass
class Record:
    """One row of source data: its fields as written, and where it was written."""

    fields: dict
    location: Location


@dataclass
class RawSource:
    root: Path
    manifest: dict = field(default_factory=dict)
    nodes: list[Record] = field(default_factory=list)
    units: list[Record] = field(default_factory=list)
    units_meta: dict = field(default_factory=dict)
    gazetteer: dict = field(default_factory=dict)
    gazetteer_lines: dict[str, list[int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def display(self, relative: str) -> str:
        """A file's path as shown in problems: relative to the working directory when it is below it."""
        path = (self.root / relative).resolve()
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)


def code_lines(text: str) -> dict[str, list[int]]:
    """Map each `code: X` value to the 1-based lines it appears on, in order."""
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _CODE_LINE.search(line)
        if m:
            lines.setdefault(m.group(1), []).append(number)
    return lines


def load_yaml(path: Path, shown: str, problems: list[Problem]):
    """Parse a YAML file; a syntax error becomes a problem pointing at its line."""
    if not path.is_file():
        problems.append(Problem("missing-file", f"required file is missing ({path.name})", Location(shown)))
        return None, ""
    text = path.read_text(encoding="utf-8")
    try:
        return yaml.load(text, Loader=_Loader), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem("yaml-syntax", f"cannot parse YAML: {reason}; check quoting on this line "
                                "(wrap text containing ': ' or starting with a special character in quotes)",
                                Location(shown, row)))
        return None, text


def records_from_list(items, text: str, shown: str, what: str, problems: list[Problem]) -> list[Record]:
    """Turn a parsed YAML list of mappings into located records."""
    if not isinstance(items, list):
        problems.append(Problem("bad-structure", f"expected a list of {what}, found {type(items).__name__}",
                                Location(shown)))
        return []
    lines = code_lines(text)
    records = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem("bad-structure", f"{what} #{index} is not a mapping of fields: {item!r:.60}",
                                    Location(shown)))
            continue
        code = str(item.get("code", ""))
        row = lines[code].pop(0) if lines.get(code) else None
        records.append(Record(item, Location(shown, row)))
    return records


def read_data_dir(root: Path) -> RawSource:
    root = Path(root)
    src = RawSource(root=root)
    if not root.is_dir():
        src.problems.append(Problem("missing-file", "catalogue data directory does not exist", Location(str(root))))
        return src
    manifest, _ = load_yaml(root / MANIFEST_FILE, src.display(MANIFEST_FILE), src.problems)
    src.manifest = manifest if isinstance(manifest, dict) else {}
    files = sorted((root / CATALOGUE_DIR).glob("*.yaml"))
    if not files:
        src.problems.append(Problem("missing-file", "no catalogue files (catalogue/*.yaml)",
                                    Location(src.display(CATALOGUE_DIR))))
    for path in files:
        shown = src.display(f"{CATALOGUE_DIR}/{path.name}")
        items, text = load_yaml(path, shown, src.problems)
        if items is not None:
            src.nodes += records_from_list(items, text, shown, "nodes", src.problems)
    units_doc, text = load_yaml(root / UNITS_FILE, src.display(UNITS_FILE), src.problems)
    if isinstance(units_doc, dict):
        src.units_meta = {k: v for k, v in units_doc.items() if k != "units"}
        src.units = records_from_list(units_doc.get("units"), text, src.display(UNITS_FILE), "units", src.problems)
    elif units_doc is not None:
        src.problems.append(Problem("bad-structure", "units file must be a mapping with a 'units' list",
                                    Location(src.display(UNITS_FILE))))
    gazetteer, text = load_yaml(root / GAZETTEER_FILE, src.display(GAZETTEER_FILE), src.problems)
    if isinstance(gazetteer, dict):
        src.gazetteer = gazetteer
        src.gazetteer_lines = code_lines(text)
    elif gazetteer is not None:
        src.problems.append(Problem("bad-structure", "gazetteer must be a mapping with 'city' and 'districts'",
                                    Location(src.display(GAZETTEER_FILE))))
    return src
