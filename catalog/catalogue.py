"""The query API over a loaded catalogue: by code, children, ancestors, leaves, search, units and places."""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from catalog.changes import ChangeLog
from catalog.entities import City, District, Manifest, Node, Street, Unit
from catalog.pinyin import NodeSpelling, is_pinyin_term, spell_nodes


@dataclass(frozen=True)
class SearchHit:
    node: Node
    score: float
    matched: tuple[str, ...]  # which fields matched: code, name, alias, keyword, description, pinyin


# Weight of a search term found in each field; an exact code, name or keyword match counts more.
_WEIGHTS = {"code": 10.0, "name_exact": 10.0, "name": 6.0, "keyword_exact": 5.0, "alias": 4.0, "keyword": 3.0,
            "description": 1.0}


class Catalogue:
    def __init__(self, nodes: list[Node], units: list[Unit], city: City, manifest: Manifest,
                 fallback_unit: str | None = None, platform_unit: str | None = None):
        self.manifest = manifest
        self.city = city
        self.fallback_unit = fallback_unit
        self.platform_unit = platform_unit
        self._nodes: dict[str, Node] = {n.code: n for n in sorted(nodes, key=lambda n: n.code)}
        self._children: dict[str | None, list[str]] = defaultdict(list)
        for code, node in self._nodes.items():
            self._children[node.parent_code].append(code)
        self._units: dict[str, Unit] = {u.code: u for u in units}
        for unit in self._territorial_units():
            self._units[unit.code] = unit
        self._spellings: dict[str, NodeSpelling] | None = None
        self._spelling_lock = threading.Lock()
        self.changes = ChangeLog()   # the change files that lead here from earlier versions (catalog/changes.py)

    def _territorial_units(self) -> list[Unit]:
        units = []
        for d in self.city.districts:
            units.append(Unit(code=d.unit_code, name=d.government_name, kind="district"))
            for s in d.streets:
                office = f"{s.name}办事处" if s.kind == "街道" else f"{s.name}人民政府"
                units.append(Unit(code=s.unit_code, name=office, kind="street", district=d.code))
        return units

    # --- identity -------------------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self.manifest.full_version

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, code: str) -> bool:
        return code in self._nodes

    # --- nodes ----------------------------------------------------------------------------------
    def get(self, code: str) -> Node:
        """The node with this code; KeyError with a hint when there is none."""
        try:
            return self._nodes[code]
        except KeyError:
            raise KeyError(f"no catalogue node with code {code!r} (catalogue {self.version}); codes have 2, 4, 6 "
                           "or 8 digits, e.g. 0101 — search by words to find one") from None

    def nodes(self, level: int | None = None) -> list[Node]:
        return [n for n in self._nodes.values() if level is None or n.level == level]

    def roots(self) -> list[Node]:
        return [self._nodes[c] for c in self._children[None]]

    def children(self, code: str) -> list[Node]:
        self.get(code)
        return [self._nodes[c] for c in self._children.get(code, [])]

    def ancestors(self, code: str) -> list[Node]:
        """From the 大类 down to the node's parent."""
        node = self.get(code)
        return [self._nodes[node.code[:i]] for i in range(2, len(node.code), 2)]

    def path(self, code: str) -> list[Node]:
        return self.ancestors(code) + [self.get(code)]

    def path_name(self, code: str, sep: str = " > ") -> str:
        return sep.join(n.name for n in self.path(code))

    def leaves(self, under: str | None = None) -> list[Node]:
        return [n for n in self._nodes.values() if n.is_leaf and (under is None or n.code.startswith(under))]

    # --- search ---------------------------------------------------------------------------------
    def search(self, words: str, limit: int = 20, leaves_only: bool = False) -> list[SearchHit]:
        """Nodes matching every whitespace-separated term in code, name, alias, keyword or description, or as
        pinyin (full or initials: "nuanqi", "nq") of the name, a keyword or an alias; best first."""
        terms = [t for t in words.split() if t]
        if not terms:
            raise ValueError("search needs at least one word, e.g. 垃圾 or 暖气 不热")
        spellings = self.spellings() if any(is_pinyin_term(t) for t in terms) else {}
        hits = []
        for node in self._nodes.values():
            if leaves_only and not node.is_leaf:
                continue
            score, matched = 0.0, set()
            for term in terms:
                term_score, fields = _score_term(node, term, spellings.get(node.code))
                if term_score == 0:
                    break
                score += term_score
                matched |= fields
            else:
                hits.append(SearchHit(node, score, tuple(sorted(matched))))
        hits.sort(key=lambda h: (-h.score, -h.node.is_leaf, h.node.code))
        return hits[:limit]

    def spellings(self) -> dict[str, NodeSpelling]:
        """The pinyin of every node's name, keywords and aliases, computed once (on first use: about a second)."""
        with self._spelling_lock:
            if self._spellings is None:
                self._spellings = spell_nodes(list(self._nodes.values()))
            return self._spellings

    # --- units and places -----------------------------------------------------------------------
    def units(self, include_inactive: bool = False) -> list[Unit]:
        return [u for u in self._units.values() if include_inactive or u.active]

    def unit(self, code: str) -> Unit:
        try:
            return self._units[code]
        except KeyError:
            raise KeyError(f"no unit with code {code!r}; see the unit list (jiesu catalog units)") from None

    def district(self, code: str) -> District:
        for d in self.city.districts:
            if d.code == code:
                return d
        raise KeyError(f"no district with code {code!r}")

    def street(self, code: str) -> Street:
        for s in self.city.streets():
            if s.code == code:
                return s
        raise KeyError(f"no street with code {code!r}")

    # --- summary --------------------------------------------------------------------------------
    def stats(self) -> dict:
        levels = defaultdict(int)
        for node in self._nodes.values():
            levels[node.level] += 1
        streets = self.city.streets()
        return {
            "levels": {str(k): levels[k] for k in sorted(levels)},
            "leaves": sum(1 for n in self._nodes.values() if n.is_leaf),
            "units": len(self.units()),
            "version": self.version,
            "name": self.manifest.name,
            "examples": sum(len(n.dispatch.examples) for n in self._nodes.values() if n.dispatch),
            "departments": sum(1 for u in self.units() if u.kind not in ("district", "street")),
            "districts": len(self.city.districts),
            "streets": len(streets),
            "communities": sum(len(s.communities) for s in streets),
            "roads": sum(len(d.roads) for d in self.city.districts),
        }


def _score_term(node: Node, term: str, spelling: NodeSpelling | None = None) -> tuple[float, set[str]]:
    """The best weight with which one term matches a node, and the fields it matched (pinyin when spelled)."""
    found: dict[str, float] = {}
    if term == node.code:
        found["code"] = _WEIGHTS["code"]
    if term == node.name:
        found["name"] = _WEIGHTS["name_exact"]
    elif term in node.name:
        found["name"] = _WEIGHTS["name"]
    if term in node.keywords:
        found["keyword"] = _WEIGHTS["keyword_exact"]
    elif any(term in k for k in node.keywords):
        found["keyword"] = _WEIGHTS["keyword"]
    if any(term in a for a in node.aliases):
        found["alias"] = _WEIGHTS["alias"]
    if term in node.description:
        found["description"] = _WEIGHTS["description"]
    if spelling is not None and is_pinyin_term(term) and (weight := spelling.score(term.lower())):
        found["pinyin"] = weight
    return (max(found.values()) if found else 0.0), set(found)
