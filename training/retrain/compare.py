"""Old model against new on the same held-out sets: per level, per leaf (what got better, what got worse)."""
from __future__ import annotations

from catalog import Catalogue
from training.evaluation.metrics import Predictions, level_metrics, per_class

LEVEL_NAMES = {"level1": "大类", "level2": "小类", "level3": "细类", "leaf": "叶子"}
SHOWN_LEAVES = 20


def headline(preds: Predictions) -> dict:
    """n, acc@1 per level and for the leaf, leaf acc@3."""
    levels = level_metrics(preds)
    out = {"n": len(preds)}
    for key in LEVEL_NAMES:
        out[key] = levels[key]["acc@1"]
    out["leaf_acc3"] = levels["leaf"]["acc@3"]
    return out


def compare_set(old: Predictions, new: Predictions) -> dict:
    return {"old": headline(old), "new": headline(new)} if len(old) else {"old": {"n": 0}, "new": {"n": 0}}


def leaf_changes(old: Predictions, new: Predictions, catalogue: Catalogue) -> dict:
    """Per-leaf recall before and after, the leaves that moved most each way."""
    before, after = per_class(old), per_class(new)
    rows = []
    for leaf, stats in after.items():
        if not stats["support"]:
            continue
        was = before.get(leaf, {}).get("recall") or 0.0
        rows.append({"leaf": leaf, "name": catalogue.path_name(leaf) if leaf in catalogue else leaf,
                     "n": stats["support"], "old": round(was, 4), "new": round(stats["recall"], 4),
                     "change": round(stats["recall"] - was, 4)})
    better = sorted((r for r in rows if r["change"] > 0), key=lambda r: (-r["change"] * r["n"], r["leaf"]))
    worse = sorted((r for r in rows if r["change"] < 0), key=lambda r: (r["change"] * r["n"], r["leaf"]))
    return {"better": len(better), "worse": len(worse), "same": len(rows) - len(better) - len(worse),
            "most_better": better[:SHOWN_LEAVES], "most_worse": worse[:SHOWN_LEAVES]}


def markdown(report: dict) -> str:
    """The comparison as a page a maintainer reads before promoting."""
    lines = [f"# 重训对比：{report['old_version']} → {report['new_version']}", "",
             f"目录版本 {report['catalogue_version']}；训练 {report['training']['seconds']} 秒；"
             f"纠错样本 {report['decisions']['train']} 条用于训练、{report['decisions']['held_out']} 条留作评估。", ""]
    lines += ["| 评估集 | 条数 | " + " | ".join(f"{v}（旧→新）" for v in LEVEL_NAMES.values()) + " |",
              "|---|---:|" + "---:|" * len(LEVEL_NAMES)]
    for name, block in report["sets"].items():
        if not block["old"]["n"]:
            continue
        cells = [f"{_pct(block['old'][k])} → {_pct(block['new'][k])}" for k in LEVEL_NAMES]
        lines.append(f"| {SET_NAMES.get(name, name)} | {block['old']['n']} | " + " | ".join(cells) + " |")
    gate = report["gate"]
    lines += ["", f"## 发布闸门：{'通过' if gate['passed'] else '未通过'}", ""]
    lines += [f"- {'✓' if c['passed'] else '✗'} {c['rule']}：{c['detail']}" for c in gate["checks"]]
    for title, key in (("进步最多的细项", "most_better"), ("退步最多的细项", "most_worse")):
        rows = report["leaves"][key]
        lines += ["", f"## {title}（{report['leaves'][key.split('_')[1]]} 项）", ""]
        lines += [f"- {r['leaf']} {r['name']}：{_pct(r['old'])} → {_pct(r['new'])}（{r['n']} 条）" for r in rows]
    return "\n".join(lines) + "\n"


SET_NAMES = {"test": "固定留出集（全部）", "test_known": "固定留出集（原已训练细项）",
             "test_new": "固定留出集（新细项）", "corrections": "留出的近期纠错"}


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"
