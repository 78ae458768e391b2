"""Clauses of a complaint: the text after the channel's stock opening, cut at sentence punctuation and before
discourse markers (另外, 还有, 二是 …), with character offsets, so a clause is always an exact substring of what the
caller said."""
from __future__ import annotations

import re
from dataclasses import dataclass

from model.text import strip_openings

# A new problem is often announced: "另外…", "还有…", "二是…", "2.…", "③…".
STRONG_MARKERS = ("另外", "还有", "此外", "再就是", "再有", "再一个", "其次", "另一件", "另一个", "顺便")
WEAK_MARKERS = ("同时", "而且", "并且", "以及", "另")
_ENUMERATION = r"(?:[一二三四五六七八九十]是|第[一二三四五六七八九十]件?[，,、：:]?|[（(]?[1-9][)）.、．]|[①-⑨])"
_SENTENCE_END = re.compile(r"[。；;！!？?\n]+")
_MARKER = "|".join(sorted(STRONG_MARKERS + WEAK_MARKERS, key=len, reverse=True))
# Cut inside a sentence only where a marker or an enumeration follows a comma, a colon or a space.
_INNER_CUT = re.compile(rf"(?<=[，,：:\s])(?=(?:{_MARKER}|{_ENUMERATION}))")
_STARTS = re.compile(rf"\s*(?:(?P<enum>{_ENUMERATION})|(?P<strong>{'|'.join(STRONG_MARKERS)})"
                     rf"|(?P<weak>{'|'.join(WEAK_MARKERS)}))")
_REQUEST = re.compile(r"\s*(?:诉求|来电人诉求|市民诉求|要求|请求)[：:]")
_TRIM = " \t\r\n，,：:、"
MIN_CHARS = 4


@dataclass(frozen=True)
class Clause:
    start: int
    end: int
    text: str
    marker: str      # 'enum', 'strong', 'weak' or '' (how the clause opens)
    after: str       # the punctuation that ended the clause before it ('' for the first)

    @property
    def is_request(self) -> bool:
        """The caller's or agent's summary of what is asked ("诉求：…"): it restates, it is not a new problem."""
        return bool(_REQUEST.match(self.text))


def _pieces(text: str, start: int, end: int):
    """(start, end) of the parts of text[start:end] between inner cuts (a request is never cut)."""
    if _REQUEST.match(text, start, end):
        return [(start, end)]
    cuts = [start] + [m.start() for m in _INNER_CUT.finditer(text, start, end) if start < m.start() < end] + [end]
    return zip(cuts, cuts[1:])


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def clauses(text: str, min_chars: int = MIN_CHARS) -> list[Clause]:
    """The clauses of `text` in order; pieces shorter than `min_chars` join the clause before them."""
    found: list[Clause] = []
    position, ender = len(text) - len(strip_openings(text)), ""      # not the channel's "市民来电反映："
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        for i, (a, b) in enumerate(_pieces(text, position, end)):
            a, b = _trimmed(text, a, b)
            if b - a == 0:
                continue
            before = ender if i == 0 else "，"
            if b - a < min_chars and found:
                last = found[-1]
                found[-1] = Clause(last.start, b, text[last.start:b], last.marker, last.after)
                continue
            opening = _STARTS.match(text, a, b)
            kind = next((k for k in ("enum", "strong", "weak") if opening and opening.group(k)), "")
            found.append(Clause(a, b, text[a:b], kind, before if found else ""))
        if match:
            position, ender = match.end(), match.group(0)[0]
    return found
