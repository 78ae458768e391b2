"""The shipped demo catalogue: valid, complete, and covering what the reforms ask for."""
from collections import Counter

import pytest

from catalog import DEFAULT_DATA_DIR, check_data_dir
from catalog.rules import DispatchMode, TimeLimitKind, Urgency

# Beijing's 27 每月一题 problems, Xining's three 书记点题 items and the seasonal items, each a distinct leaf.
MANDATORY_LEAVES = [
    "新房多年办不下房产证", "电动三四轮车违规上路", "集体欠薪群体讨薪", "房建工程农民工欠薪", "健身卡退卡难",
    "网购商品货不对板", "生活垃圾清运不及时", "街头游商占道经营", "住改商", "老旧小区改造进度迟缓",
    "小区充电桩安装难", "普惠幼儿园入园", "教育培训机构规范管理", "交通噪声扰民", "大货车交通安全", "路灯不亮",
    "地下通道和市政涵洞设施维护", "社区医院资源不足", "医院医疗服务", "小区周边道路停车资源不足", "道路违法停车",
    "共享单车乱停乱放", "养老机构收费和服务", "居家养老保障", "宅基地申请与建房审批", "村集体收益分红",
    "村内街巷破损", "房地产中介经营不规范", "群租房问题",
    "店外占道经营",                                       # Xining 占道经营 (besides 游商)
    "室温不达标测温争议", "寒潮期间停暖", "寒潮天气防范", "汛期道路积水内涝", "汛期安全隐患",
    "河湖水环境保护", "电动自行车违法行驶",
]
# Parents whose leaves must exist (the topic is split into several leaves).
MANDATORY_BRANCHES = ["物业服务管理", "农村村民待遇", "预付卡商家闭店跑路", "网购商品纠纷"]
DOMAINS = ["城市管理执法", "物业服务管理", "城市供水", "电力供应", "燃气供应与安全", "城市供热", "道路交通秩序",
           "大气与噪声污染", "消费维权", "劳动关系与工资", "社会保险", "教育", "医疗服务", "养老服务",
           "社会治安与矛盾纠纷", "农业农村", "自然资源与规划", "文化旅游", "营商环境与企业诉求", "政务服务与机关作风",
           "应急管理与安全生产", "通信服务", "金融与税务", "政策咨询", "意见建议", "表扬感谢", "非受理范围"]


@pytest.fixture(scope="module")
def demo():
    result = check_data_dir(DEFAULT_DATA_DIR)
    assert result.ok, "\n".join(str(p) for p in result.problems[:20])
    return result.catalogue


def test_counts_match_the_city_catalogue(demo):
    stats = demo.stats()
    assert stats["levels"] == {"1": 48, "2": 276, "3": 1278, "4": 418}
    assert stats["leaves"] == len(demo.leaves()) > 1400
    assert stats["version"] == demo.version and demo.version.startswith(demo.manifest.version + "+")


def test_mandatory_problems_are_distinct_leaves(demo):
    leaves = {n.name: n for n in demo.leaves()}
    missing = [name for name in MANDATORY_LEAVES if name not in leaves]
    assert missing == []
    names = [n.name for n in demo.nodes()]
    for branch in MANDATORY_BRANCHES:
        assert branch in names and demo.leaves(under=next(n.code for n in demo.nodes() if n.name == branch))


def test_whole_domain_is_covered(demo):
    roots = {n.name for n in demo.roots()}
    assert [d for d in DOMAINS if d not in roots] == []


def test_every_leaf_is_dispatchable_to_an_active_unit(demo):
    active = {u.code for u in demo.units()}
    for leaf in demo.leaves():
        rules = (leaf.dispatch.responsible,) + leaf.dispatch.co_handlers
        assert all(r.is_territory or r.target in active for r in rules), leaf.code


def test_dispatch_vocabulary_is_realistically_spread(demo):
    dispatch = [n.dispatch for n in demo.leaves()]
    modes = Counter(d.mode for d in dispatch)
    assert all(modes[m] >= 30 for m in DispatchMode)
    urgencies = Counter(d.urgency for d in dispatch)
    assert urgencies[Urgency.IMMEDIATE] >= 10 and urgencies[Urgency.NORMAL] > len(dispatch) / 2
    kinds = Counter(d.time_limit.kind for d in dispatch)
    assert all(kinds[k] >= 20 for k in TimeLimitKind)
    assert all(d.time_limit.kind is not TimeLimitKind.WORKING_DAYS for d in dispatch
               if d.urgency is Urgency.IMMEDIATE)


def test_examples_come_in_the_voices_of_agents_citizens_and_grid_workers(demo):
    examples = [e for n in demo.leaves() for e in n.dispatch.examples]
    assert len(examples) >= 3 * len(demo.leaves())
    assert sum(e.startswith("市民来电") or e.startswith("来电人") for e in examples) > len(examples) / 5
    assert sum(e.startswith("【") for e in examples) > len(examples) / 5
    assert sum(e.startswith("网格员") for e in examples) > len(examples) / 20


def test_demo_city_follows_shenyang_structure(demo):
    city = demo.city
    assert len(city.districts) == 13
    assert 100 <= len(city.streets()) <= 120
    assert {"和平区", "沈河区", "浑南区", "康平县", "法库县", "新民市"} <= {d.name for d in city.districts}
    assert all(d.roads and all(s.communities for s in d.streets) for d in city.districts)
    kinds = Counter(u.kind for u in demo.units())
    assert kinds["department"] >= 45 and kinds["utility"] >= 7
    utilities = {u.code for u in demo.units() if u.kind == "utility"}
    assert {"water_supply", "power_supply", "gas_supply", "heating_supply", "bus_group", "metro_group",
            "china_mobile"} <= utilities
    assert demo.unit(demo.fallback_unit).active and demo.unit(demo.platform_unit).kind == "platform"


def test_search_finds_what_citizens_say(demo):
    assert demo.search("暖气 不热", leaves_only=True)[0].node.code.startswith("09")
    assert any(h.node.code.startswith("22") for h in demo.search("欠薪", leaves_only=True, limit=5))
    assert any(h.node.code.startswith("08") for h in demo.search("燃气味", leaves_only=True, limit=5))
