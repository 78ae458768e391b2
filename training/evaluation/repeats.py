"""Repeat detection measured on the generated history's known repeats (`repeat_of` chains).

Tickets are replayed in time order. Each is compared with the earlier tickets of the same leaf from the same
caller or the same resolved street within the window; the place comes from the location resolver, never from
the generator's truth. A link is right when both tickets belong to the same repeat chain. The threshold is
chosen on the first 20 months (split_time = train) and reported on the last 4."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from tqdm.auto import tqdm

from model.recommend import place_of
from model.location import LocationResolver
from model.repeats import SUPERVISION_AT, Complaint, RepeatDetector, score, spot_of

THRESHOLDS = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
TARGET_PRECISION = 0.95


def chains(rows: list[dict]) -> dict[str, str]:
    """Each ticket's chain root: the first complaint about its problem."""
    parent = {r["ticket_id"]: r["repeat_of"] for r in rows if isinstance(r.get("repeat_of"), str)}

    def root(ticket: str) -> str:
        while ticket in parent:
            ticket = parent[ticket]
        return ticket
    return {r["ticket_id"]: root(r["ticket_id"]) for r in rows}


def complaint_of(row: dict, resolver: LocationResolver) -> Complaint:
    text = f"{row.get('title') or ''} {row['text']}"
    place = place_of(resolver.resolve(text, row.get("address") or ""))
    grid = row.get("style") == "grid"                                     # a patrol is not a caller
    return Complaint(row["ticket_id"], datetime.fromisoformat(row["received_at"]), row["leaf"],
                     None if grid else row.get("caller_phone_hash"), place.street, place.community,
                     spot_of(row.get("address") or "", place.community), row["text"],
                     text_street=place_of(resolver.resolve(text)).street,
                     patrol=row.get("caller_phone_hash") if grid else None)


def best_scores(rows: list[dict], resolver: LocationResolver, window: timedelta) -> list[tuple[dict, str | None, float]]:
    """For every ticket: (row, the best-scoring earlier ticket or None, its score)."""
    by_caller: dict[tuple, list[Complaint]] = defaultdict(list)
    by_street: dict[tuple, list[Complaint]] = defaultdict(list)
    out = []
    for row in tqdm(sorted(rows, key=lambda r: (r["received_at"], r["ticket_id"])), desc="replaying", unit="ticket",
                    mininterval=2):
        new = complaint_of(row, resolver)
        pool = {c.id: c for c in by_caller.get((new.leaf, new.caller), []) + by_street.get((new.leaf, new.street), [])}
        best, best_value = None, 0.0
        for old in pool.values():
            if new.received_at - old.received_at <= window:
                value = score(new, old)[0]
                if value > best_value or (value == best_value and best is not None and old.received_at > best[1]):
                    best, best_value = (old.id, old.received_at), value
        out.append((row, best[0] if best else None, best_value))
        if new.caller:
            by_caller[(new.leaf, new.caller)].append(new)
        if new.street:
            by_street[(new.leaf, new.street)].append(new)
    return out


def quality(scored: list[tuple[dict, str | None, float]], root: dict[str, str], threshold: float) -> dict:
    """Precision and recall of the links, and of the special-supervision flags (the 3rd complaint and later)."""
    links = [(row, earlier) for row, earlier, value in scored if earlier and value >= threshold]
    right = sum(root[earlier] == root[row["ticket_id"]] for row, earlier in links)
    repeats = sum(root[row["ticket_id"]] != row["ticket_id"] for row, _, _ in scored)
    flags = _flags(scored, links, root)
    return {"threshold": threshold, "links": len(links), "precision": _ratio(right, len(links)),
            "recall": _ratio(right, repeats), "repeats": repeats, **flags}


def _flags(scored, links, root) -> dict:
    """Chain length as detected vs as generated: a ticket is flagged when it is the SUPERVISION_AT-th or later."""
    depth, true_depth = {}, {}
    linked = {row["ticket_id"]: earlier for row, earlier in links}
    seen_in_chain: dict[str, int] = defaultdict(int)
    for row, _, _ in scored:
        tid = row["ticket_id"]
        depth[tid] = depth.get(linked[tid], 0) + 1 if tid in linked else 1
        seen_in_chain[root[tid]] += 1
        true_depth[tid] = seen_in_chain[root[tid]]
    flagged = {t for t, d in depth.items() if d >= SUPERVISION_AT}
    truth = {t for t, d in true_depth.items() if d >= SUPERVISION_AT}
    return {"flagged": len(flagged), "should_flag": len(truth),
            "flag_precision": _ratio(len(flagged & truth), len(flagged)),
            "flag_recall": _ratio(len(flagged & truth), len(truth))}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate_repeats(rows: list[dict], resolver: LocationResolver,
                     detector: RepeatDetector = RepeatDetector()) -> dict:
    root = chains(rows)
    scored = best_scores(rows, resolver, detector.window)
    early = [s for s in scored if s[0]["split_time"] == "train"]
    late = [s for s in scored if s[0]["split_time"] == "test"]
    tuning = {t: quality(early, root, t) for t in THRESHOLDS}
    reaching = [t for t in THRESHOLDS if (tuning[t]["precision"] or 0) >= TARGET_PRECISION]
    chosen = min(reaching) if reaching else max(THRESHOLDS)
    return {"window_days": detector.window.days, "default_threshold": detector.threshold,
            "tuning": list(tuning.values()), "chosen_threshold": chosen,
            "test_months": quality(late, root, chosen), "test_months_default": quality(late, root, detector.threshold)}
