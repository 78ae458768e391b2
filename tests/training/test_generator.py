"""The demo history generator on the demo catalogue: exact size, determinism, consistent timelines, splits."""
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest

from catalog import load_catalogue
from training.corpus.splits import held_out_text_split
from training.corpus.texts import catalogue_texts
from training.generate.events import EVENTS
from training.generate.places import Gazetteer
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


def test_repeats_point_at_an_earlier_ticket_about_the_same_problem_and_place(demo, rows):
    by_id = {r["ticket_id"]: r for r in rows}
    repeats = [r for r in rows if r["repeat_of"]]
    assert len(repeats) > 0.03 * N
    for r in repeats:
        first = by_id[r["repeat_of"]]
        assert first["leaf"] == r["leaf"] and first["received_at"] < r["received_at"]
        if demo.get(r["leaf"]).dispatch.responsible.is_territory:
            assert first["street"] == r["street"]       # a neighbour, or a caller naming the place (a shop, a road)



def _names_its_street(demo):
    """Whether a row's text itself names the street it is placed in (a road, a shop on it)."""
    gazetteer = Gazetteer(demo.city)

    def names(row: dict) -> bool:
        street = gazetteer.mentioned(f"{row['title']}\n{row['text']}".strip())[1]
        return street is not None and street.code == row["street"]
    return names


def test_a_department_matter_is_repeated_only_by_its_caller_or_in_the_same_words_about_the_street_it_names(
        demo, rows):
    by_id = {r["ticket_id"]: r for r in rows}
    names_its_street = _names_its_street(demo)
    own = [r for r in rows if r["repeat_of"] and not demo.get(r["leaf"]).dispatch.responsible.is_territory]
    assert own
    for r in own:
        first = by_id[r["repeat_of"]]
        assert (r["text"], r["title"]) == (first["text"], first["title"])
        assert r["caller_id"] == first["caller_id"] or (names_its_street(r) and r["street"] == first["street"])
    placed = [r for r in rows if r["repeat_of"] and demo.get(r["leaf"]).dispatch.responsible.is_territory]
    assert any(r["caller_id"] != by_id[r["repeat_of"]]["caller_id"] for r in placed)   # neighbours report it too


def _building(row: dict) -> str:
    """The street, community and building of the row's spot (what its address names)."""
    return "|".join(row["spot"].split("|")[:3])


def _nearby_clashes(rows: list[dict], what: str, where, keep=lambda row: True) -> int:
    """First complaints that share `what` (a text, a leaf) with another of their `where` (street, caller, or a
    function of the row: the building) within 90 days."""
    days = defaultdict(list)
    for r in rows:
        if not r["repeat_of"] and r["event"] is None and keep(r):
            days[(r[what], where(r) if callable(where) else r[where])].append(ts(r["received_at"]).date())
    return sum((b - a).days < 90 for ds in days.values() for a, b in zip(sorted(ds), sorted(ds)[1:]))


def test_no_two_first_complaints_within_90_days_read_as_one_problem(demo, rows):
    at_a_place = lambda r: demo.get(r["leaf"]).dispatch.responsible.is_territory   # noqa: E731
    assert _nearby_clashes(rows, "text_id", "street", _names_its_street(demo)) == 0
    assert _nearby_clashes(rows, "leaf", _building, at_a_place) == 0


def _merged(rows: list[dict]) -> int:
    """First complaints the generator made repeats of an earlier one, because they read as one problem."""
    from training.generate.tickets import REPEAT_RATE

    return sum(r["repeat_of"] is not None for r in rows) - round(len(rows) * REPEAT_RATE)


def test_first_complaints_are_redrawn_rather_than_merged_when_they_clash(demo, corpus, rows, monkeypatch):
    import training.generate.tickets as tickets

    monkeypatch.setattr(tickets, "DRAWS", 1)        # the first draw, whatever it clashes with
    assert 0 <= _merged(rows) < 0.5 * _merged(generate(demo, corpus))


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
