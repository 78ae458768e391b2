"""Build typed entities from a validated source, and the canonical content that versions them."""
from __future__ import annotations

import hashlib
import json

from catalog.entities import City, Dispatch, District, Manifest, Node, Street, Unit
from catalog.rules import DispatchMode, Urgency, parse_time_limit, parse_unit_rule
from catalog.source import RawSource, Record
from catalog.validate import NodeIndex


def _strings(values) -> tuple[str, ...]:
    return tuple(str(v).strip() for v in (values or []) if str(v).strip())


def build_node(rec: Record, is_leaf: bool) -> Node:
    f = rec.fields
    dispatch = None
    if is_leaf:
        dispatch = Dispatch(
            responsible=parse_unit_rule(f["responsible"]),
            co_handlers=tuple(parse_unit_rule(r) for r in f.get("co_handlers") or []),
            mode=DispatchMode(str(f["dispatch_mode"]).strip()),
            closure_standard=str(f["closure_standard"]).strip(),
            time_limit=parse_time_limit(f["time_limit"]),
            urgency=Urgency(str(f["urgency"]).strip()),
            examples=_strings(f.get("examples")),
        )
    return Node(code=str(f["code"]).strip(), name=str(f["name"]).strip(),
                description=str(f["description"]).strip(), keywords=_strings(f.get("keywords")),
                aliases=_strings(f.get("aliases")), dispatch=dispatch, location=rec.location)


def build_nodes(src: RawSource) -> list[Node]:
    index = NodeIndex(src.nodes)
    return [build_node(rec, index.is_leaf(code)) for code, rec in sorted(index.by_code.items())]


def build_units(src: RawSource) -> list[Unit]:
    return [Unit(code=str(f["code"]), name=str(f["name"]), kind=str(f["kind"]), hours=str(f.get("hours", "office")),
                 phone=str(f.get("phone", "")), active=bool(f.get("active", True)), note=str(f.get("note", "")))
            for f in (rec.fields for rec in src.units)]


def build_city(src: RawSource) -> City:
    gaz = src.gazetteer
    districts = []
    for d in gaz.get("districts", []):
        streets = tuple(Street(code=str(s["code"]), name=str(s["name"]), kind=str(s.get("kind", "街道")),
                               district_code=str(d["code"]), communities=_strings(s.get("communities")),
                               landmarks=_strings(s.get("landmarks")))
                        for s in d["streets"])
        districts.append(District(code=str(d["code"]), name=str(d["name"]), kind=str(d.get("kind", "市辖区")),
                                  population=int(d["population"]), streets=streets, roads=_strings(d.get("roads"))))
    city = gaz.get("city") or {}
    return City(name=str(city.get("name", "")), note=str(city.get("note", "")), districts=tuple(districts))


def node_content(node: Node) -> dict:
    """A node as plain data, in the field names and spelling of the source files."""
    data = {"code": node.code, "name": node.name, "description": node.description,
            "keywords": list(node.keywords), "aliases": list(node.aliases)}
    if node.dispatch:
        d = node.dispatch
        data.update({"responsible": str(d.responsible), "co_handlers": [str(r) for r in d.co_handlers],
                     "dispatch_mode": d.mode.value, "closure_standard": d.closure_standard,
                     "time_limit": str(d.time_limit), "urgency": d.urgency.value, "examples": list(d.examples)})
    return data


def unit_content(unit: Unit) -> dict:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind, "hours": unit.hours, "phone": unit.phone,
            "active": unit.active, "note": unit.note}


def content_hash(nodes: list[Node], units: list[Unit], city: City) -> str:
    """sha256 over the canonical content: formatting, comments and file layout do not change it."""
    canonical = {
        "nodes": [node_content(n) for n in sorted(nodes, key=lambda n: n.code)],
        "units": [unit_content(u) for u in sorted(units, key=lambda u: u.code)],
        "city": {"name": city.name, "districts": [
            {"code": d.code, "name": d.name, "kind": d.kind, "population": d.population, "roads": list(d.roads),
             "streets": [{"code": s.code, "name": s.name, "kind": s.kind, "communities": list(s.communities),
                          "landmarks": list(s.landmarks)} for s in d.streets]}
            for d in sorted(city.districts, key=lambda d: d.code)]},
    }
    blob = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def build_manifest(src: RawSource) -> Manifest:
    m = src.manifest
    expected = {int(k): int(v) for k, v in (m.get("expected_levels") or {}).items()}
    return Manifest(name=str(m.get("name", "")), version=str(m.get("version", "")),
                    content_hash=str(m.get("content_hash", "")), expected_levels=expected)
