"""Where a ticket happened: the place names of its address field and text, resolved against the city gazetteer.

Every mention of a district, street, community, landmark or road (its full name, or the short form citizens use:
太原街 for 太原街街道, 南湖 for 南湖社区, 和平 for 和平区) is evidence for the places consistent with it; a road with a
house number (中华路128号) names the street the city's address table puts that number in. The candidate
places are scored with a small naive-Bayes model: a mention is right with its reliability (higher in the address
field, lower for short forms) and then names one of its places, or is wrong and points anywhere else.
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from catalog import City
from model.text import normalise

KIND_LABELS = {"district": "区县", "street": "街道", "community": "社区", "landmark": "地标", "road": "道路",
               "house": "门牌"}
RELIABILITY = {"district": 0.9, "street": 0.9, "community": 0.9, "landmark": 0.85, "road": 0.8, "house": 0.9}
HOUSE_NUMBER = re.compile(r"\s*(\d{1,5})\s*号")   # after a road: 中华路128号
SHORT_FACTOR = 0.75        # a short form is less sure than the full name
ADDRESS_NOISE = 1 / 3      # the address field names a wrong place three times less often than the text
NOISE_SPREAD = 10          # a wrong mention points at one of about this many other places
AMBIGUITY_RATIO = 0.5      # the runner-up within this share of the best score makes a resolution ambiguous
MAX_CANDIDATES = 5
MIN_SCORE = 0.01
USER_WORD_FREQ = 20_000    # jieba frequency of gazetteer words: above the general words they overlap
# Short forms that are everyday words are no place mentions (建设, 民主, 胜利 …): a short form must be rare in
# jieba's general dictionary, or known there as a place name (ns) of moderate frequency (南湖, not 长江).
RARE_WORD_FREQ = 100
PLACE_WORD_FREQ = 2_000
GENERIC_WORDS = frozenset({"东门", "西门", "南门", "北门", "河畔", "新建"})  # tagged ns, used as plain words
_DISTRICT_SUFFIXES = ("新区", "区", "县", "市")
_STREET_SUFFIXES = ("街道", "镇", "乡")

Target = tuple[str, str | None, str | None]   # (district code, street code, community name)


def short_name(name: str, suffixes: tuple[str, ...]) -> str:
    """The name without its administrative suffix, when at least two characters remain; else the name."""
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) >= len(suffix) + 2:
            return name[: -len(suffix)]
    return name


def street_short(name: str) -> str:
    """How citizens say a street or town: 太原街街道 → 太原街, 兴华街道 → 兴华, 胡台镇 → 胡台."""
    return short_name(name, _STREET_SUFFIXES)


def community_short(name: str) -> str:
    """How citizens say a community or village: 南湖社区 → 南湖, 王家窝堡村 → 王家窝堡 (高家村 stays whole)."""
    if name.endswith("社区"):
        return short_name(name, ("社区",))
    return name[:-1] if name.endswith("村") and len(name) >= 4 else name


@dataclass(frozen=True)
class PlaceCandidate:
    district: str | None
    street: str | None
    community: str | None
    score: float
    evidence: tuple[str, ...]

    def to_json(self) -> dict:
        return {"district": self.district, "street": self.street, "community": self.community,
                "score": round(self.score, 4), "evidence": list(self.evidence)}


@dataclass(frozen=True)
class Resolution:
    candidates: tuple[PlaceCandidate, ...]

    @property
    def best(self) -> PlaceCandidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def ambiguous(self) -> bool:
        """The top two name different streets (or districts) and the runner-up scores close to the best."""
        if len(self.candidates) < 2:
            return False
        first, second = self.candidates[:2]
        return ((first.district, first.street) != (second.district, second.street)
                and second.score >= AMBIGUITY_RATIO * first.score)

    def to_json(self) -> dict:
        best = self.best
        return {"candidates": [c.to_json() for c in self.candidates], "best": best.to_json() if best else None,
                "ambiguous": self.ambiguous}


@dataclass(frozen=True)
class _Reading:
    """One meaning of a surface form: the gazetteer entry it names and the places consistent with it."""
    kind: str
    name: str
    short: bool
    targets: tuple[Target, ...]

    def reliability(self, source: str) -> float:
        r = RELIABILITY[self.kind] * (SHORT_FACTOR if self.short else 1.0)
        return 1 - (1 - r) * ADDRESS_NOISE if source == "address" else r

    def likelihood(self, source: str, place: Target) -> float:
        r = self.reliability(source)
        if any(_compatible(t, place) for t in self.targets):
            return r / len(self.targets)
        return (1 - r) / NOISE_SPREAD


@dataclass(frozen=True)
class _Mention:
    surface: str
    source: str                    # "address" | "text"
    readings: tuple[_Reading, ...]

    def likelihood(self, place: Target) -> float:
        """A mixture over the surface's readings (太原街: the road or the street)."""
        return sum(r.likelihood(self.source, place) for r in self.readings) / len(self.readings)

    def reliability(self) -> float:
        return max(r.reliability(self.source) for r in self.readings)


