"""Hand-written complaint texts: the catalogue's examples plus training/data/texts/NN.yaml, checked and located.

A texts file maps leaf codes to lists of texts; each text has a style (who wrote it, through which channel),
an optional title and the text itself:

    "19010101":
      - {style: phone, text: "市民来电反映：……诉求：……"}
      - {style: web, title: 饭店的凉菜都馊了还卖, text: "……"}
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from catalog import Catalogue, Location, Problem
from catalog.source import code_lines, load_yaml
from training.corpus.normalise import comparable

DEFAULT_TEXTS_DIR = Path(__file__).resolve().parent.parent / "data" / "texts"
MIN_CHARS = 12
TARGET_PER_LEAF = 15


class Style(str, Enum):
    PHONE = "phone"                # an agent's summary of a call
    WEB = "web"                    # web platform message, with a title
    APP = "app"                    # city app or mini-program message
    MAILBOX = "mailbox"            # mayor's mailbox letter
    HANDOVER_110 = "handover_110"  # non-police call handed over from 110
    GRID = "grid"                  # grid worker's patrol report
    ENTERPRISE = "enterprise"      # business-environment line


_STYLE_PREFIXES = [("网格员", Style.GRID), ("110", Style.HANDOVER_110), ("尊敬的", Style.MAILBOX),
                   ("企业", Style.ENTERPRISE), ("【", Style.WEB), ("市民来电", Style.PHONE), ("来电人", Style.PHONE),
                   ("市民", Style.PHONE)]
_TITLE = re.compile(r"^【([^】]{2,40})】\s*(.+)$", re.S)
_LEAF_KEY = re.compile(r"^[\"']?(\w+)[\"']?\s*:")
ITEM_FIELDS = {"style", "title", "text"}


@dataclass(frozen=True)
class HandText:
    leaf: str
    style: Style
    title: str
    body: str
    origin: str          # "catalogue" or "texts"
    location: Location

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}" if self.title else self.body

    @property
    def text_id(self) -> str:
        """Stable id of the written text (its content, normalised), used to keep it on one side of a split."""
        return hashlib.sha1(comparable(self.text).encode("utf-8")).hexdigest()[:16]


def infer_style(text: str) -> Style:
    """The style of a catalogue example, from how it opens."""
    for prefix, style in _STYLE_PREFIXES:
        if text.startswith(prefix):
            return style
    return Style.APP


def catalogue_texts(catalogue: Catalogue) -> list[HandText]:
    texts = []
    for leaf in catalogue.leaves():
        for example in leaf.dispatch.examples:
            style = infer_style(example)
            match = _TITLE.match(example)
            title, body = (match.group(1), match.group(2)) if match else ("", example)
            texts.append(HandText(leaf.code, style, title, body, "catalogue", leaf.location))
    return texts


def _leaf_rows(text: str) -> dict[str, int]:
    rows = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _LEAF_KEY.match(line)
        if m:
            rows.setdefault(m.group(1), number)
    return rows


def _item_problems(item, where: Location, code: str) -> list[Problem]:
    if not isinstance(item, dict) or not str(item.get("text") or "").strip():
        return [Problem("bad-text", "each text needs a mapping with style and text", where, code)]
    problems = []
    if set(item) - ITEM_FIELDS:
        problems.append(Problem("unknown-field", f"unknown field(s) {sorted(set(item) - ITEM_FIELDS)}; allowed: "
                                "style, title, text", where, code))
    if item.get("style") not in {s.value for s in Style}:
        problems.append(Problem("bad-style", f"style {item.get('style')!r} must be one of "
                                f"{', '.join(s.value for s in Style)}", where, code))
    elif item["style"] == Style.WEB.value and not str(item.get("title") or "").strip():
        problems.append(Problem("missing-title", "a web message needs a title", where, code))
    return problems


def read_texts_file(path: Path, catalogue: Catalogue, problems: list[Problem]) -> list[HandText]:
    shown = str(path)
    data, raw = load_yaml(path, shown, problems)
    if data is None:
        return []
    if not isinstance(data, dict):
        problems.append(Problem("bad-structure", "a texts file maps leaf codes to lists of texts", Location(shown)))
        return []
    rows, lines = _leaf_rows(raw), code_lines(raw)
    texts = []
    for key, items in data.items():
        code = str(key)
        where = Location(shown, rows.get(code) or (lines.get(code) or [None])[0])
        if code not in catalogue or not catalogue.get(code).is_leaf:
            problems.append(Problem("unknown-leaf", f"{code} is not a leaf of catalogue {catalogue.version}; texts "
                                    "belong to leaves (a 细类 without 子类, or a 子类)", where, code))
            continue
        for item in items if isinstance(items, list) else [items]:
            item_problems = _item_problems(item, where, code)
            problems += item_problems
            if not item_problems:
                texts.append(HandText(code, Style(item["style"]), str(item.get("title") or "").strip(),
                                      str(item["text"]).strip(), "texts", where))
    return texts


def content_problems(texts: list[HandText], catalogue: Catalogue) -> list[Problem]:
    """Texts too short, restating their leaf's name, or written twice (after normalisation)."""
    problems, seen = [], {}
    for t in texts:
        key = comparable(t.text)
        name = comparable(catalogue.get(t.leaf).name)
        if len(comparable(t.body)) < MIN_CHARS or comparable(t.body) == name:
            problems.append(Problem("too-short", f"text {t.body[:20]!r} is too short or only restates the leaf "
                                    "name; write a real complaint", t.location, t.leaf))
        if key in seen:
            first = seen[key]
            problems.append(Problem("duplicate-text", f"text {t.body[:20]!r}… is also written for leaf {first.leaf} "
                                    f"at {first.location}", t.location, t.leaf))
        else:
            seen[key] = t
    return problems


def load_texts(catalogue: Catalogue, directory: Path | str = DEFAULT_TEXTS_DIR,
               include_catalogue: bool = True) -> tuple[list[HandText], list[Problem]]:
    """Every hand-written text for the catalogue's leaves, and every problem found in them."""
    problems: list[Problem] = []
    texts = catalogue_texts(catalogue) if include_catalogue else []
    for path in sorted(Path(directory).glob("*.yaml")):
        texts += read_texts_file(path, catalogue, problems)
    return texts, problems + content_problems(texts, catalogue)
