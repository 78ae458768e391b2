"""Figures about a generated history: volume, channels, long tail, seasonality, bursts, handling, splits."""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta


def _day(ts: str) -> str:
    return ts[:10]


def burst_visibility(rows: list[dict], events: list[dict]) -> list[dict]:
    """For each injected event: tickets of its leaves on its peak day against the median of the 28 days before."""
    out = []
    for event in events:
        members = [r for r in rows if r["event"] == event["name"]]
        if not members:
            continue
        leaves = {r["leaf"] for r in members}
        per_day = Counter(_day(r["received_at"]) for r in rows if r["leaf"] in leaves)
        peak = max({_day(r["received_at"]) for r in members}, key=lambda d: per_day[d])
        start = datetime.fromisoformat(peak)
        before = [per_day.get((start - timedelta(days=i)).date().isoformat(), 0) for i in range(1, 29)]
        baseline = statistics.median(before)
        out.append({"event": event["name"], "peak_day": peak, "peak_count": per_day[peak],
                    "baseline_median": baseline, "ratio": round(per_day[peak] / max(baseline, 1), 1)})
    return out


def seasonal_share(rows: list[dict], leaf_pattern_rows: set[str]) -> dict[str, float]:
    """Monthly share (%) of tickets whose leaf is in the given set: e.g. heating, winter against summer."""
    total, hits = Counter(), Counter()
    for r in rows:
        month = r["received_at"][:7]
        total[month] += 1
        hits[month] += r["leaf"] in leaf_pattern_rows
    return {m: round(100 * hits[m] / total[m], 1) for m in sorted(total)}


def history_report(rows: list[dict], events: list[dict], heating_leaves: set[str]) -> dict:
    per_leaf = Counter(r["leaf"] for r in rows)
    top = per_leaf.most_common()
    top_share = sum(c for _, c in top[: max(1, len(top) // 50)]) / len(rows)
    closed = [r for r in rows if r["status"] == "已办结"]
    rated = [r for r in closed if r["final_satisfaction"]]
    times = defaultdict(int)
    for r in rows:
        times[(datetime.fromisoformat(r["received_at"]).weekday())] += 1
    return {
        "tickets": len(rows),
        "channels": dict(Counter(r["channel"] for r in rows).most_common()),
        "leaves_used": len(per_leaf),
        "top_2pct_leaves_share": round(top_share, 3),
        "weekday_counts_mon_to_sun": [times[i] for i in range(7)],
        "heating_share_by_month_pct": seasonal_share(rows, heating_leaves),
        "bursts": burst_visibility(rows, events),
        "status": dict(Counter(r["status"] for r in rows)),
        "returned_rate": round(sum(r["returned"] for r in rows) / len(rows), 4),
        "overdue_rate": round(sum(r["overdue"] for r in rows) / len(rows), 4),
        "repeat_rate": round(sum(bool(r["repeat_of"]) for r in rows) / len(rows), 4),
        "satisfied_rate": round(sum(r["final_satisfaction"] in ("满意", "基本满意") for r in rated)
                                / max(1, len(rated)), 4),
        "split_text": dict(Counter(r["split_text"] for r in rows)),
        "split_time": dict(Counter(r["split_time"] for r in rows)),
    }
