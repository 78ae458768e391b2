"""How well the spike detector finds the generated history's injected bursts, and how often it cries wolf.

Keys are counted at four levels — leaf × district, leaf × city, 小类 × district, 小类 × city — and every day of the
history with a full baseline is scanned. A warning is explained by an event when it falls within the event's
hours (plus a day), its key covers one of the event's leaves and its district is one of the event's (or the city)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from serving.analytics.hotspots import CITY, keys_of
from serving.analytics.spikes import Spike, SpikePolicy, daily_matrix, detect, seasonal_outlook



def day_of(row: dict) -> date:
    return datetime.fromisoformat(row["received_at"]).date()


@dataclass(frozen=True)
class Truth:
    name: str
    first_day: date
    last_day: date
    leaves: frozenset[str]
    districts: frozenset[str]


def truths(rows: list[dict]) -> list[Truth]:
    """Each injected event as the rows it added show it: its days, leaves and districts."""
    out = []
    for name in sorted({r["event"] for r in rows if r.get("event")}):
        members = [r for r in rows if r.get("event") == name]
        days = sorted(day_of(r) for r in members)
        out.append(Truth(name, days[0], days[-1], frozenset(r["leaf"] for r in members),
                         frozenset(r["district"] for r in members if r["district"])))
    return out


def explains(truth: Truth, spike: Spike) -> bool:
    level, code, district = spike.key
    covers = any(leaf == code if level == "leaf" else leaf.startswith(code) for leaf in truth.leaves)
    in_time = truth.first_day <= spike.day <= truth.last_day + timedelta(days=1)
    return covers and in_time and (district == CITY or district in truth.districts)


def evaluate_spikes(rows: list[dict], policy: SpikePolicy = SpikePolicy()) -> dict:
    start = min(day_of(r) for r in rows)
    end = max(day_of(r) for r in rows) + timedelta(days=1)
    keys, matrix = daily_matrix([(k, day_of(r)) for r in rows for k in keys_of(r["leaf"], r["district"])], start, end)
    spikes = detect(keys, matrix, start, policy=policy)
    events = truths(rows)
    found = {}
    for truth in events:
        hits = sorted((s for s in spikes if explains(truth, s)), key=lambda s: s.day)
        found[truth.name] = {"first_day": truth.first_day.isoformat(), "detected": bool(hits),
                             "delay_days": (hits[0].day - truth.first_day).days if hits else None,
                             "warnings": len(hits), "first_warning": _spike_json(hits[0]) if hits else None}
    false = [s for s in spikes if not any(explains(t, s) for t in events)]
    scanned_days = matrix.shape[1] - policy.history_days
    weeks = scanned_days / 7
    return {"policy": vars(policy), "days_scanned": scanned_days, "keys": len(keys), "warnings": len(spikes),
            "events": found, "false_warnings": len(false), "false_per_week": round(len(false) / weeks, 3),
            "false_by_level": dict(Counter(s.key[0] + ("×city" if s.key[2] == CITY else "×district") for s in false)),
            "false_examples": [_spike_json(s) for s in sorted(false, key=lambda s: -s.score)[:10]]}


def outlooks(rows: list[dict], on: list[date], min_count: int = 10,
             policy: SpikePolicy = SpikePolicy()) -> dict:
    """The city-wide 小类 whose volume rose in the coming two weeks last year, as seen on each given day."""
    start = min(day_of(r) for r in rows)
    end = max(day_of(r) for r in rows) + timedelta(days=1)
    keys, matrix = daily_matrix([(("sub", r["leaf"][:4], CITY), day_of(r)) for r in rows], start, end)
    names = {r["leaf"][:4]: r["path"].split(" > ")[1] for r in rows}
    return {d.isoformat(): [{"sub": o.key[1], "name": names[o.key[1]], "last_year_coming": o.last_year_coming,
                             "last_year_before": o.last_year_before, "ratio": o.ratio}
                            for o in seasonal_outlook(keys, matrix, (d - start).days, min_count=min_count,
                                                      policy=policy)[:10]]
            for d in on}


def _spike_json(spike: Spike) -> dict:
    return {"key": list(spike.key), "day": spike.day.isoformat(), "count": spike.count, "expected": spike.expected,
            "score": spike.score, "last_year": spike.last_year}
