"""The demo history generator on the demo catalogue: exact size, determinism, consistent timelines, splits."""
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from catalog import load_catalogue
from training.corpus.splits import held_out_text_split
from training.corpus.texts import catalogue_texts
from training.generate.events import EVENTS
from training.generate.report import history_report
from training.generate.tickets import GeneratorConfig, HistoryGenerator

N = 3000


@pytest.fixture(scope="module")
def demo():
    return load_catalogue()


@pytest.fixture(scope="module")
def corpus(demo):
    texts = catalogue_texts(demo)
    splits = held_out_text_split(texts)
    return texts, {t.text_id: s for t, s in zip(texts, splits)}


def generate(demo, corpus, seed=7, tickets=N):
    texts, splits = corpus
    return HistoryGenerator(demo, texts, splits, GeneratorConfig(tickets=tickets, seed=seed)).generate()


@pytest.fixture(scope="module")
def rows(demo, corpus):
    return generate(demo, corpus)


def ts(value):
    return datetime.fromisoformat(value) if value else None


def test_exact_size_and_deterministic_for_a_seed(demo, corpus, rows):
    assert len(rows) == N
    assert generate(demo, corpus) == rows
    assert generate(demo, corpus, seed=8) != rows


def test_ids_unique_and_in_time_order(rows):
    ids = [r["ticket_id"] for r in rows]
    assert len(set(ids)) == N
    assert [r["received_at"] for r in rows] == sorted(r["received_at"] for r in rows)


def test_timelines_are_consistent_and_zone_aware(rows):
    order = ["received_at", "accepted_at", "dispatched_at", "signed_at", "replied_at", "visited_at", "closed_at"]
    for r in rows:
        moments = [ts(r[k]) for k in order if r[k]]
        assert all(m.utcoffset() == timedelta(hours=8) for m in moments), r["ticket_id"]
        assert moments == sorted(moments), r["ticket_id"]
        if r["status"] == "已办结":
            assert r["closed_at"] and r["replied_at"]
        if r["dispatch_mode"] != "即办" and r["replied_at"]:
            assert r["overdue"] == (ts(r["replied_at"]) > ts(r["due_at"]))
        if r["satisfaction"] == "不满意" and r["status"] == "已办结":
            assert r["rehandled"] and "【重办】" in r["reply_text"]


def test_units_follow_the_catalogue_rule_and_place(demo, rows):
    for r in rows:
        leaf = demo.get(r["leaf"])
        rule = leaf.dispatch.responsible
        if rule.is_territory:
            expected = f"district:{r['district']}" if rule.target == "district" else f"street:{r['street']}"
        else:
            expected = rule.target
        assert r["lead_unit"] == expected and demo.unit(expected).active
        assert demo.street(r["street"]).district_code == r["district"]
        if r["returned"]:
            assert r["first_unit"] != r["lead_unit"] and r["return_reason"]


def test_a_text_never_sits_on_both_sides_of_the_split(rows, demo):
    sides = defaultdict(set)
    for r in rows:
        sides[r["text_id"]].add(r["split_text"])
    assert all(len(s) == 1 for s in sides.values())
    cutoff = GeneratorConfig(tickets=1).time_split_at.isoformat()
    assert all((r["split_time"] == "test") == (r["received_at"] >= cutoff) for r in rows)
    assert Counter(r["split_time"] for r in rows)["test"] > 0.1 * N


def test_repeats_point_at_an_earlier_ticket_about_the_same_problem_and_place(rows):
    by_id = {r["ticket_id"]: r for r in rows}
    repeats = [r for r in rows if r["repeat_of"]]
    assert len(repeats) > 0.03 * N
    for r in repeats:
        first = by_id[r["repeat_of"]]
        assert (first["leaf"], first["street"], first["community"]) == (r["leaf"], r["street"], r["community"])
        assert first["received_at"] < r["received_at"]



def test_a_department_matter_is_repeated_only_by_its_caller_in_the_same_words(demo, rows):
    by_id = {r["ticket_id"]: r for r in rows}
    own = [r for r in rows if r["repeat_of"] and not demo.get(r["leaf"]).dispatch.responsible.is_territory]
    assert own
    for r in own:
        first = by_id[r["repeat_of"]]
        assert (r["caller_id"], r["text"], r["title"]) == (first["caller_id"], first["text"], first["title"])
    placed = [r for r in rows if r["repeat_of"] and demo.get(r["leaf"]).dispatch.responsible.is_territory]
    assert any(r["caller_id"] != by_id[r["repeat_of"]]["caller_id"] for r in placed)   # neighbours report it too


def _nearby_text_clashes(rows: list[dict], key: str) -> int:
    """First complaints that reuse a text of their street (or caller) within 90 days."""
    days = defaultdict(list)
    for r in rows:
        if not r["repeat_of"] and r["event"] is None:
            days[(r["text_id"], r[key])].append(ts(r["received_at"]).date())
    return sum((b - a).days < 90 for ds in days.values() for a, b in zip(sorted(ds), sorted(ds)[1:]))


def test_first_complaints_avoid_a_text_their_street_or_caller_used_within_90_days(demo, corpus, rows, monkeypatch):
    import training.generate.tickets as tickets

    monkeypatch.setattr(tickets, "DRAWS", 1)        # the first draw, whatever it clashes with
    unchecked = generate(demo, corpus)
    for key in ("street", "caller_id"):
        assert _nearby_text_clashes(rows, key) < 0.5 * _nearby_text_clashes(unchecked, key)


def test_no_caller_makes_more_than_two_percent_of_the_calls(rows):
    busiest = Counter(r["caller_id"] for r in rows if r["style"] != "grid").most_common(1)[0][1]
    assert busiest <= 0.02 * N

def test_channels_seasons_and_bursts_are_present(demo, rows):
    assert len({r["channel"] for r in rows}) >= 8
    events = [{"name": e.name} for e in EVENTS]
    report = history_report(rows, events, {n.code for n in demo.leaves(under="09")})
    winter = report["heating_share_by_month_pct"]["2025-01"]
    summer = report["heating_share_by_month_pct"]["2025-07"]
    assert winter > 5 * summer
    assert {b["event"] for b in report["bursts"]} == {e.name for e in EVENTS}
    assert all(b["ratio"] >= 3 for b in report["bursts"])
    water = [r for r in rows if r["event"] == "water_main_break"]
    assert {r["street_name"] for r in water} == {"兴华街道"}


def test_config_is_checked():
    with pytest.raises(ValueError, match="at least 1"):
        GeneratorConfig(tickets=0)
