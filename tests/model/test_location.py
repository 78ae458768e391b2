"""The location resolver on the demo gazetteer: full and partial addresses, short forms, ambiguous names."""
import json

import jieba
import pytest

from catalog import load_catalogue
from model.location import LocationResolver, Resolution, community_short, street_short


@pytest.fixture(scope="module")
def city():
    return load_catalogue().city


@pytest.fixture(scope="module")
def resolver(city):
    return LocationResolver(city)


def street_of(city, community):
    return [(s.district_code, s.code) for s in city.streets() if community in s.communities]


def test_a_full_address_names_district_street_and_community(resolver):
    res = resolver.resolve("楼道里堆满杂物", "和平区太原街街道太原街社区12号楼3单元")
    best = res.best
    assert (best.district, best.street, best.community) == ("HP", "HP01", "太原街社区")
    assert best.score > 0.95 and not res.ambiguous
    assert "地址：太原街社区" in best.evidence and "地址：和平区" in best.evidence


def test_a_unique_community_alone_pins_its_street(resolver, city):
    assert street_of(city, "三好社区") == [("HP", "HP02")]
    best = resolver.resolve("", "三好社区5号楼").best
    assert (best.district, best.street, best.community) == ("HP", "HP02", "三好社区")


def test_a_duplicated_community_name_is_ambiguous_until_a_district_is_named(resolver, city):
    streets = street_of(city, "民主社区")
    assert len(streets) == 2 and ("HP", "HP01") in streets
    alone = resolver.resolve("民主社区门口的垃圾没人清")
    assert alone.ambiguous and len(alone.candidates) >= 2
    assert {(c.district, c.street) for c in alone.candidates} == set(streets)
    assert all(c.community == "民主社区" for c in alone.candidates)
    named = resolver.resolve("和平区民主社区门口的垃圾没人清")
    assert (named.best.district, named.best.street) == ("HP", "HP01") and not named.ambiguous
    assert named.best.score > 5 * named.candidates[1].score


def test_a_road_of_the_district_disambiguates_a_community_too(resolver):
    best = resolver.resolve("民主社区旁边的中华路上井盖丢了").best
    assert (best.district, best.street, best.community) == ("HP", "HP01", "民主社区")
    assert "道路：中华路（和平区）" in best.evidence


def test_a_landmark_pins_its_street(resolver):
    res = resolver.resolve("沈阳站附近的路灯晚上不亮")
    assert (res.best.district, res.best.street, res.best.community) == ("HP", "HP01", None)
    assert res.best.evidence == ("地标：沈阳站",)


def test_a_road_of_several_districts_names_districts_only(resolver, city):
    districts = {d.code for d in city.districts if "青年大街" in d.roads}
    assert len(districts) == 3
    res = resolver.resolve("青年大街上有个井盖丢了")
    assert {c.district for c in res.candidates} == districts
    assert all(c.street is None and c.community is None for c in res.candidates)
    assert res.ambiguous
    assert sum(c.score for c in res.candidates) <= 1


def test_a_house_number_names_the_street_the_address_table_puts_it_in(resolver, city):
    [run] = city.addresses.at("中华路", 128, "HP")
    res = resolver.resolve("", "和平区中华路128号")
    assert (res.best.district, res.best.street) == ("HP", run.street) and not res.ambiguous
    assert res.best.score > 0.95
    street = next(s.name for s in city.streets() if s.code == run.street)
    assert f"地址：中华路128号（{street}）" in res.best.evidence
    other = next(r for r in city.addresses.of_street(run.street) if r.road != "中华路")
    assert resolver.resolve(f"{other.road}{other.first}号门口井盖丢了").best.street == run.street


def test_a_house_number_outside_the_table_gives_the_district_without_a_street(resolver, city):
    assert not city.addresses.at("中华路", 9999)
    res = resolver.resolve("", "和平区中华路9999号")
    assert [(c.district, c.street) for c in res.candidates] == [("HP", None)]


def test_a_house_number_on_a_road_of_several_districts_needs_the_district(resolver, city):
    runs = city.addresses.at("青年大街", 50)
    assert len({r.district for r in runs}) == 3
    alone = resolver.resolve("", "青年大街50号")
    assert {(c.district, c.street) for c in alone.candidates} == {(r.district, r.street) for r in runs}
    assert alone.ambiguous
    named = resolver.resolve("", "沈河区青年大街50号").best
    assert (named.district, named.street) == next((r.district, r.street) for r in runs if r.district == "SH")


def test_short_forms_of_streets_and_communities(resolver):
    taiyuan = resolver.resolve("太原街上有人占道经营").best
    assert (taiyuan.district, taiyuan.street) == ("HP", "HP01")
    assert "街道：太原街（太原街街道）" in taiyuan.evidence
    xinghua = resolver.resolve("我家在兴华这边，停水两天了").best
    assert (xinghua.district, xinghua.street, xinghua.community) == ("TX", "TX01", None)
    assert resolver.resolve("南湖这边晚上广场舞太吵").best.street == "HP02"
    assert street_short("太原街街道") == "太原街" and street_short("胡台镇") == "胡台"
    assert community_short("南湖社区") == "南湖" and community_short("高家村") == "高家村"


def test_everyday_words_are_no_short_forms(resolver):
    """建设 (建设社区), 民主 (民主社区), 北门 (北门社区) are plain words in a complaint."""
    assert resolver.resolve("小区北门垃圾堆放，小区建设不合格，民主评议也没开").candidates == ()


def test_traditional_and_full_width_text(resolver):
    best = resolver.resolve("瀋陽站附近，和平區太原街社區１２號樓").best
    assert (best.district, best.street, best.community) == ("HP", "HP01", "太原街社区")


def test_the_address_field_outweighs_a_conflicting_text_mention(resolver):
    res = resolver.resolve("我之前住在长白社区，现在这边漏水", "南湖社区5号楼")
    assert (res.best.street, res.best.community) == ("HP02", "南湖社区")
    assert res.candidates[1].community == "长白社区"
    assert res.best.score > 2 * res.candidates[1].score and not res.ambiguous


def test_no_place_no_candidates(resolver):
    for text, address in [("", ""), ("沈阳市", ""), ("家里停电了，请尽快处理", "沈阳市")]:
        res = resolver.resolve(text, address)
        assert res == Resolution(()) and res.best is None and not res.ambiguous
        assert res.to_json() == {"candidates": [], "best": None, "ambiguous": False}


def test_scores_are_ranked_normalised_and_serialisable(resolver):
    res = resolver.resolve("皇姑区那边，民主社区还是新华社区我也说不清", "")
    scores = [c.score for c in res.candidates]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1
    data = json.loads(json.dumps(res.to_json(), ensure_ascii=False))
    assert data["best"] == data["candidates"][0]
    assert set(data["best"]) == {"district", "street", "community", "score", "evidence"}


def test_the_global_jieba_dictionary_stays_untouched(city):
    jieba.initialize()
    before = (jieba.dt.FREQ.get("太原街社区"), jieba.dt.FREQ.get("兴华"), jieba.dt.total)
    cut = jieba.lcut("和平区太原街街道太原街社区")
    LocationResolver(city)
    assert (jieba.dt.FREQ.get("太原街社区"), jieba.dt.FREQ.get("兴华"), jieba.dt.total) == before
    assert jieba.lcut("和平区太原街街道太原街社区") == cut
