"""The evaluation report: report.json (everything), report.md (for people) and precision_coverage.png.

`results` maps a model name ("model", "baseline", ...) to the output of metrics.evaluate; `extra` carries what
the metrics cannot know (latency, throughput, training time, corpus sizes) and is shown as given."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from catalog.entities import LEVEL_NAMES

N_LISTED = 20
LEVEL_ROWS = [(f"level{level}", f"{LEVEL_NAMES[level]} (level {level})") for level in (1, 2, 3, 4)] + [
    ("leaf", "Leaf (full path)")]


def _jsonable(value):
    """Plain JSON values: numpy scalars and arrays unwrapped, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def _pct(value) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:.1f} %"


def _num(value, digits: int = 4) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _threshold(value) -> str:
    """A probability threshold; those within 1e-4 of 1 as 1 − gap, so that they do not all read 1.0000."""
    if value is None:
        return "–"
    return f"1 − {1 - value:.1e}" if 0.9999 < value < 1 else f"{value:.4f}"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _leaf_label(code: str, catalogue) -> str:
    """A leaf code with its Chinese path name, when the catalogue knows it."""
    if catalogue is not None and code in catalogue:
        return f"{code} {catalogue.path_name(code)}"
    return code


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _flatten(value, key: str = "") -> list[tuple[str, object]]:
    if isinstance(value, dict):
        rows = []
        for k, v in value.items():
            rows += _flatten(v, f"{key}.{k}" if key else str(k))
        return rows
    return [(key, value)]


def _levels_section(results: dict) -> list[str]:
    names = list(results)
    header = ["Level", "n"] + [f"{name} {metric}" for name in names for metric in ("acc@1", "acc@3", "macro-F1")]
    rows = []
    for key, label in LEVEL_ROWS:
        first = results[names[0]]["levels"][key]
        row = [label, first["n"]]
        for name in names:
            block = results[name]["levels"][key]
            row += [_pct(block["acc@1"]), _pct(block["acc@3"]), _num(block["macro_f1"], 3)]
        rows.append(row)
    return ["## Accuracy per level", "",
            "acc@3 at level L: the gold level-L class is among the first three distinct level-L prefixes of the "
            "ranked leaves. Level 4 counts only texts whose gold leaf is a 子类. Macro-F1 averages top-1 F1 over "
            "every class that is a gold or a predicted label.", "", *_table(header, rows), ""]


def _calibration_section(results: dict) -> list[str]:
    rows = [[name, _num(r["calibration"]["ece"]), _pct(r["calibration"]["mean_confidence"]),
             _pct(r["calibration"]["accuracy"])] for name, r in results.items()]
    lines = ["## Calibration", "", "Expected calibration error of the top-1 leaf probability (15 equal-width bins).",
             "", *_table(["Model", "ECE", "Mean top-1 probability", "Top-1 leaf accuracy"], rows), ""]
    for name, r in results.items():
        bins = [[f"{b['low']:.2f}–{b['high']:.2f}", b["count"], _pct(b["confidence"]), _pct(b["accuracy"])]
                for b in r["calibration"]["bins"]]
        lines += [f"### Reliability: {name}", "", *_table(["Probability bin", "Texts", "Mean probability",
                                                            "Accuracy"], bins), ""]
    return lines


def _thresholds_section(results: dict, plot_name: str) -> list[str]:
    rows = []
    for name, r in results.items():
        for target, entry in r["precision_coverage"]["thresholds"].items():
            oracle, dev, per_class = entry.get("oracle"), entry.get("dev_global"), entry.get("dev_per_class")
            rows.append([name, _pct(float(target)),
                         _threshold(oracle["threshold"]) if oracle else "unreachable",
                         _pct(oracle["coverage"]) if oracle else "–",
                         _threshold(dev["threshold"]) if dev else ("unreachable" if "dev_global" in entry else "–"),
                         _pct(dev["precision"]) if dev else "–", _pct(dev["coverage"]) if dev else "–",
                         (f"{_pct(per_class['precision'])} ({per_class['classes_tuned']} leaves tuned)"
                          if per_class else "–"),
                         _pct(per_class["coverage"]) if per_class else "–"])
    header = ["Model", "Target precision", "Threshold (chosen on test)", "Coverage", "Threshold (chosen on dev)",
              "Test precision", "Test coverage", "Per-class thresholds: test precision", "Test coverage"]
    return ["## Precision–coverage", "",
            "Texts whose top-1 leaf probability reaches the threshold would be dispatched without an agent's "
            "check. 'Chosen on test' is the lowest threshold reaching the target on the test texts themselves "
            "(optimistic); 'chosen on dev' is tuned on the dev split and applied to test; per-class thresholds "
            "are tuned on dev per predicted leaf (leaves seldom predicted on dev fall back to the global one).",
            "", *_table(header, rows), "", f"![Precision against coverage]({plot_name})", ""]


