"""The report as an XLSX workbook: one sheet per topic (概览, 趋势, 分类, 排名, 超期, 满意度, 重复与热点), formatted
headers, fitted column widths, frozen header rows, numbers as numbers, and the charts as PNG images."""
from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from serving.analytics.definitions import BY_KEY
from serving.analytics.reports.charts import Chart
from serving.analytics.reports.figures import DISTRICT_KEYS, HEADLINE, UNIT_KEYS, Figures, Row
from serving.analytics.reports.periods import BEFORE_NAMES, THIS_NAMES
from serving.analytics.reports.wording import change, summary, title

SHEETS = ("概览", "趋势", "分类", "排名", "超期", "满意度", "重复与热点")
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
THIN = Side(style="thin", color="B7C3D0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SHARE, PER_10K, POINTS, RELATIVE = "0.0%", "0.00", "+0.0;-0.0;0.0", "+0.0%;-0.0%;0.0%"
TIME = "%Y-%m-%d %H:%M"
IMAGE_SCALE = 0.8
MAX_WIDTH = 60


def write(path: Path, figures: Figures, charts: list[Chart]) -> None:
    """Write the workbook to `path`."""
    chart = {c.key: c for c in charts}
    book = Workbook()
    book.remove(book.active)
    sheets = {name: book.create_sheet(name) for name in SHEETS}
    first_rows = {"概览": _overview(sheets["概览"], figures)}
    _trend(sheets["趋势"], figures, chart["trend"])
    _categories(sheets["分类"], figures, chart["categories"])
    _ranking(sheets["排名"], figures, chart["districts"])
    _overdue(sheets["超期"], figures, chart["overdue"])
    _satisfaction(sheets["满意度"], figures, chart["satisfaction"])
    _repeats(sheets["重复与热点"], figures)
    for name, sheet in sheets.items():
        _fit_columns(sheet, first_rows.get(name, 1))
    book.properties.title = title(figures)
    book.properties.creator = "接诉 Jiesu"
    book.save(path)


def _table(sheet: Worksheet, top: int, header: list[str], rows: list[list], formats: dict[int, str] | None = None,
           freeze: bool = False) -> int:
    """A header row at `top` and the rows under it, with number formats per column index; the next free row."""
    for column, text in enumerate(header, start=1):
        cell = sheet.cell(top, column, text)
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(top + offset, column, value)
            cell.border = BORDER
            if formats and column - 1 in formats:
                cell.number_format = formats[column - 1]
    if freeze:
        sheet.freeze_panes = sheet.cell(top + 1, 1)
    return top + len(rows) + 2


def _caption(sheet: Worksheet, row: int, text: str) -> int:
    sheet.cell(row, 1, text).font = Font(bold=True, size=12)
    return row + 1


def _picture(sheet: Worksheet, chart: Chart, anchor: str) -> None:
    image = Image(io.BytesIO(chart.png))
    image.width, image.height = image.width * IMAGE_SCALE, image.height * IMAGE_SCALE
    sheet.add_image(image, anchor)


def _fmt(key: str) -> str | None:
    indicator = BY_KEY[key]
    return SHARE if indicator.is_rate else PER_10K if indicator.scale != 1 else None


def _change_format(key: str) -> str:
    return POINTS if BY_KEY[key].is_rate else RELATIVE


def _change_header(key: str) -> str:
    return "环比（百分点）" if BY_KEY[key].is_rate else "环比"


def _overview(sheet: Worksheet, figures: Figures) -> int:
    """Title, period, summary sentences and the headline figures; the row of the figures' header."""
    sheet["A1"] = title(figures)
    sheet["A1"].font = Font(bold=True, size=16)
    period = figures.period
    sheet["A2"] = (f"统计期 {period.first:%Y-%m-%d} 至 {period.last:%Y-%m-%d}；对比 {figures.previous.title}"
                   + (f"；同比 {figures.year_ago.title}" if figures.year_ago else "")
                   + f"；生成于 {figures.generated_at:{TIME}}（北京时间）")
    row = 3
    for sentence in summary(figures):
        sheet.cell(row, 1, sentence)
        row += 1
    kind, year = period.kind, figures.total_year_ago
    header = ["指标", THIS_NAMES[kind], BEFORE_NAMES[kind], "环比", "环比单位"]
    header += ["去年同期", "同比"] if year is not None else []
    header += ["分子", "分母", "单位"]
    rows = []
    for key in HEADLINE:
        now, before = figures.total.now[key], figures.total.before[key]
        line = [BY_KEY[key].name, now.value, before.value, change(key, now.value, before.value),
                "百分点" if BY_KEY[key].is_rate else "相对变化"]
        if year is not None:
            line += [year[key].value, change(key, now.value, year[key].value)]
        rows.append(line + [now.numerator, now.denominator, BY_KEY[key].unit])
    top = row + 1
    _table(sheet, top, header, rows, freeze=True)
    for offset, key in enumerate(HEADLINE, start=1):       # formats differ per row here, not per column
        for column in (2, 3) + ((6,) if year is not None else ()):
            sheet.cell(top + offset, column).number_format = _fmt(key) or "General"
        for column in (4,) + ((7,) if year is not None else ()):
            sheet.cell(top + offset, column).number_format = _change_format(key)
    return top


def _trend(sheet: Worksheet, figures: Figures, chart: Chart) -> None:
    kind, trend = figures.period.kind, figures.trend
    length = max(len(trend.now), len(trend.before))
    rows = [[trend.labels[i] if i < len(trend.labels) else f"第{i + 1}{trend.step}",
             trend.now[i] if i < len(trend.now) else None, trend.before[i] if i < len(trend.before) else None]
            for i in range(length)]
    rows.append(["合计", sum(trend.now), sum(trend.before)])
    first = "时段" if trend.step == "时" else "日期"
    _table(sheet, 1, [first, f"{THIS_NAMES[kind]}件数", f"{BEFORE_NAMES[kind]}同{trend.step}件数"], rows, freeze=True)
    _picture(sheet, chart, "E2")


def _volume_rows(rows: list[Row], total: int, group: bool = False) -> list[list]:
    return [[rank, row.name] + ([row.group] if group else [])
            + [row.value("volume"), row.value("volume") / total if total else None, row.before["volume"].value,
               change("volume", row.value("volume"), row.before["volume"].value)]
            for rank, row in enumerate(rows, start=1)]


def _categories(sheet: Worksheet, figures: Figures, chart: Chart) -> None:
    kind = figures.period.kind
    total = figures.total.value("volume")
    this, before = f"{THIS_NAMES[kind]}件数", f"{BEFORE_NAMES[kind]}件数"
    row = _table(sheet, 1, ["序号", "大类", this, "占比", before, "环比"], _volume_rows(figures.categories, total),
                 {3: SHARE, 5: RELATIVE}, freeze=True)
    row = _caption(sheet, row, "诉求量前十的事项（末级）")
    row = _table(sheet, row, ["序号", "事项", "所属大类", this, "占比", before, "环比"],
                 _volume_rows(figures.leaves, total, group=True), {4: SHARE, 6: RELATIVE})
    row = _caption(sheet, row, "受理渠道")
    _table(sheet, row, ["序号", "渠道", this, "占比", before, "环比"], _volume_rows(figures.channels, total),
           {3: SHARE, 5: RELATIVE})
    _picture(sheet, chart, "I2")


def _ranked(rows: list[Row], keys: tuple[str, ...], what: str) -> tuple[list[str], list[list], dict[int, str]]:
    """Per indicator three columns: value, rank among the cut, change on the period before."""
    header, formats = [what], {}
    for key in keys:
        base = len(header)
        header += [BY_KEY[key].name, "名次", _change_header(key)]
        if _fmt(key):
            formats[base] = _fmt(key)
        formats[base + 2] = _change_format(key)
    body = [[r.name] + [cell for key in keys for cell in (r.value(key), r.ranks.get(key),
                                                           change(key, r.value(key), r.before[key].value))]
            for r in rows]
    return header, body, formats


def _ranking(sheet: Worksheet, figures: Figures, chart: Chart) -> None:
    header, body, formats = _ranked(figures.districts, DISTRICT_KEYS, "区县")
    row = _table(sheet, 1, header, body, formats, freeze=True)
    _picture(sheet, chart, f"{get_column_letter(len(header) + 2)}2")
    row = _caption(sheet, row, "主办单位（全部，按诉求量排列；一件工单计入它曾经的每一个主办单位）")
    units = sorted(figures.units, key=lambda r: -(r.value("volume") or 0))
    header, body, formats = _ranked(units, UNIT_KEYS, "主办单位")
    _table(sheet, row, header, body, formats)


def _overdue(sheet: Worksheet, figures: Figures, chart: Chart) -> None:
    rows = [[t.number, t.leaf, t.district, t.unit, f"{t.due_at:{TIME}}",
             f"{t.replied_at:{TIME}}" if t.replied_at else "未答复", round(t.hours_over, 1), t.status]
            for t in figures.overdue]
    _table(sheet, 1, ["工单编号", "事项", "区县", "主办单位", "办理时限（北京时间）", "答复时间（北京时间）", "超期小时",
                      "状态"], rows, {6: "0.0"}, freeze=True)
    _picture(sheet, chart, "J2")


def _satisfaction(sheet: Worksheet, figures: Figures, chart: Chart) -> None:
    kind = figures.period.kind
    now, before = figures.satisfaction, figures.satisfaction_before
    total_now, total_before = sum(now.values()), sum(before.values())
    rows = [[level, now.get(level, 0), now.get(level, 0) / total_now if total_now else None, before.get(level, 0),
             before.get(level, 0) / total_before if total_before else None]
            for level in dict.fromkeys([*now, *before])]
    rows.append(["合计", total_now, 1 if total_now else None, total_before, 1 if total_before else None])
    _table(sheet, 1, ["满意度", f"{THIS_NAMES[kind]}件数", "占比", f"{BEFORE_NAMES[kind]}件数", "占比"], rows,
           {2: SHARE, 4: SHARE}, freeze=True)
    _picture(sheet, chart, "G2")


def _repeats(sheet: Worksheet, figures: Figures) -> None:
    kind = figures.period.kind
    rows = [[i, r.name, r.group, r.count("repeat_rate"), r.before["repeat_rate"].numerator or 0,
             r.value("repeat_rate")] for i, r in enumerate(figures.repeats, start=1)]
    row = _table(sheet, 1, ["序号", "事项", "所属大类", f"{THIS_NAMES[kind]}重复件数", f"{BEFORE_NAMES[kind]}重复件数",
                            "重复投诉率"], rows, {5: SHARE}, freeze=True)
    row = _caption(sheet, row, "热点预警")
    _table(sheet, row, ["日期", "事项", "区域", "当日件数", "预期件数", "通知单位"],
           [[h.day, h.name, h.district, h.count, h.expected, "、".join(h.units)] for h in figures.hotspots],
           {4: "0.0"})


def _width(value) -> int:
    text = value if isinstance(value, str) else f"{value:.4f}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit_columns(sheet: Worksheet, first_row: int) -> None:
    """Each column as wide as its widest table cell from `first_row` on (titles and captions aside)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is None or (cell.font.size or 11) > 11:
                continue
            widths[cell.column] = max(widths.get(cell.column, 0), _width(cell.value))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, max(8, width + 2))
