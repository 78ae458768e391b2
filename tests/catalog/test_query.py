"""The loader and the query API on the small fixture catalogue."""
import pytest

from catalog import load_catalogue
from catalog.rules import DispatchMode, TimeLimitKind, Urgency


@pytest.fixture
def catalogue(catalogue_dir):
    return load_catalogue(catalogue_dir)


def test_loader_builds_typed_nodes(catalogue):
    leaf = catalogue.get("020102")
    assert leaf.is_leaf and leaf.level == 3 and leaf.level_name == "细类" and leaf.parent_code == "0201"
    d = leaf.dispatch
    assert str(d.responsible) == "dept:heating_supply" and d.co_handlers == ()
    assert d.time_limit.kind is TimeLimitKind.HOURS and d.time_limit.amount == 3
    assert d.urgency is Urgency.IMMEDIATE and d.mode is DispatchMode.DIRECT
    assert len(d.examples) == 3
    assert not catalogue.get("010201").is_leaf  # a 细类 with 子类 is a branch


def test_version_combines_semver_and_content_hash(catalogue):
    assert catalogue.version.startswith("1.0.0+") and len(catalogue.version) == len("1.0.0+") + 12


def test_children_ancestors_and_path(catalogue):
    assert [n.code for n in catalogue.roots()] == ["01", "02"]
    assert [n.code for n in catalogue.children("0102")] == ["010201"]
    assert [n.code for n in catalogue.children("010201")] == ["01020101", "01020102"]
    assert catalogue.children("020101") == []
    assert [n.code for n in catalogue.ancestors("01020102")] == ["01", "0102", "010201"]
    assert catalogue.path_name("01020102") == "市容环境卫生 > 道路清扫保洁 > 冬季清雪 > 人行道积雪结冰"


def test_leaves_everywhere_and_under_a_node(catalogue):
    assert [n.code for n in catalogue.leaves()] == ["010101", "010102", "01020101", "01020102", "020101", "020102"]
    assert [n.code for n in catalogue.leaves(under="02")] == ["020101", "020102"]


def test_unknown_code_names_the_code_and_how_to_find_one(catalogue):
    with pytest.raises(KeyError) as info:
        catalogue.get("9999")
    assert "'9999'" in info.value.args[0] and "search" in info.value.args[0]


def test_search_ranks_name_matches_first_and_requires_every_term(catalogue):
    codes = [h.node.code for h in catalogue.search("暖气")]
    assert codes[0] == "020102"          # name contains the term
    assert set(codes) == {"02", "0201", "020101", "020102"}
    assert [h.node.code for h in catalogue.search("暖气 漏水")] == ["020102"]
    assert catalogue.search("暖气 垃圾") == []


def test_search_by_colloquial_alias_and_leaves_only(catalogue):
    hits = catalogue.search("冒尖", leaves_only=True)
    assert [h.node.code for h in hits] == ["010101"] and hits[0].matched == ("alias",)
    assert all(h.node.is_leaf for h in catalogue.search("垃圾", leaves_only=True))


def test_search_needs_a_word(catalogue):
    with pytest.raises(ValueError, match="at least one word"):
        catalogue.search("   ")


def test_units_include_territorial_units_and_skip_inactive(catalogue):
    codes = {u.code for u in catalogue.units()}
    assert {"urban_mgmt", "district:HP", "street:HP01", "street:KP01"} <= codes
    assert "old_heat" not in codes
    assert "old_heat" in {u.code for u in catalogue.units(include_inactive=True)}
    assert catalogue.unit("district:HP").name == "和平区人民政府"
    assert catalogue.unit("street:HP01").name == "太原街街道办事处"
    assert catalogue.unit("street:KP01").name == "康平镇人民政府"
    assert catalogue.unit("street:HP01").district == "HP"


def test_places(catalogue):
    assert catalogue.district("KP").name == "康平县"
    assert catalogue.street("HP02").name == "南湖街道"
    assert catalogue.city.population == 945000


def test_stats(catalogue):
    s = catalogue.stats()
    assert s["levels"] == {"1": 2, "2": 3, "3": 5, "4": 2}
    assert (s["leaves"], s["districts"], s["streets"], s["examples"]) == (6, 2, 3, 18)
    assert s["units"] == 4 + 2 + 3 and s["version"] == catalogue.version
