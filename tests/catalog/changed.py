"""The demo catalogue's next version, as a maintainer would publish it: one leaf split in two, two merged, one
renamed and one added (all under 生活垃圾收运, where the tiny test models are trained), with its change file."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from catalog import DEFAULT_DATA_DIR, stamp_data_dir

SPLIT, SPLIT_PART, MERGED_AWAY, MERGED_INTO, RENAMED, ADDED = "010101", "010107", "010104", "010103", "010102", "010108"

NEW_NODES = {
    SPLIT_PART: {
        "name": "沿街垃圾桶满溢未清",
        "description": "道路两侧、公交站旁的沿街垃圾桶、果皮箱满溢未及时清掏，垃圾散落路面。不含居民区垃圾楼（站）。",
        "keywords": ["沿街垃圾桶", "果皮箱满了", "路边垃圾桶满溢", "垃圾桶冒尖"],
        "aliases": ["路边垃圾桶都冒尖了", "马路边的桶没人掏"],
        "examples": ["网格员巡查发现：和平区太原街南京街路口两个沿街垃圾桶满溢，垃圾散落人行道，需清掏。",
                     "市民来电反映：公交站旁边的果皮箱塞满了好几天，饮料瓶子滚得满地都是，希望环卫来掏一下。",
                     "【马路边的垃圾桶没人掏】沈河区北站路沿街那几个桶冒尖三天了，风一刮塑料袋满街飞。"]},
    ADDED: {
        "name": "装修垃圾投放点未设置",
        "description": "小区或街道未设置装修垃圾临时投放点，或投放点长期满溢、无人清运，居民装修垃圾无处投放。",
        "keywords": ["装修垃圾", "投放点", "装修垃圾没地方扔", "建渣"],
        "aliases": ["装修垃圾往哪扔", "小区没有装修垃圾堆放点"],
        "examples": ["市民来电反映：我家正在装修，小区没有装修垃圾投放点，物业让自己找地方，请问该往哪里扔。",
                     "【装修垃圾没地方扔】铁西区兴华街道某小区装修的多，楼道口堆满了碎砖和废板子，希望设个投放点。",
                     "来电人称其所在小区装修垃圾投放点一个月没清运了，碎砖头堆成小山，挡了消防通道。"]},
}


def write_changed_catalogue(root: Path) -> Path:
    """Copy the demo catalogue to `root`, change it, stamp it 1.1.0 and write changes/1.0.0-to-1.1.0.yaml."""
    shutil.copytree(DEFAULT_DATA_DIR, root)
    path = root / "catalogue" / "01.yaml"
    nodes = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_code = {n["code"]: n for n in nodes}
    template = by_code[SPLIT]
    by_code[SPLIT]["name"] = "居民区垃圾楼清运不及时"
    by_code[RENAMED]["name"] = "垃圾桶（箱）破损缺失"
    by_code[MERGED_INTO]["name"] = "垃圾转运作业扰民"
    by_code[MERGED_INTO]["keywords"] = [*by_code[MERGED_INTO]["keywords"], *by_code[MERGED_AWAY]["keywords"]]
    nodes = [n for n in nodes if n["code"] != MERGED_AWAY]
    for code, fields in NEW_NODES.items():
        nodes.append({**template, "code": code, **fields})
    nodes.sort(key=lambda n: n["code"])
    path.write_text(yaml.safe_dump(nodes, allow_unicode=True, sort_keys=False), encoding="utf-8")
    manifest_path = root / "manifest.yaml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    manifest["expected_levels"][3] += len(NEW_NODES) - 1
    manifest_path.write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    stamp_data_dir(root, bump="minor")
    (root / "changes").mkdir()
    (root / "changes" / "1.0.0-to-1.1.0.yaml").write_text(yaml.safe_dump({
        "from": "1.0.0", "to": "1.1.0", "changes": [
            {"kind": "split", "old": [SPLIT], "new": [SPLIT, SPLIT_PART], "note": "按居民区与沿街拆分"},
            {"kind": "merge", "old": [MERGED_INTO, MERGED_AWAY], "new": [MERGED_INTO], "note": "转运站与转运车合并"},
            {"kind": "rename", "old": [RENAMED], "new": [RENAMED]},
            {"kind": "add", "old": [], "new": [ADDED]},
        ]}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root