def _compatible(target: Target, place: Target) -> bool:
    """No disagreement on district, street or community where both name one (the district is always named)."""
    return all(a is None or b is None or a == b for a, b in zip(target, place))


def _refines(finer: Target, coarser: Target) -> bool:
    return finer != coarser and finer[0] == coarser[0] and all(
        c is None or c == f for f, c in zip(finer[1:], coarser[1:]))


def _full_readings(city: City) -> dict[str, list[_Reading]]:
    """Every full gazetteer name with the places it names (a community or road name may name several)."""
    targets: dict[tuple[str, str], list[Target]] = {}
    for d in city.districts:
        targets.setdefault(("district", d.name), []).append((d.code, None, None))
        for road in d.roads:
            targets.setdefault(("road", road), []).append((d.code, None, None))
        for s in d.streets:
            targets.setdefault(("street", s.name), []).append((d.code, s.code, None))
            for community in s.communities:
                targets.setdefault(("community", community), []).append((d.code, s.code, community))
            for landmark in s.landmarks:
                targets.setdefault(("landmark", landmark), []).append((d.code, s.code, None))
    readings: dict[str, list[_Reading]] = {}
    for (kind, name), places in targets.items():
        readings.setdefault(name, []).append(_Reading(kind, name, False, tuple(places)))
    return readings


def _accepted_short(surface: str, readings: list[_Reading], general: dict[str, tuple[int, str]]) -> bool:
    """A short form is a mention unless it is an everyday word (district shorts, few and well known, always are)."""
    if len(surface) < 2 or surface in GENERIC_WORDS:
        return False
    if all(r.kind == "district" for r in readings):
        return True
    freq, tag = general.get(surface, (0, ""))
    return freq < RARE_WORD_FREQ or (tag == "ns" and freq < PLACE_WORD_FREQ)


def _own_tokenizer():
    """A jieba tokenizer instance of its own: words added to it leave the global dictionary untouched."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _general_words(tokenizer, words: set[str]) -> dict[str, tuple[int, str]]:
    """Frequency and part-of-speech tag of the given words in the tokenizer's general dictionary."""
    found: dict[str, tuple[int, str]] = {}
    with tokenizer.get_dict_file() as f:
        for raw in f:
            parts = raw.decode("utf-8").split()
            if parts and parts[0] in words:
                found[parts[0]] = (int(parts[1]), parts[2] if len(parts) > 2 else "")
    return found


