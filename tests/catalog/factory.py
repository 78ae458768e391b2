"""A small, complete catalogue written to a temporary directory; each test breaks one thing in it."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

from catalog import stamp_data_dir

UNITS = {
    "fallback_unit": "gov_inspection",
    "platform_unit": "hotline_center",
    "units": [
        {"code": "hotline_center", "name": "市12345热线中心", "kind": "platform", "hours": "24h", "phone": "12345",
         "active": True, "note": "受理与回访"},
        {"code": "gov_inspection", "name": "市政府督查室", "kind": "department", "hours": "office", "phone": "1",
         "active": True, "note": "兜底"},
        {"code": "urban_mgmt", "name": "市城市管理局", "kind": "department", "hours": "office", "phone": "2",
         "active": True, "note": "市容环卫"},
        {"code": "heating_supply", "name": "市热力集团", "kind": "utility", "hours": "24h", "phone": "96789",
         "active": True, "note": "集中供热"},
        {"code": "old_heat", "name": "原区供热站", "kind": "enterprise", "hours": "office", "phone": "3",
         "active": False, "note": "已撤并"},
    ],
}

GAZETTEER = {
    "city": {"name": "测试市", "note": "测试数据"},
    "districts": [
        {"code": "HP", "name": "和平区", "kind": "市辖区", "population": 645000, "roads": ["中华路", "南京街"],
         "streets": [{"code": "HP01", "name": "太原街街道", "kind": "街道", "communities": ["太原街社区"],
                      "landmarks": ["太原街商业街"]},
                     {"code": "HP02", "name": "南湖街道", "kind": "街道", "communities": ["南湖社区"],
                      "landmarks": []}]},
        {"code": "KP", "name": "康平县", "kind": "县", "population": 300000, "roads": ["康平大街"],
         "streets": [{"code": "KP01", "name": "康平镇", "kind": "镇", "communities": ["东关村"], "landmarks": []}]},
    ],
}


def _leaf(code, name, responsible="territory:street", **extra):
    node = {
        "code": code, "name": name, "description": f"{name}相关诉求，编号{code}，用于区分同级事项。",
        "keywords": [name[:2], f"{name}问题"], "aliases": [f"{name}咋没人管"],
        "responsible": responsible, "co_handlers": [], "dispatch_mode": "直派",
        "closure_standard": f"核实{name}情况并处理完毕，答复来电人。", "time_limit": "3个工作日", "urgency": "一般",
        "examples": [f"市民来电反映：和平区太原街{code}号附近{name}，已经持续一周。诉求：尽快处理。",
                     f"【{name}太闹心了】住在南湖社区，{name}的事找了好几回了，编号{code}，希望有人管管。",
                     f"网格员巡查发现：太原街社区{code}号楼前{name}，需处置。"],
    }
    node.update(extra)
    return node


def _branch(code, name, description, keywords, aliases):
    return {"code": code, "name": name, "description": description, "keywords": keywords, "aliases": aliases}


NODES = [
    _branch("01", "市容环境卫生", "城市道路和公共场所的保洁、垃圾收运问题。", ["垃圾", "保洁"], ["街上埋汰"]),
    _branch("0101", "生活垃圾收运", "居民区和沿街的生活垃圾收集运输。", ["垃圾清运"], ["垃圾没人拉"]),
    _leaf("010101", "垃圾清运不及时", co_handlers=["dept:urban_mgmt"], dispatch_mode="双派",
          keywords=["垃圾清运", "垃圾桶满"], aliases=["垃圾好几天没人拉", "垃圾桶冒尖了"]),
    _leaf("010102", "垃圾站脏乱", responsible="dept:urban_mgmt", keywords=["垃圾站", "异味"],
          aliases=["垃圾站臭得不行"]),
    _branch("0102", "道路清扫保洁", "城市道路、人行道的日常清扫。", ["清扫", "保洁"], ["路面埋汰"]),
    _branch("010201", "冬季清雪", "降雪后道路和人行道积雪清除，按位置再细分。", ["清雪", "积雪"], ["雪没人扫"]),
    _leaf("01020101", "主干道积雪未清", responsible="dept:urban_mgmt", keywords=["主干道", "积雪"],
          aliases=["大道上雪老厚了"]),
    _leaf("01020102", "人行道积雪结冰", keywords=["人行道", "结冰"], aliases=["人行道滑得走不了"]),
    _branch("02", "城市供热", "冬季集中供热的温度、收费和设施问题。", ["暖气", "供热"], ["暖气不热"]),
    _branch("0201", "供热质量", "供暖期内室温与设施问题。", ["室温", "暖气"], ["屋里冰凉"]),
    _leaf("020101", "室温不达标", responsible="dept:heating_supply", time_limit="24小时", urgency="紧急",
          keywords=["室温", "暖气不热"], aliases=["暖气拔凉", "屋里冻手"]),
    _leaf("020102", "暖气漏水跑水", responsible="dept:heating_supply", time_limit="3小时", urgency="立即办",
          keywords=["漏水", "跑水"], aliases=["暖气片呲水了"]),
]

MANIFEST = {"name": "测试清单", "version": "1.0.0", "content_hash": "",
            "expected_levels": {1: 2, 2: 3, 3: 5, 4: 2}}


def fresh() -> dict:
    """Deep copies of the fixture parts, for a test to change before writing."""
    return {"nodes": copy.deepcopy(NODES), "units": copy.deepcopy(UNITS), "gazetteer": copy.deepcopy(GAZETTEER),
            "manifest": copy.deepcopy(MANIFEST)}


def node(parts: dict, code: str) -> dict:
    return next(n for n in parts["nodes"] if n["code"] == code)


def write_catalogue(root: Path, parts: dict | None = None, stamp: bool = True) -> Path:
    """Write a catalogue data directory; stamp its manifest when it is meant to be valid."""
    parts = parts or fresh()
    (root / "catalogue").mkdir(parents=True, exist_ok=True)
    (root / "city").mkdir(exist_ok=True)
    by_root: dict[str, list] = {}
    for item in parts["nodes"]:
        by_root.setdefault(str(item.get("code", "xx"))[:2], []).append(item)
    for prefix, items in by_root.items():
        _dump(root / "catalogue" / f"{prefix}.yaml", items)
    _dump(root / "city" / "units.yaml", parts["units"])
    _dump(root / "city" / "gazetteer.yaml", parts["gazetteer"])
    _dump(root / "manifest.yaml", parts["manifest"])
    if stamp:
        stamp_data_dir(root)
    return root


def _dump(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def line_of(path: Path, code: str) -> int:
    """The 1-based line on which a node's code is written."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if f"code: '{code}'" in line or f'code: "{code}"' in line or line.strip().endswith(f"code: {code}"):
            return number
    raise AssertionError(f"code {code} not found in {path}")
