"""Unit recommendation on the demo catalogue: rule roles, 属地 by place, case votes, reasons, inactive units."""
from dataclasses import replace

import pytest

from catalog import load_catalogue
from model.recommend import DISTRICT, STREET, Place, UnitRecommender, role_of_rule, role_of_unit
from model.retrieval.cases import Case, Hit

GARBAGE_STREET = "010101"     # 生活垃圾清运不及时: territory:street, co urban_mgmt, 直派
TRANSFER_STATION = "010103"   # 垃圾转运站异味扰民: dept:urban_mgmt, co district + ecology, 双派
SORTING_POLICY = "010205"     # 垃圾分类政策咨询: dept:urban_mgmt
HEPING_TAIYUAN = Place("HP", "HP01", "太原街社区")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def hits(*units: str, satisfaction: str = "满意") -> list[Hit]:
    return [Hit(Case(f"c{i}", "text", None, unit, satisfaction=satisfaction), 1.0 / (i + 1))
            for i, unit in enumerate(units)]


def test_roles_abstract_territorial_units():
    assert role_of_unit("street:SH03") == STREET and role_of_unit("district:SH") == DISTRICT
    assert role_of_unit("urban_mgmt") == "urban_mgmt"


def test_a_street_rule_goes_to_the_place_street_office_with_readable_reasons(catalogue):
    rec = UnitRecommender(catalogue).recommend([(GARBAGE_STREET, 0.9)], HEPING_TAIYUAN)
    lead = rec.lead
    assert lead.unit == "street:HP01" and lead.name == "太原街街道办事处"
    assert any(r.startswith("清单规定：生活垃圾清运不及时") for r in lead.reasons)
    assert "属地：和平区 太原街街道" in lead.reasons
    assert rec.mode == "直派" and rec.leaf == GARBAGE_STREET
    assert [u.unit for u in rec.units if u.role == "协办"] == ["urban_mgmt"]


def test_without_a_known_street_the_district_forwards_stepwise(catalogue):
    rec = UnitRecommender(catalogue).recommend([(GARBAGE_STREET, 0.9)], Place("HP"))
    assert rec.lead.unit == "district:HP" and rec.mode == "逐级转派"
    assert "属地：和平区（街道未明，由区转派）" in rec.lead.reasons


def test_nothing_territorial_is_suggested_without_a_place(catalogue):
    rec = UnitRecommender(catalogue).recommend([(GARBAGE_STREET, 0.6), (SORTING_POLICY, 0.3)], Place())
    assert rec.lead.unit == "urban_mgmt"
    assert all(not u.unit.startswith(("street:", "district:")) for u in rec.units)


def test_similar_cases_outvote_an_unsure_classifier(catalogue):
    unsure = [(SORTING_POLICY, 0.35), (GARBAGE_STREET, 0.3)]
    by_rule = UnitRecommender(catalogue, rule_weight=1.0).recommend(unsure, HEPING_TAIYUAN)
    assert by_rule.lead.unit == "urban_mgmt"
    cases = hits("street:SH03", "street:HP05", "street:DD02", "urban_mgmt")
    mixed = UnitRecommender(catalogue, rule_weight=0.5).recommend(unsure, HEPING_TAIYUAN, cases)
    assert mixed.lead.unit == "street:HP01"      # cases of other streets vote for 属地, resolved here
    assert "相似案例 3/4 由属地街道办结，满意 3 件" in mixed.lead.reasons
    assert mixed.confidence == pytest.approx(mixed.lead.score)


def test_confidence_falls_with_the_classifier_probability(catalogue):
    recommender = UnitRecommender(catalogue, rule_weight=1.0)
    sure = recommender.recommend([(SORTING_POLICY, 0.95)], HEPING_TAIYUAN)
    unsure = recommender.recommend([(SORTING_POLICY, 0.4)], HEPING_TAIYUAN)
    assert sure.confidence > unsure.confidence and sure.lead.unit == unsure.lead.unit


def test_inactive_units_are_never_suggested(catalogue):
    cases = hits("old_gas_company", "old_gas_company", "old_gas_company")
    rec = UnitRecommender(catalogue, rule_weight=0.2).recommend([(SORTING_POLICY, 0.5)], HEPING_TAIYUAN, cases)
    assert "old_gas_company" not in {u.unit for u in rec.units}
    assert rec.lead.unit == "urban_mgmt"


def test_parallel_leaf_lists_lead_and_resolved_co_handlers(catalogue):
    rec = UnitRecommender(catalogue).recommend([(TRANSFER_STATION, 0.8)], HEPING_TAIYUAN)
    assert rec.mode == "双派" and rec.lead.unit == "urban_mgmt"
    assert [u.unit for u in rec.units if u.role == "协办"] == ["district:HP", "ecology"]


def test_unknown_leaves_are_ignored_and_no_leaves_means_no_lead(catalogue):
    rec = UnitRecommender(catalogue).recommend([("999999", 0.9)], HEPING_TAIYUAN)
    assert rec.lead is None and rec.confidence == 0.0 and rec.units == ()


def test_rule_weight_must_be_a_share(catalogue):
    with pytest.raises(ValueError, match=r"within \[0, 1\]"):
        UnitRecommender(catalogue, rule_weight=1.5)


def test_to_json_is_plain_data(catalogue):
    data = UnitRecommender(catalogue).recommend([(GARBAGE_STREET, 0.9)], HEPING_TAIYUAN).to_json()
    assert data["units"][0]["role"] == "主办" and isinstance(data["units"][0]["reasons"], list)
    assert replace(HEPING_TAIYUAN, street=None).street is None
    assert role_of_rule(catalogue.get(GARBAGE_STREET).dispatch.responsible) == STREET
