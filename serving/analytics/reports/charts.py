"""The report's charts, drawn with matplotlib (Agg, no display) once as SVG for the page and once as PNG for the
workbook, with Simplified Chinese labels in a CJK font found on the machine (without one they still render, and the
report says so)."""
from __future__ import annotations

import io
import logging
import re
import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from serving.analytics.reports.figures import NOT_RATED, Figures, Row, Trend
from serving.analytics.reports.periods import BEFORE_NAMES, THIS_NAMES
from serving.analytics.reports.wording import shown

log = logging.getLogger("jiesu.reports")
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                "Droid Sans Fallback", "AR PL UMing CN", "Microsoft YaHei", "SimHei", "PingFang SC")
CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
CJK_HINTS = ("wqy", "cjk", "droidsansfallback", "sourcehansans", "notosanssc", "simhei", "msyh", "pingfang")
NO_FONT = ("no CJK font found: the charts' Chinese labels show as empty boxes; install one (apt-get install "
           "fonts-wqy-microhei, or fonts-noto-cjk) and generate the report again")
DPI = 100
TOP_UNITS = 10
WIDTH = 9               # inches, at DPI: 900 pixels
BAR_INCHES = 0.32       # a bar chart is as tall as its bars need
NOW, BEFORE, GRID, TEXT = "#1f5fa8", "#a7b1bc", "#e3e7eb", "#24292f"
LEVEL_COLOURS = {"满意": "#2e7d32", "基本满意": "#8bc34a", "不满意": "#d32f2f", NOT_RATED: "#c4c9cf"}
OTHER_COLOUR = "#ffb300"
_LOCK = threading.Lock()     # rcParams are global: one chart at a time


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: str        # inline <svg> element, ids prefixed with the key, text drawn as paths (no font needed)
    png: bytes


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can draw with; None (and a warning, once) when there is none."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    found = [p for p in font_manager.findSystemFonts() if any(h in Path(p).name.lower() for h in CJK_HINTS)]
    for path in (*CJK_FILES, *found):
        if not Path(path).is_file():
            continue
        try:
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
    log.warning(NO_FONT)
    return None


def font_warning() -> str | None:
    return None if cjk_font() else NO_FONT


def _style(font: str | None) -> dict:
    return {"font.family": "sans-serif", "font.sans-serif": ([font] if font else []) + ["DejaVu Sans"],
            "axes.unicode_minus": False, "svg.fonttype": "path", "svg.hashsalt": "jiesu-report", "font.size": 10,
            "axes.titlesize": 13, "axes.titleweight": "normal", "axes.titlelocation": "left", "axes.edgecolor": BEFORE,
            "axes.labelcolor": TEXT, "text.color": TEXT, "xtick.color": TEXT, "ytick.color": TEXT,
            "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False}


def charts(figures: Figures) -> list[Chart]:
    """The report's five charts: volume trend, top categories, districts, satisfaction, overdue by unit."""
    kind = figures.period.kind
    this, before = THIS_NAMES[kind], BEFORE_NAMES[kind]
    late = figures.overdue_by_unit()[:TOP_UNITS]
    drawings = [("trend", f"诉求量趋势：{this}与{before}", 3.2, lambda f: _trend(f, figures.trend, this, before)),
                ("categories", "诉求量居前的大类", _tall(figures.categories), lambda f: _categories(f, figures.categories)),
                ("districts", "各区县万人诉求比与满意率", _tall(figures.districts), lambda f: _districts(f, figures.districts)),
                ("satisfaction", "回访满意度构成", 2.3, lambda f: _satisfaction(f, figures, this, before)),
                ("overdue", "超期工单较多的单位", _tall(late), lambda f: _overdue(f, late))]
    with _LOCK:
        font = cjk_font()
        return _drawn(drawings, font)


def _drawn(drawings: list, font: str | None) -> list[Chart]:
    import matplotlib

    with matplotlib.rc_context(_style(font)), warnings.catch_warnings():
        if font is None:
            warnings.simplefilter("ignore")     # one warning per missing glyph otherwise; NO_FONT says it once
        return [_render(key, title, height, draw) for key, title, height, draw in drawings]


def _tall(bars: list) -> float:
    return 1.2 + BAR_INCHES * max(len(bars), 3)



def _render(key: str, title: str, height: float, draw) -> Chart:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure      # not pyplot: no display, no global list of open figures

    figure = Figure(figsize=(WIDTH, height), layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure)
    vector, raster = io.BytesIO(), io.BytesIO()
    figure.savefig(vector, format="svg", metadata={"Date": None, "Creator": None})
    figure.savefig(raster, format="png", dpi=DPI)
    return Chart(key, title, _inline(vector.getvalue().decode("utf-8"), key, title), raster.getvalue())


def _inline(svg: str, key: str, title: str) -> str:
    """The <svg> element alone, fit for a page holding several: no XML prologue or metadata, every id prefixed
    with the chart's key (matplotlib numbers them the same in every file), a title for screen readers."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    svg = re.sub(r'(\bid="|href="#|url\(#)([^")]+)', lambda m: m[1] + f"{key}-" + m[2] if m[2] in ids else m[0], svg)
    svg = re.sub(r"<svg\b", f'<svg role="img" aria-labelledby="{key}-title" class="chart" data-chart="{key}"', svg,
                 count=1)
    opening = svg.index(">") + 1
    return f'{svg[:opening]}<title id="{key}-title">{escape(title)}</title>{svg[opening:]}'


def _empty(axes, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color=BEFORE, fontsize=12)
    axes.set_xticks([])
    axes.set_yticks([])
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)


def _trend(figure, trend: Trend, this: str, before: str) -> None:
    from matplotlib.ticker import MaxNLocator

    axes = figure.subplots()
    axes.set_title(f"诉求量趋势（按{trend.step}，件）")
    if not any(trend.now) and not any(trend.before):
        _empty(axes, "本期与上期均无诉求")
        return
    axes.plot(range(len(trend.before)), trend.before, color=BEFORE, linewidth=1.6, linestyle="--",
              label=f"{before}（共 {sum(trend.before)} 件）")
    axes.plot(range(len(trend.now)), trend.now, color=NOW, linewidth=2.2, marker="o", markersize=3.5,
              label=f"{this}（共 {sum(trend.now)} 件）")
    step = max(1, len(trend.labels) // 12)
    axes.set_xticks(range(0, len(trend.labels), step), trend.labels[::step])
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", color=GRID)
    axes.set_axisbelow(True)
    axes.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2)


def _bars(axes, names: list[str], values: list[float], labels: list[str], colour: str = NOW,
          percent: bool = False) -> None:
    """Horizontal bars, the first name on top, each with its label written beside it."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    positions = range(len(names))[::-1]
    axes.barh(list(positions), values, color=colour, height=0.62)
    axes.set_yticks(list(positions), names)
    top = max(values) if values and max(values) > 0 else 1
    for y, value, label in zip(positions, values, labels):
        axes.text(value + top * 0.01, y, label, va="center", fontsize=9)
    axes.set_xlim(0, top * 1.18)
    if percent:
        axes.xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=all(float(v).is_integer() for v in values)))
    axes.tick_params(axis="y", length=0)
    axes.grid(axis="x", color=GRID)
    axes.set_axisbelow(True)


