"""Validation rules for a catalogue source: every problem is reported with its file, row and rule."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from catalog.problems import Location, Problem
from catalog.rules import (DispatchMode, TimeLimit, TimeLimitKind, Urgency, parse_time_limit,
                           parse_unit_rule)
from catalog.source import GAZETTEER_FILE, MANIFEST_FILE, RawSource, Record

BASE_FIELDS = ("code", "name", "description", "keywords", "aliases")
LOCATION_FIELDS = ("level", "parent")  # optional in YAML, always present in tables; checked when given
LEAF_FIELDS = ("responsible", "co_handlers", "dispatch_mode", "closure_standard", "time_limit", "urgency",
               "examples")
REQUIRED_LEAF_FIELDS = ("dispatch_mode", "closure_standard", "time_limit", "urgency")
KNOWN_FIELDS = set(BASE_FIELDS) | set(LOCATION_FIELDS) | set(LEAF_FIELDS)
MIN_EXAMPLES = 3
MIN_EXAMPLE_CHARS = 12
IMMEDIATE_MAX_HOURS = 24  # 立即办 work is measured in hours, never in working days
UNIT_KINDS = ("department", "utility", "enterprise", "platform")
UNIT_FIELDS = {"code", "name", "kind", "hours", "phone", "active", "note"}
_CODE = re.compile(r"^(?:\d\d){1,4}$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_DISTRICT_CODE = re.compile(r"^[A-Z]{2}$")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


class NodeIndex:
    """Codes of well-formed node records, with their children, for the structural rules."""

    def __init__(self, records: list[Record]):
        self.by_code: dict[str, Record] = {}
        self.children: dict[str, list[str]] = defaultdict(list)
        for rec in records:
            code = _text(rec.fields.get("code"))
            if _CODE.match(code) and code not in self.by_code:
                self.by_code[code] = rec
        for code in self.by_code:
            if len(code) > 2:
                self.children[code[:-2]].append(code)

    def is_leaf(self, code: str) -> bool:
        return len(code) >= 6 and not self.children.get(code)


def check_codes(records: list[Record]) -> Iterator[Problem]:
    first_seen: dict[str, Location] = {}
    for rec in records:
        raw = rec.fields.get("code")
        code = _text(raw)
        if isinstance(raw, int) or not _CODE.match(code):
            yield Problem("bad-code", f"code {raw!r} must be 2, 4, 6 or 8 digits written as a quoted string "
                          "(2 digits per level, e.g. \"01\", \"0103\", \"010305\", \"01030502\")", rec.location)
            continue
        if any(code[i:i + 2] == "00" for i in range(0, len(code), 2)):
            yield Problem("bad-code", "a level segment may not be 00; number siblings from 01", rec.location, code)
        if code in first_seen:
            yield Problem("duplicate-code", f"code already used at {first_seen[code]}; give this node a free code",
                          rec.location, code)
        else:
            first_seen[code] = rec.location


def check_fields(rec: Record, code: str, is_leaf: bool) -> Iterator[Problem]:
    fields = rec.fields
    for key in fields:
        if key not in KNOWN_FIELDS:
            yield Problem("unknown-field", f"unknown field {key!r}; allowed: {', '.join(sorted(KNOWN_FIELDS))}",
                          rec.location, code)
    for key in ("name", "description"):
        if not _text(fields.get(key)):
            yield Problem("missing-field", f"{key} is empty; every node needs a {key}", rec.location, code)
    for key in ("keywords", "aliases"):
        value = fields.get(key)
        if not isinstance(value, list) or not value or not all(_text(v) for v in value):
            yield Problem("missing-field", f"{key} must be a non-empty list of words citizens or agents use",
                          rec.location, code)
    if "level" in fields and _text(fields["level"]) != str(len(code) // 2):
        yield Problem("level-mismatch", f"level {fields['level']!r} does not match the code (level {len(code) // 2})",
                      rec.location, code)
    if "parent" in fields and _text(fields["parent"]) != code[:-2]:
        yield Problem("level-mismatch", f"parent {fields['parent']!r} does not match the code "
                      f"(parent {code[:-2] or 'none'})", rec.location, code)
    if not is_leaf:
        extra = [k for k in LEAF_FIELDS if fields.get(k) not in (None, "", [])]
        if extra:
            yield Problem("branch-with-leaf-fields", f"only leaves carry dispatch fields, but this node has "
                          f"children and sets {', '.join(extra)}; move them to its leaves", rec.location, code)


def check_rule(text, where: str, rec: Record, code: str, units: dict[str, dict]) -> Iterator[Problem]:
    try:
        rule = parse_unit_rule(text)
    except ValueError as exc:
        yield Problem("bad-unit-rule", f"{where}: {exc}", rec.location, code)
        return
    if rule.is_territory:
        return
    unit = units.get(rule.target)
    if unit is None:
        yield Problem("unknown-unit", f"{where}: unit {rule.target!r} is not in city/units.yaml; add the unit "
                      "there or use an existing code", rec.location, code)
    elif unit.get("active") is False:
        yield Problem("inactive-unit", f"{where}: unit {rule.target!r} ({unit.get('name')}) is inactive and "
                      "cannot be dispatched to; name its successor", rec.location, code)


def check_leaf(rec: Record, code: str, units: dict[str, dict]) -> Iterator[Problem]:
    fields = rec.fields
    if not _text(fields.get("responsible")):
        yield Problem("leaf-without-rule", "a leaf needs a responsible unit rule (dept:<unit code>, "
                      "territory:district or territory:street)", rec.location, code)
    else:
        yield from check_rule(fields["responsible"], "responsible", rec, code, units)
    co = fields.get("co_handlers") or []
    if not isinstance(co, list):
        yield Problem("bad-unit-rule", "co_handlers must be a list of unit rules", rec.location, code)
        co = []
    for item in co:
        yield from check_rule(item, "co_handlers", rec, code, units)
    if _text(fields.get("responsible")) in [_text(c) for c in co]:
        yield Problem("bad-unit-rule", "the responsible unit is also listed as a co-handler", rec.location, code)
    for key in REQUIRED_LEAF_FIELDS:
        if not _text(fields.get(key)):
            yield Problem("missing-field", f"a leaf needs {key}", rec.location, code)
    yield from check_dispatch_mode(fields, co, rec, code)
    urgency = _text(fields.get("urgency"))
    if urgency and urgency not in {u.value for u in Urgency}:
        yield Problem("bad-urgency", f"urgency {urgency!r} must be one of 一般, 紧急, 立即办", rec.location, code)
    if _text(fields.get("time_limit")):
        try:
            limit = parse_time_limit(fields["time_limit"])
        except ValueError as exc:
            yield Problem("bad-time-limit", str(exc), rec.location, code)
        else:
            yield from check_immediate_limit(urgency, limit, rec, code)
    yield from check_examples(fields, rec, code)


def check_immediate_limit(urgency: str, limit: TimeLimit, rec: Record, code: str) -> Iterator[Problem]:
    too_long = limit.kind is TimeLimitKind.WORKING_DAYS or (
        limit.kind is TimeLimitKind.HOURS and limit.amount > IMMEDIATE_MAX_HOURS)
    if urgency == Urgency.IMMEDIATE.value and too_long:
        yield Problem("bad-time-limit", f"a 立即办 leaf must be handled within {IMMEDIATE_MAX_HOURS} hours or on the "
                      f"spot, not {limit}; shorten the limit or lower the urgency", rec.location, code)


def check_dispatch_mode(fields: dict, co: list, rec: Record, code: str) -> Iterator[Problem]:
    mode = _text(fields.get("dispatch_mode"))
    if not mode:
        return
    if mode not in {m.value for m in DispatchMode}:
        yield Problem("bad-dispatch-mode", f"dispatch_mode {mode!r} must be one of 直派, 逐级转派, 双派",
                      rec.location, code)
    elif mode == DispatchMode.PARALLEL.value:
        rules = [_text(fields.get("responsible"))] + [_text(c) for c in co]
        if not (any(r.startswith("territory:") for r in rules) and any(r.startswith("dept:") for r in rules)):
            yield Problem("bad-dispatch-mode", "双派 sends to the territory and a department in parallel: "
                          "responsible + co_handlers need one territory rule and one dept rule", rec.location, code)


def check_examples(fields: dict, rec: Record, code: str) -> Iterator[Problem]:
    examples = fields.get("examples")
    if not isinstance(examples, list) or len([e for e in examples if _text(e)]) < MIN_EXAMPLES:
        yield Problem("leaf-without-examples", f"a leaf needs at least {MIN_EXAMPLES} example complaints written as "
                      "citizens, agents or grid workers write them", rec.location, code)
        return
    name = _normalise(_text(fields.get("name")))
    for example in examples:
        text = _normalise(_text(example))
        if len(text) < MIN_EXAMPLE_CHARS or text == name:
            yield Problem("example-too-short", f"example {text!r} is too short or only restates the name; write "
                          f"a real complaint of at least {MIN_EXAMPLE_CHARS} characters", rec.location, code)


def check_names(index: NodeIndex) -> Iterator[Problem]:
    siblings: dict[tuple[str, str], str] = {}
    leaves: dict[str, str] = {}
    for code, rec in index.by_code.items():
        name = _text(rec.fields.get("name"))
        if not name:
            continue
        key = (code[:-2], name)
        if key in siblings:
            yield Problem("duplicate-sibling-name", f"name {name!r} is already used by sibling {siblings[key]}",
                          rec.location, code)
        siblings.setdefault(key, code)
        parent = index.by_code.get(code[:-2])
        if parent is not None and _text(parent.fields.get("name")) == name:
            yield Problem("duplicate-sibling-name", f"name {name!r} repeats its parent's name", rec.location, code)
        if index.is_leaf(code):
            if name in leaves:
                yield Problem("duplicate-leaf-name", f"leaf name {name!r} is already used by leaf {leaves[name]}; "
                              "leaf names must be unique in the whole catalogue", rec.location, code)
            leaves.setdefault(name, code)


def check_copied_texts(index: NodeIndex) -> Iterator[Problem]:
    owner: dict[str, str] = {}
    for code, rec in index.by_code.items():
        texts = [rec.fields.get("description")] + list(rec.fields.get("examples") or [])
        for text in texts:
            key = _normalise(_text(text))
            if not key:
                continue
            if key in owner and owner[key] != code:
                yield Problem("copied-text", f"text {key[:24]!r}… is copied from node {owner[key]}; "
                              "write each description and example for its own node", rec.location, code)
            owner.setdefault(key, code)


def check_nodes(src: RawSource, units: dict[str, dict]) -> Iterator[Problem]:
    yield from check_codes(src.nodes)
    index = NodeIndex(src.nodes)
    for code, rec in index.by_code.items():
        if len(code) > 2 and code[:-2] not in index.by_code:
            yield Problem("orphan", f"parent {code[:-2]} does not exist; add the parent node or fix the code",
                          rec.location, code)
        if len(code) <= 4 and not index.children.get(code):
            what = "大类 has no 小类" if len(code) == 2 else "小类 has no 细类"
            yield Problem("childless-branch", f"{what}; every 大类 and 小类 needs children", rec.location, code)
        leaf = index.is_leaf(code)
        yield from check_fields(rec, code, leaf)
        if leaf:
            yield from check_leaf(rec, code, units)
    yield from check_names(index)
    yield from check_copied_texts(index)


def check_counts(src: RawSource) -> Iterator[Problem]:
    expected = src.manifest.get("expected_levels")
    if not expected:
        return
    counts = defaultdict(int)
    for code in NodeIndex(src.nodes).by_code:
        counts[len(code) // 2] += 1
    where = Location(src.display(MANIFEST_FILE))
    for level, want in sorted(expected.items(), key=lambda kv: int(kv[0])):
        got = counts.get(int(level), 0)
        if got != int(want):
            yield Problem("wrong-count", f"level {level} has {got} nodes, the manifest expects {want}; add or "
                          "remove nodes, or correct expected_levels in the manifest", where)


def check_manifest(src: RawSource) -> Iterator[Problem]:
    where = Location(src.display(MANIFEST_FILE))
    if not _text(src.manifest.get("name")):
        yield Problem("manifest", "manifest needs a name for the catalogue", where)
    if not _SEMVER.match(_text(src.manifest.get("version"))):
        yield Problem("manifest", f"version {src.manifest.get('version')!r} must be a semantic version "
                      "MAJOR.MINOR.PATCH, e.g. 1.0.0", where)


def unit_index(src: RawSource) -> tuple[dict[str, dict], list[Problem]]:
    units: dict[str, dict] = {}
    problems: list[Problem] = []
    for rec in src.units:
        code, fields = _text(rec.fields.get("code")), rec.fields
        unknown = set(fields) - UNIT_FIELDS
        if unknown:
            problems.append(Problem("unknown-field", f"unknown unit field(s) {sorted(unknown)}", rec.location, code))
        if not code or not _text(fields.get("name")):
            problems.append(Problem("missing-field", "a unit needs a code and a name", rec.location, code or None))
            continue
        if fields.get("kind") not in UNIT_KINDS:
            problems.append(Problem("bad-unit", f"unit kind {fields.get('kind')!r} must be one of "
                                    f"{', '.join(UNIT_KINDS)}", rec.location, code))
        if code in units:
            problems.append(Problem("duplicate-unit", "unit code is used twice", rec.location, code))
        units.setdefault(code, fields)
    for key in ("fallback_unit", "platform_unit"):
        target = src.units_meta.get(key)
        if target is not None and target not in units:
            problems.append(Problem("unknown-unit", f"{key} {target!r} is not a unit in the list",
                                    Location(src.display("city/units.yaml"))))
    return units, problems


def check_gazetteer(src: RawSource) -> Iterator[Problem]:
    gaz = src.gazetteer
    if not gaz:
        return
    shown = src.display(GAZETTEER_FILE)

    def at(code: str) -> Location:
        rows = src.gazetteer_lines.get(code) or [None]
        return Location(shown, rows[0])

    districts = gaz.get("districts")
    if not isinstance(districts, list) or not districts:
        yield Problem("bad-gazetteer", "gazetteer needs a non-empty 'districts' list", Location(shown))
        return
    seen_districts: set[str] = set()
    for d in districts:
        code = _text(d.get("code")) if isinstance(d, dict) else ""
        if not _DISTRICT_CODE.match(code):
            yield Problem("bad-gazetteer", f"district code {code!r} must be 2 uppercase letters", at(code))
            continue
        if code in seen_districts:
            yield Problem("bad-gazetteer", f"district code {code} is used twice", at(code))
        seen_districts.add(code)
        if not _text(d.get("name")):
            yield Problem("bad-gazetteer", f"district {code} needs a name", at(code))
        population = d.get("population")
        if not isinstance(population, int) or population <= 0:
            yield Problem("bad-gazetteer", f"district {code} needs a positive integer population", at(code))
        yield from check_streets(d, code, at)


def check_streets(district: dict, code: str, at) -> Iterator[Problem]:
    streets = district.get("streets")
    if not isinstance(streets, list) or not streets:
        yield Problem("bad-gazetteer", f"district {code} needs a non-empty 'streets' list", at(code))
        return
    names: set[str] = set()
    codes: set[str] = set()
    for s in streets:
        scode = _text(s.get("code")) if isinstance(s, dict) else ""
        if not re.fullmatch(rf"{code}\d\d", scode):
            yield Problem("bad-gazetteer", f"street code {scode!r} must be the district code {code} plus 2 digits",
                          at(scode or code))
            continue
        name = _text(s.get("name"))
        if not name or name in names or scode in codes:
            yield Problem("bad-gazetteer", f"street {scode} needs a name unique in its district ({name!r})",
                          at(scode))
        names.add(name)
        codes.add(scode)


def validate_source(src: RawSource) -> list[Problem]:
    """Every structural problem of a catalogue source, in file order; empty when it is valid.

    Files that cannot be read are reported alone: what is missing from them would only cascade into noise."""
    if src.problems:
        return list(src.problems)
    units, problems = unit_index(src)
    problems += list(check_manifest(src))
    problems += list(check_gazetteer(src))
    problems += list(check_nodes(src, units))
    problems += list(check_counts(src))
    return problems
