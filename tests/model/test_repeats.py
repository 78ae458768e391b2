"""Repeat detection: same leaf, same spot or caller, within the window; reasons; the best earlier match."""
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pytest

from catalog.deadlines import TZ
from model.repeats import Complaint, RepeatDetector, score, spot_of, text_similarity

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
FIRST = Complaint("A", T0, "010101", caller="p1", street="HP01", community="太原街社区",
                  spot="太原街社区|12号楼", text="12号楼门口垃圾三天没人清运，味道很大")


def later(days: float, **changes) -> Complaint:
    return replace(FIRST, id=changes.pop("id", "B"), received_at=T0 + timedelta(days=days), **changes)


def test_spot_is_community_and_building_or_road_and_number():
    assert spot_of("和平区太原街街道太原街社区12号楼3单元", "太原街社区") == "太原街社区|12号楼"
    assert spot_of("中华路１２８号", None) == "中华路128号"          # full-width digits folded
    assert spot_of("沈阳站附近", "太原街社区") is None
    assert spot_of("12号楼", None) is None                            # a building without a community is no spot
    assert spot_of("康平县郝官屯镇郝官屯村5组38号", "郝官屯村") == "郝官屯村|5组38号"    # a village's group and house
    assert spot_of("5组38号", None) is None


def test_same_caller_and_spot_within_the_window_is_a_repeat():
    link = RepeatDetector().match(later(5), [FIRST])
    assert link.earlier == "A"
    assert "同一来电人" in link.reasons and "同一地点：太原街社区12号楼" in link.reasons


def test_another_caller_at_the_same_spot_is_a_repeat_too():
    link = RepeatDetector().match(later(3, caller="p2"), [FIRST])
    assert link is not None and "同一来电人" not in link.reasons


def test_another_leaf_is_never_a_repeat():
    assert score(later(1, leaf="010102"), FIRST) == (0.0, ())
    assert RepeatDetector().match(later(1, leaf="010102"), [FIRST]) is None


def test_the_same_community_alone_with_unrelated_text_is_not_enough():
    other = later(2, caller="p9", spot="太原街社区|30号楼", text="路边垃圾桶坏了需要更换")
    assert RepeatDetector().match(other, [FIRST]) is None


def test_outside_the_window_or_before_the_earlier_ticket_is_not_linked():
    detector = RepeatDetector(window=timedelta(days=30))
    assert detector.match(later(31), [FIRST]) is None
    assert detector.match(later(-1), [FIRST]) is None


def test_the_strongest_then_most_recent_earlier_ticket_wins():
    weaker = replace(FIRST, id="W", caller="p7", received_at=T0 + timedelta(days=4))
    recent = replace(FIRST, id="R", received_at=T0 + timedelta(days=6))
    link = RepeatDetector().match(later(8, id="N"), [FIRST, weaker, recent])
    assert link.earlier == "R"


def test_vectors_replace_bigram_overlap_when_both_have_one():
    a = replace(FIRST, vector=np.array([1.0, 0.0], dtype=np.float32))
    b = replace(FIRST, vector=np.array([0.6, 0.8], dtype=np.float32), text="完全不同")
    assert text_similarity(a, b) == pytest.approx(0.6)
    assert text_similarity(FIRST, replace(FIRST, text="毫不相干的内容")) == 0.0


def test_the_window_must_be_positive():
    with pytest.raises(ValueError, match="must be positive"):
        RepeatDetector(window=timedelta(0))


def test_the_same_caller_about_another_street_is_another_problem():
    assert RepeatDetector().match(later(2, street="SH03", community="五里河社区", spot=None), [FIRST]) is None


SHOP = "兴华北街一家轮胎店在非机动车道上换轮胎补胎，千斤顶轮胎摆一地，骑车的只能绕进机动车道"


def test_the_same_words_about_a_street_the_text_names_are_one_problem_whoever_calls_from_wherever():
    first = replace(FIRST, text=SHOP, text_street="TX01", street="TX01", spot="兴华社区|5号楼")
    link = RepeatDetector().match(later(9, text=SHOP + "。", text_street="TX01", street="TX01", caller="p2",
                                        spot="北一路社区|14号楼", community="北一路社区"), [first])
    assert link is not None and "同一所述地点、诉求内容几乎相同" in link.reasons


def test_the_same_words_that_name_no_place_are_not_enough():
    question = "想问一下停车收费分几类区域，白天和晚上的收费标准一样吗"
    first = replace(FIRST, text=question, spot="兴华社区|5号楼")
    assert RepeatDetector().match(later(9, text=question, caller="p2", spot="兴华社区|9号楼"), [first]) is None
    reworded = later(9, text="兴华北街那家轮胎店又把自行车道占了", text_street="TX01", caller="p2",
                     spot="兴华社区|9号楼")
    assert RepeatDetector().match(reworded, [replace(first, text=SHOP, text_street="TX01")]) is None


def test_a_patrol_telling_the_same_street_again_in_the_same_words_is_a_repeat_but_not_in_other_words():
    report = "网格员巡查发现：小区东门外人行道上堆放建筑垃圾约3立方米，未苫盖。"
    first = replace(FIRST, caller=None, patrol="g7", text=report, spot=None, community=None)
    again = later(20, caller=None, patrol="g7", text=report, spot=None, community=None)
    link = RepeatDetector().match(again, [first])
    assert link is not None and "同一网格员、同一街道、诉求内容几乎相同" in link.reasons
    assert RepeatDetector().match(replace(again, patrol="g8"), [first]) is None          # another patrol's template
    assert RepeatDetector().match(replace(again, text="网格员巡查发现：小区南门垃圾桶破损两个。"), [first]) is None