def _categories(figure, rows: list[Row]) -> None:
    axes = figure.subplots()
    axes.set_title("诉求量居前的大类（件）")
    if not rows:
        _empty(axes, "本期无已分类的诉求")
        return
    values = [r.value("volume") for r in rows]
    _bars(axes, [r.name for r in rows], values, [str(v) for v in values])


def _districts(figure, rows: list[Row]) -> None:
    left, right = figure.subplots(1, 2)
    panels = ((left, "per_10k", "万人诉求比（件/万人，越低越好）"), (right, "satisfaction_rate", "满意率（越高越好）"))
    for axes, key, title in panels:
        axes.set_title(title, fontsize=11)
        chosen = [r for r in rows if r.value(key) is not None]
        if not chosen:
            _empty(axes, "无数据")
            continue
        chosen.sort(key=lambda r: r.value(key), reverse=key == "satisfaction_rate")
        values = [r.value(key) * (100 if key == "satisfaction_rate" else 1) for r in chosen]
        _bars(axes, [r.name for r in chosen], values, [shown(key, r.value(key)) for r in chosen],
              NOW if key == "per_10k" else LEVEL_COLOURS["满意"], percent=key == "satisfaction_rate")


def _satisfaction(figure, figures: Figures, this: str, before: str) -> None:
    axes = figure.subplots()
    axes.set_title("回访满意度构成（占回访工单）")
    sides = [(before, figures.satisfaction_before), (this, figures.satisfaction)]
    if not any(sum(counts.values()) for _, counts in sides):
        _empty(axes, "本期与上期均无回访")
        return
    levels = list(dict.fromkeys([*figures.satisfaction_before, *figures.satisfaction]))
    for y, (name, counts) in enumerate(sides):
        total, left = sum(counts.values()), 0.0
        for level in levels:
            share = counts.get(level, 0) / total * 100 if total else 0
            axes.barh(y, share, left=left, color=LEVEL_COLOURS.get(level, OTHER_COLOUR), height=0.6,
                      label=level if y == 0 else None)
            if share >= 7:
                axes.text(left + share / 2, y, f"{share:.0f}%", ha="center", va="center", color="white", fontsize=9)
            left += share
    axes.set_yticks([0, 1], [f"{name}（{sum(counts.values())} 件）" for name, counts in sides])
    axes.set_xlim(0, 100)
    axes.set_xticks([0, 25, 50, 75, 100], ["0", "25%", "50%", "75%", "100%"])
    axes.tick_params(axis="y", length=0)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=len(levels))


def _overdue(figure, by_unit: list[tuple[str, int]]) -> None:
    axes = figure.subplots()
    axes.set_title("超期工单较多的单位（件）")
    if not by_unit:
        _empty(axes, "本期无超期工单")
        return
    _bars(axes, [name for name, _ in by_unit], [n for _, n in by_unit], [str(n) for _, n in by_unit], "#d32f2f")
