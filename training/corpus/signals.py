"""Hand-written texts for urgency, risk flags and multi-issue splits: training/data/signals/*.yaml, checked.

Each file is a list of items. Every item is a whole complaint as it reaches the hotline, with its labels:

    - id: gas-0001                  # unique across all files
      style: phone                  # as in training/data/texts (phone, web, app, mailbox, handover_110, grid, enterprise)
      title: 单元门口一股煤气味       # optional (web, app, mailbox)
      text: 市民来电反映：……
      leaf: "05020101"              # the catalogue leaf of the (main) problem; optional for multi-issue items
      urgency: 立即办                # 立即办 | 紧急 | 一般
      flags: [安全隐患]              # any of FLAGS; [] when none
      evidence: [闻到很浓的煤气味]     # exact substrings of the title or text that justify urgency and each flag
      items:                        # only when the text carries two or more problems for different leaves/units
        - {span: 小区门口路灯坏了半个月, leaf: "040501"}
        - {span: 楼下垃圾三天没人拉, leaf: "010101"}

`python -m training.corpus.signals check [FILES…]` reports every problem with file, item id and rule."""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from catalog import Catalogue, load_catalogue
from catalog.source import load_yaml
from training.corpus.texts import Style

DEFAULT_SIGNALS_DIR = Path(__file__).resolve().parent.parent / "data" / "signals"
URGENCY = ("立即办", "紧急", "一般")
FLAGS = ("群体性", "涉诉涉访", "人身安全", "弱势群体", "安全隐患")
FIELDS = {"id", "style", "title", "text", "leaf", "urgency", "flags", "evidence", "items"}
MIN_CHARS = 12


@dataclass(frozen=True)
class Item:
    span: str
    leaf: str


@dataclass(frozen=True)
class SignalText:
    id: str
    style: Style
    title: str
    body: str
    leaf: str | None
    urgency: str
    flags: tuple[str, ...]
    evidence: tuple[str, ...]
    items: tuple[Item, ...] = field(default=())
    origin: str = ""

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}" if self.title else self.body

    @property
    def multi_issue(self) -> bool:
        return len(self.items) >= 2


class SignalsError(ValueError):
    """Problems in the signal texts, one per line: file, item id, rule."""


def _problems(raw: dict, where: str, catalogue: Catalogue) -> list[str]:
    found = []
    unknown = set(raw) - FIELDS
    if unknown:
        found.append(f"{where}: unknown fields {sorted(unknown)}; allowed: {sorted(FIELDS)}")
    text = str(raw.get("text") or "")
    whole = f"{raw.get('title') or ''}\n{text}"
    if len(text) < MIN_CHARS:
        found.append(f"{where}: text shorter than {MIN_CHARS} characters")
    if raw.get("style") not in {s.value for s in Style}:
        found.append(f"{where}: style {raw.get('style')!r} is not one of {[s.value for s in Style]}")
    if raw.get("urgency") not in URGENCY:
        found.append(f"{where}: urgency {raw.get('urgency')!r} is not one of {list(URGENCY)}")
    flags = raw.get("flags")
    if not isinstance(flags, list) or any(f not in FLAGS for f in flags) or len(set(flags)) != len(flags):
        found.append(f"{where}: flags must be a list of distinct values from {list(FLAGS)}, not {flags!r}")
    evidence = raw.get("evidence") or []
    if not isinstance(evidence, list):
        found.append(f"{where}: evidence must be a list of phrases")
        evidence = []
    for phrase in evidence:
        if not isinstance(phrase, str) or not phrase or phrase not in whole:
            found.append(f"{where}: evidence {phrase!r} is not an exact substring of the title or text")
    if (raw.get("urgency") != "一般" or flags) and not evidence:
        found.append(f"{where}: urgency {raw.get('urgency')} / flags {flags} need evidence phrases")
    leaf = raw.get("leaf")
    if leaf is not None and not _is_leaf(catalogue, str(leaf)):
        found.append(f"{where}: leaf {leaf!r} is not a leaf of the catalogue (jiesu catalog search …)")
    found.extend(_item_problems(raw.get("items"), where, text, catalogue))
    if leaf is None and not raw.get("items"):
        found.append(f"{where}: give the leaf (or, for a multi-issue text, its items)")
    return found


