"""Retraining's pure parts: decisions read with clear errors, carried through catalogue changes, weighted (corrections
and recent ones more), split for evaluation, and the promotion gate."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from catalog import load_catalogue
from catalog.deadlines import TZ
from tests.catalog.changed import ADDED, MERGED_AWAY, MERGED_INTO, SPLIT, write_changed_catalogue
from training.classifier.config import RetrainSection
from training.retrain.corrections import (CorrectionsError, Decision, carry, held_out, read_decisions, weight_of,
                                          write_decisions)
from training.retrain.gate import decide

NOW = datetime(2026, 11, 20, 12, tzinfo=TZ)


def decision(n: int, leaf: str, suggested: str | None, days_ago: float, version: str = "1.0.0+b1fadff8bc76") -> Decision:
    return Decision(n, f"第{n}条诉求", "", leaf, suggested, NOW - timedelta(days=days_ago), version)


def test_decisions_round_trip_and_bad_lines_name_the_line_and_the_fix(tmp_path):
    path = tmp_path / "d.jsonl"
    rows = [decision(1, "010101", "010102", 3), decision(2, "010102", "010102", 1)]
    write_decisions(rows, path)
    assert read_decisions(path) == rows
    path.write_text(path.read_text(encoding="utf-8") + "{\"ticket_id\": 3, \"text\": \"x\"}\n", encoding="utf-8")
    with pytest.raises(CorrectionsError, match=r"d.jsonl:3: missing leaf, decided_at, catalogue_version"):
        read_decisions(path)
    naive = json.dumps({"ticket_id": 4, "text": "x", "leaf": "010101", "decided_at": "2026-10-01T09:00:00",
                        "catalogue_version": "1.0.0"})
    path.write_text(naive + "\n", encoding="utf-8")
    with pytest.raises(CorrectionsError, match="has no time zone; write it as 2026-10-14T09:30:00\\+08:00"):
        read_decisions(path)
    with pytest.raises(CorrectionsError, match="no such file; export one with `jiesu data corrections"):
        read_decisions(tmp_path / "missing.jsonl")


def test_corrections_and_recent_decisions_weigh_more():
    settings = RetrainSection(correction_weight=3.0, decision_weight=1.0, half_life_days=30)
    fresh_correction = weight_of(decision(1, "010101", "010102", 0), settings, NOW)
    old_correction = weight_of(decision(2, "010101", "010102", 30), settings, NOW)
    confirmation = weight_of(decision(3, "010101", "010101", 0), settings, NOW)
    assert fresh_correction == pytest.approx(3.0) and old_correction == pytest.approx(1.5)
    assert confirmation == pytest.approx(1.0)


def test_the_most_recent_corrections_are_held_out():
    rows = [decision(n, "010101", "010102", days_ago=10 - n) for n in range(10)] + [decision(99, "010101", "010101", 0)]
    train, holdout = held_out(rows, 0.2)
    assert [d.ticket_id for d in holdout] == [8, 9]
    assert {d.ticket_id for d in train} == {*range(8), 99}


def test_decisions_are_carried_to_the_new_catalogue_and_ambiguous_ones_left_out(tmp_path):
    v2 = load_catalogue(write_changed_catalogue(tmp_path / "v2"))
    rows = [decision(1, MERGED_AWAY, SPLIT, 1), decision(2, SPLIT, MERGED_AWAY, 1), decision(3, "010105", None, 1),
            decision(4, ADDED, "010105", 1, version=v2.version), decision(5, "010105", None, 1, version="0.9.0+abc")]
    kept, dropped = carry(rows, v2)
    assert [(d.ticket_id, d.leaf, d.catalogue_version) for d in kept] == [
        (1, MERGED_INTO, v2.version), (3, "010105", v2.version), (4, ADDED, v2.version)]
    assert kept[0].suggested is None          # the suggestion was a split leaf: no single new code
    assert dropped == {"its leaf was split (review and relabel it)": 1,
                       "no change file links its catalogue version": 1}


def block(old: float, new: float, n: int = 100) -> dict:
    return {"old": {"n": n, "leaf": old}, "new": {"n": n, "leaf": new}}


@pytest.mark.parametrize("known, corrections, passed", [
    (block(0.80, 0.797), block(0.10, 0.60), True),     # within the 0.5-point tolerance, better on corrections
    (block(0.80, 0.79), block(0.10, 0.60), False),     # a 1-point regression on the held-out set
    (block(0.80, 0.82), block(0.60, 0.60), False),     # not better on the corrections
    (block(0.80, 0.82), block(0.0, 0.0, n=0), True),   # no held-out corrections: that check does not apply
    (block(0.0, 0.0, n=0), block(0.10, 0.60), False),  # nothing to compare on: never promote blind
])
def test_the_gate_allows_no_regression_beyond_the_tolerance_and_wants_better_corrections(known, corrections, passed):
    result = decide({"test_known": known, "corrections": corrections}, RetrainSection(max_regression=0.005))
    assert result["passed"] is passed
    assert all(c["detail"] for c in result["checks"])


def test_rehearsal_keeps_a_seeded_share_of_every_leaf():
    from training.classifier.data import Example
    from training.retrain.run import rehearsal

    examples = [Example(f"文本{i}", "", "010101" if i < 10 else "010102") for i in range(13)]
    kept = rehearsal(examples, 0.3, seed=13)
    assert [e.leaf for e in kept].count("010101") == 3 and [e.leaf for e in kept].count("010102") == 1
    assert kept == rehearsal(examples, 0.3, seed=13) and rehearsal(examples, 1.0, seed=13) == examples
    assert [examples.index(e) for e in kept] == sorted(examples.index(e) for e in kept)
