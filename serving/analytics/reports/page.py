"""The report as one self-contained HTML page: inline CSS and SVG charts, no script, no external asset; Simplified
Chinese; printable on A4."""
from __future__ import annotations

from html import escape

from serving.analytics.definitions import BY_KEY
from serving.analytics.reports.charts import Chart
from serving.analytics.reports.figures import DISTRICT_KEYS, HEADLINE, UNIT_KEYS, Figures, Row
from serving.analytics.reports.periods import BEFORE_NAMES, KIND_NAMES, THIS_NAMES
from serving.analytics.reports.wording import MISSING, change_text, hours_late, shown, summary, title, tone

TOP_UNITS = 15
TOP_OVERDUE = 20
OVERDUE_NOTE = ("超期工单：办理时限在统计期内、答复晚于办理时限（含获批的延期）或至今未答复的工单，被合并的重复件不计；"
                "“按时办结率”则按统计期内的答复计。")
CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f3f5f7;color:#24292f;font:14px/1.6 "Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",
"PingFang SC",sans-serif}
.report{max-width:1040px;margin:0 auto;padding:24px 32px;background:#fff}
header{border-bottom:3px solid #b71c1c;padding-bottom:10px;margin-bottom:16px}
.kicker{margin:0;color:#b71c1c;font-weight:bold;letter-spacing:.1em}
h1{margin:4px 0;font-size:26px}
h2{font-size:18px;margin:28px 0 10px;padding-left:8px;border-left:4px solid #1f5fa8}
h3{font-size:15px;margin:16px 0 6px}
.meta,.note{color:#57606a;font-size:12px;margin:2px 0}
.summary{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:10px 16px}
.summary p{margin:4px 0;font-size:15px}
.tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin:16px 0}
.tile{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}
.tile .name{display:block;color:#57606a;font-size:13px}
.tile .big{display:block;font-size:26px;font-weight:bold;color:#1f5fa8}
.tile .moves{display:block;font-size:12px}
.good{color:#2e7d32}.bad{color:#c62828}
figure{margin:8px 0 12px}
svg.chart{display:block;width:100%;height:auto}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:right;white-space:nowrap}
th{background:#eef2f6;font-weight:bold;text-align:center}
td.text,th.text{text-align:left;white-space:normal}
td small{display:block;color:#57606a;font-size:11px}
tbody tr:nth-child(even){background:#fafbfc}
footer{margin-top:28px;border-top:1px solid #d0d7de;padding-top:8px}
footer dl{font-size:12px;color:#57606a;margin:0}
footer dt{font-weight:bold;float:left;margin-right:6px}
@page{size:A4;margin:12mm}
@media print{body{background:#fff}.report{max-width:none;padding:0}
section,figure,table,.tiles{break-inside:avoid}h2{break-after:avoid}}
"""


def render(figures: Figures, charts: list[Chart]) -> str:
    """The whole page."""
    chart = {c.key: c for c in charts}
    kind = figures.period.kind
    heading = title(figures)
    sections = [
        ("一、诉求量趋势与渠道", _figure(chart["trend"]) + _channels(figures)),
        ("二、诉求分类", _figure(chart["categories"]) + _categories(figures) + _leaves(figures)),
        ("三、区县指标与排名", _figure(chart["districts"]) + _ranking(figures.districts, DISTRICT_KEYS, "区县")),
        ("四、主办单位指标与排名", _units(figures)),
        ("五、回访满意度", _figure(chart["satisfaction"]) + _satisfaction(figures)),
        ("六、超期工单", _figure(chart["overdue"]) + _overdue(figures)),
        ("七、重复投诉与热点预警", _repeats(figures) + _hotspots(figures)),
    ]
    body = "".join(f'<section id="s{i}"><h2>{escape(name)}</h2>{html}</section>'
                   for i, (name, html) in enumerate(sections, start=1))
    period = figures.period
    meta = (f"统计期：{period.first:%Y-%m-%d} 至 {period.last:%Y-%m-%d}（{len(period.days)} 天）；"
            f"对比{BEFORE_NAMES[kind]}：{figures.previous.title}"
            + (f"；同比：{figures.year_ago.title}" if figures.year_ago else "")
            + f"；生成时间：{figures.generated_at:%Y-%m-%d %H:%M}（北京时间）")
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(heading)}</title>'
            f'<link rel="icon" href="data:,"><style>{CSS}</style></head><body><main class="report" data-kind="{kind.value}" '
            f'data-period="{escape(period.key)}"><header><p class="kicker">12345 接诉即办 · {KIND_NAMES[kind]}</p>'
            f'<h1>{escape(heading)}</h1><p class="meta">{escape(meta)}</p></header>'
            f'<section class="summary" aria-label="摘要">{"".join(f"<p>{escape(s)}</p>" for s in summary(figures))}'
            f'</section>{_tiles(figures)}{body}{_footer(figures)}</main></body></html>')


def _figure(chart: Chart) -> str:
    return f'<figure id="chart-{chart.key}">{chart.svg}</figure>'


def _table(header: list[str], rows: list[list[str]], text_columns: int = 1, caption: str = "") -> str:
    """A table whose first `text_columns` columns are text (left-aligned); cells are HTML already escaped."""
    head = "".join(f'<th scope="col"{" class=text" if i < text_columns else ""}>{escape(h)}</th>'
                   for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f'<td{" class=text" if i < text_columns else ""}>{cell}</td>'
                                    for i, cell in enumerate(row)) + "</tr>" for row in rows)
    cap = f"<h3>{escape(caption)}</h3>" if caption else ""
    return f"{cap}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _moved(key: str, now, before) -> str:
    """A change with its colour: green when the definition calls it better, red when worse."""
    css = tone(key, now, before)
    text = escape(change_text(key, now, before))
    return f'<span class="{css}">{text}</span>' if css else text


def _tiles(figures: Figures) -> str:
    kind = figures.period.kind
    tiles = []
    for key in HEADLINE:
        figure, before = figures.total.now[key], figures.total.before[key]
        counts = f"（{figure.numerator}/{figure.denominator}）" if BY_KEY[key].is_rate and figure.denominator else ""
        moves = f'<span class="moves">环比 {_moved(key, figure.value, before.value)}</span>'
        if figures.total_year_ago is not None:
            moves += f'<span class="moves">同比 {_moved(key, figure.value, figures.total_year_ago[key].value)}</span>'
        tiles.append(f'<div class="tile" data-key="{key}"><span class="name">{escape(BY_KEY[key].name)}'
                     f'{escape(counts)}</span><strong class="big">{escape(shown(key, figure.value))}</strong>'
                     f'{moves}</div>')
    label = f"{THIS_NAMES[kind]}主要指标"
    return f'<section class="tiles" aria-label="{label}">{"".join(tiles)}</section>'


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else MISSING


def _volume_rows(rows: list[Row], total: int, with_group: bool = False) -> list[list[str]]:
    out = []
    for rank, row in enumerate(rows, start=1):
        now, before = row.value("volume"), row.before["volume"].value
        cells = [str(rank), escape(row.name)] + ([escape(row.group)] if with_group else [])
        out.append(cells + [str(now), _share(now, total), str(before), _moved("volume", now, before)])
    return out


def _channels(figures: Figures) -> str:
    kind = figures.period.kind
    total = figures.total.value("volume")
    return _table(["序号", "渠道", f"{THIS_NAMES[kind]}件数", "占比", f"{BEFORE_NAMES[kind]}件数", "环比"],
                  _volume_rows(figures.channels, total), 2, "受理渠道")


def _categories(figures: Figures) -> str:
    kind = figures.period.kind
    return _table(["序号", "大类", f"{THIS_NAMES[kind]}件数", "占比", f"{BEFORE_NAMES[kind]}件数", "环比"],
                  _volume_rows(figures.categories, figures.total.value("volume")), 2, "诉求量前十的大类")


def _leaves(figures: Figures) -> str:
    kind = figures.period.kind
    return _table(["序号", "事项", "所属大类", f"{THIS_NAMES[kind]}件数", "占比", f"{BEFORE_NAMES[kind]}件数", "环比"],
                  _volume_rows(figures.leaves, figures.total.value("volume"), with_group=True), 3,
                  "诉求量前十的事项（末级）")


def _ranked_cell(row: Row, key: str) -> str:
    rank = row.ranks.get(key)
    place = f"（第{rank}）" if rank else ""
    moved = _moved(key, row.value(key), row.before[key].value)
    return f"{escape(shown(key, row.value(key)))}{place}" + (f"<small>{moved}</small>" if moved != MISSING else "")


def _ranking(rows: list[Row], keys: tuple[str, ...], what: str) -> str:
    header = [what] + [BY_KEY[k].name for k in keys]
    body = [[escape(r.name)] + [_ranked_cell(r, k) for k in keys] for r in rows]
    order = "、".join(BY_KEY[k].name + ("越低越好" if BY_KEY[k].better == "lower" else "越高越好")
                     for k in keys if rows and k in rows[0].ranks)
    note = f'<p class="note">括号内为名次（{escape(order)}）；小字为环比变化，比例类指标以百分点计。</p>'
    return _table(header, body) + note


def _units(figures: Figures) -> str:
    busiest = sorted(figures.units, key=lambda r: -(r.value("volume") or 0))[:TOP_UNITS]
    note = (f'<p class="note">按诉求量列出前 {TOP_UNITS} 个主办单位，名次在全部 {len(figures.units)} 个单位中排列；'
            "完整名单见同名 XLSX 工作簿的“排名”表。一件工单计入它曾经的每一个主办单位。</p>")
    return _ranking(busiest, UNIT_KEYS, "主办单位") + note


def _satisfaction(figures: Figures) -> str:
    kind = figures.period.kind
    now, before = figures.satisfaction, figures.satisfaction_before
    total_now, total_before = sum(now.values()), sum(before.values())
    levels = list(dict.fromkeys([*now, *before]))
    rows = [[escape(level), str(now.get(level, 0)), _share(now.get(level, 0), total_now), str(before.get(level, 0)),
             _share(before.get(level, 0), total_before)] for level in levels]
    rows.append(["合计", str(total_now), _share(total_now, total_now), str(total_before),
                 _share(total_before, total_before)])
    return _table(["满意度", f"{THIS_NAMES[kind]}件数", "占比", f"{BEFORE_NAMES[kind]}件数", "占比"], rows) + \
        '<p class="note">统计期内回访的工单，以期内最后一次回访的评价为准（与满意率同一口径）。</p>'


def _overdue(figures: Figures) -> str:
    kind = figures.period.kind
    late = figures.overdue
    still = sum(1 for t in late if t.replied_at is None)
    head = (f'<p>超期工单共 <strong data-key="overdue">{len(late)}</strong> 件，其中至今未答复 {still} 件；'
            f"{BEFORE_NAMES[kind]} {figures.overdue_before} 件。</p>")
    if not late:
        return head + f'<p class="note">{escape(OVERDUE_NOTE)}</p>'
    rows = [[escape(t.number), escape(t.leaf), escape(t.district), escape(t.unit), f"{t.due_at:%Y-%m-%d %H:%M}",
             f"{t.replied_at:%Y-%m-%d %H:%M}" if t.replied_at else "未答复", escape(hours_late(t.hours_over)),
             escape(t.status)] for t in late[:TOP_OVERDUE]]
    caption = f"超期最久的 {min(TOP_OVERDUE, len(late))} 件" + ("（完整清单见 XLSX 工作簿）" if len(late) > TOP_OVERDUE else "")
    return head + _table(["工单编号", "事项", "区县", "主办单位", "办理时限", "答复时间", "超期", "状态"], rows, 4,
                         caption) + f'<p class="note">{escape(OVERDUE_NOTE)}</p>'


def _repeats(figures: Figures) -> str:
    kind = figures.period.kind
    total = figures.total
    head = (f"<p>重复投诉 {total.count('repeat_rate')} 件，重复投诉率 {escape(shown('repeat_rate', total.value('repeat_rate')))}"
            f"（环比 {_moved('repeat_rate', total.value('repeat_rate'), total.before['repeat_rate'].value)}）。</p>")
    if not figures.repeats:
        return head
    rows = [[str(i), escape(r.name), escape(r.group), str(r.count("repeat_rate")),
             str(r.before["repeat_rate"].numerator or 0), escape(shown("repeat_rate", r.value("repeat_rate")))]
            for i, r in enumerate(figures.repeats, start=1)]
    return head + _table(["序号", "事项", "所属大类", f"{THIS_NAMES[kind]}重复件数", f"{BEFORE_NAMES[kind]}重复件数",
                          "重复投诉率"], rows, 3, "重复投诉较多的事项")


def _hotspots(figures: Figures) -> str:
    if not figures.hotspots:
        return "<h3>热点预警</h3><p>统计期内无热点预警。</p>"
    rows = [[escape(h.day), escape(h.name), escape(h.district), str(h.count), f"{h.expected:.1f}",
             escape("、".join(h.units) or MISSING)] for h in figures.hotspots]
    return _table(["日期", "事项", "区域", "当日件数", "预期件数", "通知单位"], rows, 3, "热点预警")


def _footer(figures: Figures) -> str:
    keys = list(dict.fromkeys([*HEADLINE, *DISTRICT_KEYS]))
    formulas = {k: BY_KEY[k].rendered(figures.response_hours)["formula"] for k in keys}
    items = "".join(f"<dt>{escape(BY_KEY[k].name)}</dt><dd>{escape(formulas[k])}</dd>" for k in keys)
    return (f'<footer><h2>指标口径</h2><dl>{items}</dl><p class="note">{escape(OVERDUE_NOTE)}</p>'
            '<p class="note">各指标的完整定义：jiesu report definitions，或 /api/v1/analytics/definitions。</p></footer>')