def _confused_section(results: dict, catalogue) -> list[str]:
    lines = ["## Most confused leaf pairs", ""]
    for name, r in results.items():
        rows = [[i, _leaf_label(g, catalogue), _leaf_label(p, catalogue), c]
                for i, (g, p, c) in enumerate(r["confused_pairs"][:N_LISTED], start=1)]
        lines += [f"### {name}", "", *(_table(["#", "Gold leaf", "Predicted leaf", "Texts"], rows) if rows
                                       else ["No confusions."]), ""]
    return lines


def worst_by_recall(per_class: dict, n: int = N_LISTED) -> list[tuple[str, dict]]:
    """The n leaves with gold texts and the lowest recall, ties by larger support then code."""
    rows = [(code, m) for code, m in per_class.items() if m["support"]]
    return sorted(rows, key=lambda item: (item[1]["recall"], -item[1]["support"], item[0]))[:n]


def _worst_section(results: dict, catalogue) -> list[str]:
    lines = ["## Leaves with the lowest recall", ""]
    for name, r in results.items():
        rows = [[_leaf_label(code, catalogue), _pct(m["recall"]), _pct(m["precision"]), m["support"], m["predicted"]]
                for code, m in worst_by_recall(r["per_class"])]
        lines += [f"### {name}", "", *_table(["Leaf", "Recall", "Precision", "Support", "Predicted"], rows), ""]
    return lines


def _extra_section(extra: dict) -> list[str]:
    rows = [[key, _num(value) if isinstance(value, float) else value] for key, value in _flatten(extra or {})]
    return ["## Extra", "", *(_table(["Measure", "Value"], rows) if rows else ["Nothing reported."]), ""]


def plot_precision_coverage(path: Path, results: dict, targets=(0.95, 0.99)) -> Path:
    """One chart of precision against coverage for every model, target precisions dashed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for name, r in results.items():
        curve = r["precision_coverage"]["curve"]
        ax.plot(curve["coverage"], curve["precision"], label=name, linewidth=1.6)
    for target in targets:
        ax.axhline(target, linestyle="--", linewidth=0.8, color="grey")
        ax.text(0.01, target, f"{target:.0%}", va="bottom", fontsize=8, color="grey")
    ax.set_xlim(0, 1)
    ax.set_ylim(max(0.0, min([min(r["precision_coverage"]["curve"]["precision"] or [1.0])
                              for r in results.values()] + [0.9]) - 0.02), 1.005)
    ax.set_xlabel("Coverage (share of texts kept)")
    ax.set_ylabel("Top-1 leaf precision of kept texts")
    ax.set_title("Precision vs coverage (keep texts with top-1 probability >= threshold)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def write_report(out_dir: Path | str, results: dict[str, dict], catalogue=None, extra: dict | None = None
                 ) -> dict[str, Path]:
    """Write report.json, report.md and precision_coverage.png into out_dir; their paths by kind."""
    if not results:
        raise ValueError("write_report needs the results of at least one model")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "markdown": out / "report.md", "plot": out / "precision_coverage.png"}
    version = getattr(catalogue, "version", None)
    paths["json"].write_text(json.dumps(_jsonable({"catalogue": version, "models": results, "extra": extra or {}}),
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    plot_precision_coverage(paths["plot"], results)
    summary = ", ".join(f"{name} ({r['n']} texts)" for name, r in results.items())
    lines = ["# Classifier evaluation report", "",
             f"Catalogue {version or 'unknown'}. Models: {summary}.", "",
             *_levels_section(results), *_calibration_section(results),
             *_thresholds_section(results, paths["plot"].name), *_confused_section(results, catalogue),
             *_worst_section(results, catalogue), *_extra_section(extra or {})]
    paths["markdown"].write_text("\n".join(lines), encoding="utf-8")
    return paths
