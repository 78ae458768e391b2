"""How a report's figures read: values as a reader reads them, changes against the period before, and the summary
sentences written from the figures (the same words on the page and in the workbook)."""
from __future__ import annotations

from serving.analytics.definitions import BY_KEY
from serving.analytics.reports.figures import Figures, Row
from serving.analytics.reports.periods import BEFORE_NAMES, KIND_NAMES, THIS_NAMES

MISSING = "—"
SUMMARY_RATES = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")


def title(figures: Figures) -> str:
    """沈阳市12345热线2026年10月月度通报."""
    return f"{figures.city}12345热线{figures.period.title}{KIND_NAMES[figures.period.kind]}"


def shown(key: str, value) -> str:
    """Counts as integers, 万人诉求比 to 2 decimals, shares as percentages; — when there is no value."""
    if value is None:
        return MISSING
    indicator = BY_KEY[key]
    if indicator.is_rate:
        return f"{value * 100:.1f}%"
    return f"{value:.2f}" if indicator.scale != 1 else str(value)


def change(key: str, now, before) -> float | None:
    """Now against before: a share in percentage points, a count or 万人诉求比 relatively (0.25 is +25 %)."""
    if now is None or before is None:
        return None
    if BY_KEY[key].is_rate:
        return (now - before) * 100
    return (now - before) / before if before else None


def change_text(key: str, now, before) -> str:
    moved = change(key, now, before)
    if moved is None:
        return MISSING
    return f"{moved:+.1f}个百分点" if BY_KEY[key].is_rate else f"{moved * 100:+.1f}%"


def tone(key: str, now, before) -> str:
    """good or bad as the definition judges the direction (volume is neutral); empty when unchanged or unknown."""
    moved = change(key, now, before)
    if not moved or key == "volume":
        return ""
    return "good" if (moved > 0) == (BY_KEY[key].better == "higher") else "bad"


def row_change(row: Row, key: str) -> str:
    return change_text(key, row.now[key].value, row.before[key].value if key in row.before else None)


def hours_late(hours: float) -> str:
    """How long past due, as a reader says it: 5小时, 2.5天."""
    return f"{hours:.0f}小时" if hours < 24 else f"{hours / 24:.1f}天"


def summary(figures: Figures) -> list[str]:
    """Two or three sentences a leader reads first: volume and the rates with their changes, what was most
    complained about and where, and what needs attention (overdue, repeats, hot spots)."""
    kind = figures.period.kind
    this, before = THIS_NAMES[kind], BEFORE_NAMES[kind]
    total = figures.total
    volume = total.now["volume"].value
    first = f"{this}全市受理诉求 {volume} 件"
    moved = change("volume", volume, total.before["volume"].value)
    if moved is not None:
        first += f"，环比 {moved * 100:+.1f}%"
    if figures.total_year_ago is not None:
        yearly = change("volume", volume, figures.total_year_ago["volume"].value)
        if yearly is not None:
            first += f"，同比 {yearly * 100:+.1f}%"
    rates = [f"{BY_KEY[k].name} {shown(k, total.now[k].value)}"
             + (f"（环比 {row_change(total, k)}）" if change(k, total.now[k].value, total.before[k].value) is not None
                else "") for k in SUMMARY_RATES if total.now[k].value is not None]
    sentences = [first + ("；" + "，".join(rates) if rates else "") + "。"]
    sentences.append(_where(figures))
    sentences.append(_attention(figures, before))
    if not figures.complete:
        sentences.insert(0, f"统计期尚未结束，数据截至 {figures.generated_at:%Y-%m-%d %H:%M}。")
    return [s for s in sentences if s]


def _where(figures: Figures) -> str:
    """The biggest 大类 and the district with the most complaints per resident."""
    parts = []
    volume = figures.total.now["volume"].value or 0
    if figures.categories and volume:
        top = figures.categories[0]
        parts.append(f"诉求最多的大类是“{top.name}”（{top.value('volume')} 件，占 {top.value('volume') / volume:.1%}）")
        if len(figures.categories) > 1:
            parts[-1] += f"，其次是“{figures.categories[1].name}”（{figures.categories[1].value('volume')} 件）"
    per_10k = [d for d in figures.districts if d.value("per_10k")]
    if per_10k:
        top = max(per_10k, key=lambda d: d.value("per_10k"))
        parts.append(f"万人诉求比最高的区县是{top.name}（{shown('per_10k', top.value('per_10k'))}）")
    return "；".join(parts) + "。" if parts else ""


def _attention(figures: Figures, before: str) -> str:
    repeats = figures.total.now["repeat_rate"].numerator or 0
    text = f"超期工单 {len(figures.overdue)} 件（{before} {figures.overdue_before} 件），重复投诉 {repeats} 件"
    if figures.hotspots:
        strongest = figures.hotspots[0]
        return text + f"，热点预警 {len(figures.hotspots)} 条（最突出：{strongest.district}“{strongest.name}”，" \
                      f"{strongest.day} 单日 {strongest.count} 件）。"
    return text + "，无热点预警。"
