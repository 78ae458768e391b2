"""How many tickets, of what, when and through which channel: the volume model of the demo history."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from catalog import Catalogue, Node
from training.corpus.texts import Style

# Leaves whose path matches carry much of the volume (the reforms' high-frequency problems): weight multipliers.
HOT_TOPICS = [
    (r"物业|电梯|业主", 6.0), (r"噪声|噪音|扰民", 5.0), (r"停车|违章停车|违法停车", 5.0), (r"供热|暖气|供暖|室温", 6.0),
    (r"欠薪|拖欠工资|工资", 5.0), (r"垃圾|保洁|环卫", 4.0), (r"占道|游商|摊", 3.0), (r"停水|水压|供水", 3.0),
    (r"停电|电压|供电", 3.0), (r"预付|退费|退卡", 3.0), (r"道路|井盖|路灯", 2.5), (r"公交|地铁|出租", 2.0),
    (r"社保|医保|养老保险|公积金", 2.0), (r"入学|入园|学校", 2.0), (r"咨询", 2.0),
]

# (pattern on the leaf path, months, multiplier inside those months, multiplier outside)
SEASONS = [
    (r"供热|暖气|供暖|室温|开栓|停热", {11, 12, 1, 2, 3}, 4.0, 0.12),
    (r"寒潮|积雪|清雪|结冰|冻", {12, 1, 2}, 4.0, 0.2),
    (r"汛期|积水|内涝|雨水|防汛|排水", {6, 7, 8}, 4.0, 0.4),
    (r"水环境|河湖|黑臭|河道", {5, 6, 7, 8, 9}, 2.0, 0.6),
    (r"电动车|电动自行车", {4, 5, 6, 7, 8, 9}, 1.6, 0.7),
    (r"秸秆|焚烧", {3, 4, 10, 11}, 3.0, 0.4),
    (r"蚊|蝇|病媒", {6, 7, 8, 9}, 3.0, 0.4),
    (r"入学|入园|招生", {3, 4, 5, 6, 7, 8}, 2.0, 0.5),
    (r"广场舞|烧烤|夜市", {5, 6, 7, 8, 9}, 2.0, 0.6),
    (r"个人所得税|汇算", {3, 4, 5, 6}, 3.0, 0.4),
]

WEEKDAY = [1.15, 1.08, 1.05, 1.03, 1.0, 0.72, 0.66]           # Monday … Sunday
HOLIDAY = 0.55                                                 # statutory holiday days
HOURS = [0.2, 0.12, 0.08, 0.06, 0.06, 0.1, 0.3, 0.8, 1.6, 2.0, 2.0, 1.7, 1.1, 1.3, 1.8, 1.8,
         1.6, 1.3, 1.0, 0.9, 0.8, 0.6, 0.45, 0.3]              # citizens call most at 9-11 and 14-16

# Channel of each writing style: (channel, weight) choices.
CHANNELS = {
    Style.PHONE: [("12345热线", 1.0)],
    Style.WEB: [("政府网站", 0.6), ("市长信箱", 0.1), ("人民网留言板", 0.3)],
    Style.APP: [("政务APP", 0.6), ("微信小程序", 0.4)],
    Style.MAILBOX: [("市长信箱", 1.0)],
    Style.HANDOVER_110: [("110转办", 1.0)],
    Style.GRID: [("网格员上报", 1.0)],
    Style.ENTERPRISE: [("营商环境专线", 0.7), ("12345热线", 0.3)],
}
# Share of tickets by style (hand-written texts are drawn to match it).
STYLE_SHARE = {Style.PHONE: 0.58, Style.WEB: 0.14, Style.APP: 0.09, Style.MAILBOX: 0.03, Style.HANDOVER_110: 0.03,
               Style.GRID: 0.10, Style.ENTERPRISE: 0.03}


@dataclass(frozen=True)
class LeafProfile:
    code: str
    weight: float
    season: tuple[float, ...]   # multiplier per month, index 0 = January


def _path_text(catalogue: Catalogue, leaf: Node) -> str:
    return " ".join(n.name for n in catalogue.path(leaf.code))


def seasonality(path: str) -> tuple[float, ...]:
    months = [1.0] * 12
    for pattern, active, inside, outside in SEASONS:
        if re.search(pattern, path):
            for m in range(12):
                months[m] *= inside if (m + 1) in active else outside
    return tuple(months)


def leaf_profiles(catalogue: Catalogue, seed: int) -> list[LeafProfile]:
    """A long-tailed weight per leaf: Zipf over a seeded order, boosted for the high-frequency problems."""
    rng = random.Random(seed)
    leaves = catalogue.leaves()
    order = list(range(len(leaves)))
    rng.shuffle(order)
    profiles = []
    for rank, index in enumerate(order, start=1):
        leaf = leaves[index]
        path = _path_text(catalogue, leaf)
        weight = 1.0 / rank ** 0.8
        for pattern, boost in HOT_TOPICS:
            if re.search(pattern, path):
                weight *= boost
                break
        if leaf.code.startswith(("46", "47", "48")):   # suggestions, praise, out of scope: rare
            weight *= 0.3
        profiles.append(LeafProfile(leaf.code, weight, seasonality(path)))
    return sorted(profiles, key=lambda p: p.code)