def _is_leaf(catalogue: Catalogue, code: str) -> bool:
    return code in catalogue and catalogue.get(code).is_leaf


def _item_problems(items, where: str, text: str, catalogue: Catalogue) -> list[str]:
    if items is None:
        return []
    if not isinstance(items, list) or len(items) < 2:
        return [f"{where}: items, when given, list two or more problems"]
    found = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"span", "leaf"}:
            found.append(f"{where}: each item is {{span, leaf}}, not {item!r}")
            continue
        if item["span"] not in text:
            found.append(f"{where}: item span {item['span']!r} is not an exact substring of the text")
        if not _is_leaf(catalogue, str(item["leaf"])):
            found.append(f"{where}: item leaf {item['leaf']!r} is not a leaf of the catalogue")
    if len({str(i.get('leaf')) for i in items if isinstance(i, dict)}) < 2:
        found.append(f"{where}: a multi-issue text's items need at least two different leaves")
    found.extend(_overlaps(items, where, text))
    return found


def _overlaps(items: list, where: str, text: str) -> list[str]:
    """Spans that share characters: each clause of the text belongs to one problem at most."""
    placed = sorted((text.find(i["span"]), i["span"]) for i in items
                    if isinstance(i, dict) and isinstance(i.get("span"), str) and i["span"] and i["span"] in text)
    return [f"{where}: item spans {a!r} and {b!r} overlap; cut them so that each clause belongs to one item"
            for (start, a), (next_start, b) in zip(placed, placed[1:]) if next_start < start + len(a)]


def _build(raw: dict, origin: str) -> SignalText:
    items = tuple(Item(i["span"], str(i["leaf"])) for i in raw.get("items") or [])
    return SignalText(id=str(raw["id"]), style=Style(raw["style"]), title=str(raw.get("title") or ""),
                      body=str(raw["text"]), leaf=str(raw["leaf"]) if raw.get("leaf") is not None else None,
                      urgency=raw["urgency"], flags=tuple(raw["flags"]), evidence=tuple(raw.get("evidence") or ()),
                      items=items, origin=origin)


def load_signals(catalogue: Catalogue, paths: list[Path] | None = None) -> list[SignalText]:
    """Every signal text, or SignalsError listing every problem (ids unique across the files)."""
    paths = paths if paths is not None else sorted(DEFAULT_SIGNALS_DIR.glob("*.yaml"))
    problems, texts, ids = [], [], Counter()
    for path in paths:
        parse_problems: list = []
        data, _ = load_yaml(path, path.name, parse_problems)
        problems.extend(str(p) for p in parse_problems)
        if data is None:
            continue
        if not isinstance(data, list):
            problems.append(f"{path.name}: the file must be a list of items")
            continue
        for n, raw in enumerate(data, start=1):
            where = f"{path.name} item {n} ({raw.get('id') if isinstance(raw, dict) else '?'})"
            if not isinstance(raw, dict) or not raw.get("id"):
                problems.append(f"{where}: each item is a mapping with an id")
                continue
            ids[str(raw["id"])] += 1
            found = _problems(raw, where, catalogue)
            problems.extend(found)
            if not found:
                texts.append(_build(raw, path.name))
    problems.extend(f"id {i!r} is used {n} times; ids are unique across files" for i, n in ids.items() if n > 1)
    if problems:
        raise SignalsError("\n".join(problems))
    return texts


def summary(texts: list[SignalText]) -> dict:
    return {"texts": len(texts), "urgency": dict(Counter(t.urgency for t in texts)),
            "flags": dict(Counter(f for t in texts for f in t.flags)),
            "multi_issue": sum(t.multi_issue for t in texts), "none": sum(not t.flags for t in texts)}


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "check":
        print("usage: python -m training.corpus.signals check [FILES…]", file=sys.stderr)
        return 2
    paths = [Path(a) for a in argv[1:]] or None
    try:
        texts = load_signals(load_catalogue(), paths)
    except SignalsError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(summary(texts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
