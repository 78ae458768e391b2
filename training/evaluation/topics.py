"""How well the emerging-topic detector finds the generated history's injected bursts, and how often it flags a
topic that nothing injected explains.

Every week of the history (Monday to Sunday, once 8 weeks of baseline lie before it) is one run of the detector,
as the service runs it: the week's texts against the 8 weeks before. A flagged topic belongs to an event when most
of its tickets are that event's; an event is found in the first week with a flagged topic of its own."""
from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import date, datetime, timedelta

from catalog.deadlines import TZ
from serving.analytics.topics import Doc, Topic, TopicPolicy, Vectoriser, emerging_topics

WEEK = 7
BASELINE_WEEKS = 8


def docs_of(rows: list[dict]) -> list[Doc]:
    """The history's rows as documents (id: the row's position), oldest first."""
    docs = [Doc(i, r["ticket_id"], datetime.fromisoformat(r["received_at"]), r["leaf"], r.get("title") or "",
                r["text"]) for i, r in enumerate(rows)]
    return sorted(docs, key=lambda d: (d.at, d.id))


def week_ends(first: date, last: date) -> list[date]:
    """Mondays from the first on or after `first` up to `last` (each ends the week before it)."""
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    ends = []
    while monday <= last:
        ends.append(monday)
        monday += timedelta(days=7)
    return ends


def _between(docs: list[Doc], times: list[datetime], start: datetime, end: datetime) -> list[Doc]:
    from bisect import bisect_left

    return docs[bisect_left(times, start):bisect_left(times, end)]


def owner(topic: Topic, event_of: dict[int, str]) -> str | None:
    """The event most of the topic's tickets belong to, if any."""
    counts = Counter(event_of.get(i) for i in topic.members)
    name, n = max(((k, v) for k, v in counts.items() if k), key=lambda kv: kv[1], default=(None, 0))
    return name if n * 2 > topic.size else None


def evaluate_topics(rows: list[dict], vectoriser: Vectoriser, *, policy: TopicPolicy = TopicPolicy(),
                    first_end: date | None = None, weeks: int | None = None, names: dict[str, str] | None = None
                    ) -> dict:
    docs = docs_of(rows)
    times = [d.at for d in docs]
    event_of = {i: r["event"] for i, r in enumerate(rows) if r.get("event")}
    first = first_end or docs[0].at.date() + timedelta(days=WEEK * (BASELINE_WEEKS + 1))
    ends = week_ends(first, docs[-1].at.date() + timedelta(days=1))[:weeks]
    runs, seconds = [], []
    for end_day in ends:
        end = datetime.combine(end_day, datetime.min.time(), TZ)
        start, base = end - timedelta(days=WEEK), end - timedelta(days=WEEK * (BASELINE_WEEKS + 1))
        window, baseline = _between(docs, times, start, end), _between(docs, times, base, start)
        began = time.perf_counter()
        found = emerging_topics(window, baseline, vectoriser=vectoriser, window_days=WEEK,
                                baseline_days=WEEK * BASELINE_WEEKS, policy=policy)
        seconds.append(time.perf_counter() - began)
        flagged = [t for t in found if t.new]
        runs.append({"week_end": end_day, "tickets": len(window), "topics": len(found), "flagged": flagged,
                     "events": Counter(event_of[d.id] for d in window if d.id in event_of)})
    return _report(runs, seconds, event_of, names or {}, vectoriser.name, policy)


def _label(topic: Topic, names: dict[str, str]) -> str:
    return f"{'、'.join(topic.keywords[:3])}（{names.get(topic.leaf or '', topic.leaf)}）"


def _topic_json(topic: Topic, names: dict[str, str]) -> dict:
    return {"label": _label(topic, names), "size": topic.size, "reach": topic.reach, "baseline": topic.baseline,
            "expected": topic.expected, "score": topic.score, "why": topic.why}


def _report(runs: list[dict], seconds: list[float], event_of: dict[int, str], names: dict[str, str],
            vectors: str, policy: TopicPolicy) -> dict:
    events = {}
    for name in sorted(set(event_of.values())):
        weeks = [r for r in runs if r["events"][name]]
        hits = [(r, [t for t in r["flagged"] if owner(t, event_of) == name]) for r in weeks]
        found = next(((r, topics) for r, topics in hits if topics), None)
        run, topics = found or (weeks[0] if weeks else {"week_end": None, "events": Counter()}, [])
        members = {i for t in topics for i in t.members}
        events[name] = {"detected": found is not None, "week_end": run["week_end"], "topics": len(topics),
                        "tickets": run["events"][name],
                        "tickets_in_new": sum(1 for i in members if event_of.get(i) == name),
                        "examples": [_topic_json(t, names) for t in sorted(topics, key=lambda t: -t.size)[:5]]}
    other = [[t for t in r["flagged"] if owner(t, event_of) is None] for r in runs]
    counts = [len(o) for o in other]
    busiest = sorted(zip(runs, other), key=lambda ro: -len(ro[1]))[:8]
    return {"vectors": vectors, "policy": {k: v for k, v in vars(policy).items()}, "weeks": len(runs),
            "seconds_per_run": round(statistics.mean(seconds), 2) if seconds else None,
            "seconds_max": round(max(seconds), 2) if seconds else None,
            "tickets_per_week": round(statistics.mean(r["tickets"] for r in runs), 1) if runs else None,
            "events": events, "other_new_per_week": round(statistics.mean(counts), 2) if counts else None,
            "other_new_median": statistics.median(counts) if counts else None, "other_new_max": max(counts, default=0),
            "weeks_without_new": sum(1 for c in counts if c == 0),
            "other_new_by_month": _by_month(runs, counts),
            "busiest_weeks": [{"week_end": r["week_end"], "new": len(o),
                               "examples": [_topic_json(t, names) for t in o[:5]]} for r, o in busiest if o]}


def _by_month(runs: list[dict], counts: list[int]) -> dict[str, int]:
    """Flagged topics no event explains, per calendar month of the week's end."""
    out: Counter = Counter()
    for run, n in zip(runs, counts):
        out[f"{run['week_end']:%Y-%m}"] += n
    return dict(sorted(out.items()))
