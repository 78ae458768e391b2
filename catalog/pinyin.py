"""Pinyin spellings of the catalogue's names, keywords and aliases, so an agent can type "nq" or "nuanqi" for 暖气.

Spellings are computed once per catalogue (on the first pinyin query) and matched as substrings, without tones."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pypinyin import lazy_pinyin

from catalog.entities import Node

_LETTERS = re.compile(r"[a-z]+")
_PINYIN_TERM = re.compile(r"[a-z]{2,}")

# Weight of a pinyin match in each field: a whole name spelled exactly counts most, then a name's start;
# each keyword or alias that also matches adds a little (up to four), so the items about it rank first.
WEIGHTS = {"name_exact": 8.0, "name_start": 6.0, "name": 5.0, "other": 3.0, "each_other": 0.25}


@dataclass(frozen=True)
class Spelling:
    full: str                 # 暖气不热 → "nuanqibure"
    initials: str             # 暖气不热 → "nqbr"
    starts: tuple[int, ...]   # where each syllable starts in `full`

    def contains(self, term: str) -> bool:
        """The term's initials, or its full pinyin starting at a syllable ("nuanqi", "qibu"; not "anqi")."""
        return term in self.initials or any(self.full.startswith(term, i) for i in self.starts)

    def equals(self, term: str) -> bool:
        return term in (self.full, self.initials)

    def starts_with(self, term: str) -> bool:
        return self.full.startswith(term) or self.initials.startswith(term)


def spell(text: str) -> Spelling:
    """Toneless pinyin of a text (phrase-aware readings); letters and digits outside Chinese kept, lower-cased."""
    syllables = [s for part in lazy_pinyin(text) for s in _LETTERS.findall(part.lower())]
    starts, offset = [], 0
    for syllable in syllables:
        starts.append(offset)
        offset += len(syllable)
    return Spelling(full="".join(syllables), initials="".join(s[0] for s in syllables), starts=tuple(starts))


def is_pinyin_term(term: str) -> bool:
    """Whether a search term could be pinyin: two or more Latin letters and nothing else."""
    return _PINYIN_TERM.fullmatch(term.lower()) is not None


@dataclass(frozen=True)
class NodeSpelling:
    name: Spelling
    others: tuple[Spelling, ...]   # keywords and aliases

    def score(self, term: str) -> float:
        """The weight with which a lower-case pinyin term matches; 0 when it does not."""
        others = sum(1 for s in self.others if s.contains(term))
        bonus = WEIGHTS["each_other"] * min(others, 4)
        if self.name.equals(term):
            return WEIGHTS["name_exact"] + bonus
        if self.name.starts_with(term):
            return WEIGHTS["name_start"] + bonus
        if self.name.contains(term):
            return WEIGHTS["name"] + bonus
        return WEIGHTS["other"] + bonus if others else 0.0


def spell_nodes(nodes: list[Node]) -> dict[str, NodeSpelling]:
    """Every node's spellings by code; texts shared between nodes are spelled once."""
    cache: dict[str, Spelling] = {}

    def cached(text: str) -> Spelling:
        if text not in cache:
            cache[text] = spell(text)
        return cache[text]

    return {n.code: NodeSpelling(cached(n.name), tuple(cached(t) for t in (*n.keywords, *n.aliases)))
            for n in nodes}