class LocationResolver:
    """Finds the place a ticket names, from its address field and text; built once per gazetteer."""

    def __init__(self, city: City):
        self.city = city
        self._district_names = {d.code: d.name for d in city.districts}
        self._street_names = {s.code: s.name for s in city.streets()}
        self._tokenizer = _own_tokenizer()
        self._readings = self._build_readings(city)
        self._scan: dict[str, tuple[int, ...]] = {}   # first character → lengths of full names, longest first
        for surface, readings in self._readings.items():
            self._tokenizer.add_word(surface, freq=USER_WORD_FREQ * len(surface))
            if len(surface) >= 3 and any(not r.short for r in readings):
                self._scan[surface[0]] = tuple(sorted({*self._scan.get(surface[0], ()), len(surface)}, reverse=True))

    # --- construction ---------------------------------------------------------------------------
    def _build_readings(self, city: City) -> dict[str, tuple[_Reading, ...]]:
        """Full names, then short forms: district and street shorts always join a surface's readings (streets are
        named after their roads: 太原街), community shorts only where the surface names nothing else."""
        readings = _full_readings(city)
        full = [r for rs in readings.values() for r in rs]
        shorts = [(short_name(r.name, _DISTRICT_SUFFIXES), r) for r in full if r.kind == "district"]
        shorts += [(street_short(r.name), r) for r in full if r.kind == "street"]
        taken = set(readings) | {surface for surface, _ in shorts}
        shorts += [(surface, r) for r in full if r.kind == "community"
                   if (surface := community_short(r.name)) not in taken]
        for surface, r in shorts:
            if surface != r.name:
                readings.setdefault(surface, []).append(_Reading(r.kind, r.name, True, r.targets))
        only_short = {surface for surface, rs in readings.items() if all(r.short for r in rs)}
        general = _general_words(self._tokenizer, only_short)
        return {surface: tuple(rs) for surface, rs in readings.items()
                if surface not in only_short or _accepted_short(surface, rs, general)}

    # --- mentions -------------------------------------------------------------------------------
    def _mentions(self, text: str, source: str) -> Iterator[_Mention]:
        """Tokens that are surface forms, then full names jieba split, found by a longest-match scan."""
        covered = [False] * len(text)
        found: list[tuple[int, str]] = []
        for word, start, end in self._tokenizer.tokenize(text, HMM=False):
            if word in self._readings:
                found.append((start, word))
                covered[start:end] = [True] * (end - start)
        i = 0
        while i < len(text):
            lengths = () if covered[i] else self._scan.get(text[i], ())
            match = next((n for n in lengths if text[i:i + n] in self._readings
                          and not any(covered[i:i + n])), 0)
            if match:
                found.append((i, text[i:i + match]))
            i += match or 1
        for start, surface in sorted(found):
            yield _Mention(surface, source, self._readings[surface])
            house = self._house(text, start, surface, source)
            if house is not None:
                yield house

    def _house(self, text: str, start: int, surface: str, source: str) -> _Mention | None:
        """A road mention followed by a house number the address table knows: a mention of the street (or
        streets, one per district the road runs through) that holds the number."""
        if not any(r.kind == "road" for r in self._readings[surface]):
            return None
        number = HOUSE_NUMBER.match(text, start + len(surface))
        runs = self.city.addresses.at(surface, int(number.group(1))) if number else []
        if not runs:
            return None
        named = f"{surface}{number.group(1)}号"
        targets = tuple(sorted({(r.district, r.street, None) for r in runs}))
        return _Mention(named, source, (_Reading("house", named, False, targets),))

    # --- resolution -----------------------------------------------------------------------------
    def resolve(self, text: str, address: str = "") -> Resolution:
        mentions: dict[tuple[str, str], _Mention] = {}
        for source, value in (("address", address), ("text", text)):
            for m in self._mentions(normalise(value or ""), source):
                mentions.setdefault((m.surface, source), m)
        if not mentions:
            return Resolution(())
        return Resolution(self._rank(list(mentions.values())))

    def _rank(self, mentions: list[_Mention]) -> tuple[PlaceCandidate, ...]:
        places = self._places(mentions)
        likelihood = {p: math.prod(m.likelihood(p) for m in mentions) for p in places}
        total = sum(likelihood.values())
        strength = 1 - math.prod(1 - m.reliability() for m in mentions)
        scored = sorted(((likelihood[p] / total * strength, p) for p in places),
                        key=lambda item: (-item[0], item[1][0], item[1][1] or "", item[1][2] or ""))
        return tuple(PlaceCandidate(*p, score, self._evidence(mentions, p))
                     for score, p in scored[:MAX_CANDIDATES] if score >= MIN_SCORE)

    @staticmethod
    def _places(mentions: list[_Mention]) -> list[Target]:
        """The places the mentions name, each kept only where no other names a finer place within it."""
        targets = {t for m in mentions for r in m.readings for t in r.targets}
        return [t for t in targets if not any(_refines(other, t) for other in targets)]

    def _evidence(self, mentions: list[_Mention], place: Target) -> tuple[str, ...]:
        """Readable reasons: each reading of a mention consistent with the place, address field first."""
        lines = []
        for m in mentions:
            for reading in m.readings:
                if not any(_compatible(t, place) for t in reading.targets):
                    continue
                prefix = "地址" if m.source == "address" else KIND_LABELS[reading.kind]
                detail = (f"（{self._district_names[place[0]]}）" if reading.kind == "road"
                          else f"（{self._street_names[place[1]]}）" if reading.kind == "house"
                          else f"（{reading.name}）" if reading.short else "")
                lines.append(f"{prefix}：{m.surface}{detail}")
        return tuple(dict.fromkeys(lines))
