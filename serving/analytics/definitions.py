"""The one written definition of each indicator and of each cut: what the API, the CLI and the glossary show, and
what the service computes (each indicator names the counts its numerator and denominator are made of)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_RESPONSE_HOURS = 24
PER_RESIDENTS = 10_000
POPULATION = "population"   # the denominator of 万人诉求比: residents, from the catalogue's city


class Cut(StrEnum):
    NONE = "none"
    DISTRICT = "district"
    STREET = "street"
    UNIT = "unit"
    CATEGORY = "category"
    SUBCATEGORY = "subcategory"
    LEAF = "leaf"
    CHANNEL = "channel"


CUT_NAMES = {Cut.NONE: "全市", Cut.DISTRICT: "区县", Cut.STREET: "街道（乡镇）", Cut.UNIT: "主办单位",
             Cut.CATEGORY: "大类", Cut.SUBCATEGORY: "小类", Cut.LEAF: "事项（末级）", Cut.CHANNEL: "渠道"}
CUT_NOTES = {Cut.UNIT: "一件工单计入它曾经的每一个主办单位（退单改派、逐级转派前后的单位各计一次）；未派单的工单不计入任何单位。",
             Cut.CATEGORY: "按工单当前事项编码的前2位归类；退单后待重新派单、即办未选事项的工单归入“未分类”。",
             Cut.SUBCATEGORY: "按工单当前事项编码的前4位归类。"}
CHANNEL_NAMES = {"phone": "12345热线电话", "web": "网站留言", "app": "政务APP/小程序", "mailbox": "市长信箱",
                 "handover_110": "110转办", "grid": "网格员上报", "enterprise": "营商环境专线"}


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str           # the Chinese name everyone uses
    formula: str        # in words; {response_hours} is filled in when rendered
    numerator: str
    denominator: str
    unit: str           # 件 | 件/万人 | 比例 (a share between 0 and 1)
    better: str         # higher | lower: the direction a ranking rewards
    counts: tuple[str, str | None]   # the service's counts: (numerator, denominator), "cohort.measure" or population
    note: str = ""
    scale: int = 1      # value = numerator / denominator × scale

    @property
    def is_rate(self) -> bool:
        return self.unit == "比例"

    def rendered(self, response_hours: int = DEFAULT_RESPONSE_HOURS) -> dict:
        """The definition as data, with the response limit written in."""
        def fill(text: str) -> str:
            return text.replace("{response_hours}", str(response_hours))

        return {"key": self.key, "name": self.name, "formula": fill(self.formula), "numerator": fill(self.numerator),
                "denominator": fill(self.denominator), "unit": self.unit, "better": self.better,
                "note": fill(self.note)}


_VISITED = "统计期内有回访的工单数（以回访记录时间计；同一工单统计期内多次回访的，以最后一次回访为准）"
_FIRST_DISPATCHED = "统计期内首次派单的工单数（以首次派单记录时间计）"
_LATER_EVENTS = "按计算时的数据：统计期后才发生的退单、改派也计入，所以已过去月份的数值可能随之变化。"

INDICATORS: tuple[Indicator, ...] = (
    Indicator("volume", "诉求量", "统计期内登记的诉求件数，被合并的重复件不计。",
              "统计期内登记、未被合并的工单数", "无（计数）", "件", "lower",
              counts=("created.total", None)),
    Indicator("per_10k", "万人诉求比", "诉求量 ÷ 常住人口 × 10000。",
              "诉求量", "常住人口（区县为清单城市数据中的区县人口，全市为各区县之和）", "件/万人", "lower",
              note="只有全市和区县有人口数据；按街道、单位、事项、渠道统计时为空。",
              counts=("created.total", POPULATION), scale=PER_RESIDENTS),
    Indicator("response_rate", "响应率", "统计期内派出的主办任务中，派单后{response_hours}小时内签收的比例。",
              "派单后{response_hours}小时内（含第{response_hours}小时整）签收的主办任务数",
              "统计期内派出的主办任务数（退单改派、逐级转派到街道的任务各计一次）", "比例", "higher",
              note="按主办任务计，协办不计。重办后重新签收的，以重新签收的时间计算。",
              counts=("assigned.signed_in_time", "assigned.total")),
    Indicator("resolution_rate", "解决率", "统计期内回访的工单中，回访认定问题已解决的比例。",
              "回访认定已解决的工单数；回访未记录是否解决的，满意度不是“不满意”即视为已解决", _VISITED,
              "比例", "higher",
              note="“是否解决”优先取该次回访记录中的结果，其次取工单上的结果；都没有时按满意度判断。",
              counts=("visited.solved", "visited.total")),
    Indicator("satisfaction_rate", "满意率", "统计期内回访的工单中，评价为“满意”或“基本满意”的比例。",
              "评价为“满意”或“基本满意”的工单数", _VISITED, "比例", "higher",
              note="满意度取该次回访记录中的评价，历史导入工单取工单上的评价。",
              counts=("visited.satisfied", "visited.total")),
    Indicator("on_time_rate", "按时办结率", "统计期内答复且有办理时限的工单中，在办理时限内答复的比例。",
              "答复时间不晚于办理时限（含获批的延期）的工单数",
              "统计期内答复的、有办理时限的工单数（以工单最近一次答复时间计；即办件没有时限，不计）",
              "比例", "higher", counts=("replied.on_time", "replied.total")),
    Indicator("closure_rate", "办结率", "统计期内登记的工单中，目前已办结或已归档的比例（即办件计入）。",
              "状态为已办结或已归档的工单数", "诉求量", "比例", "higher",
              counts=("created.closed", "created.total")),
    Indicator("repeat_rate", "重复投诉率", "诉求量中，被认定为重复投诉的比例。",
              "关联到此前同一问题工单（repeat_of）的工单数", "诉求量", "比例", "lower",
              note="重复关联由督办巡查（jiesu supervise）写入，巡查之前登记的工单尚未关联。",
              counts=("created.repeats", "created.total")),
    Indicator("return_rate", "退单率", "统计期内首次派单的工单中，有退单获批的比例。",
              "有退单获批（approve_return）记录的工单数", _FIRST_DISPATCHED, "比例", "lower", note=_LATER_EVENTS,
              counts=("dispatched.returned", "dispatched.total")),
    Indicator("first_dispatch_accuracy", "一次派准率", "统计期内首次派单的工单中，既未退单、也未改派的比例。",
              "没有退单获批、没有会商改派（resolve_consultation）、只派过一次单的工单数", _FIRST_DISPATCHED,
              "比例", "higher", note=_LATER_EVENTS + "逐级转派（区县转街道）属正常流转，不算改派。",
              counts=("dispatched.first_time_right", "dispatched.total")),
    Indicator("suggestion_accept_rate", "建议采纳率", "统计期内由人工作出派单决定的智能建议中，采纳首选建议事项的比例。",
              "派单事项与首选建议事项一致的建议数",
              "统计期内由座席人工决定、且给出了候选事项的建议数（自动派单、模型不可用时的空建议不计）",
              "比例", "higher", note="以每件工单的首次派单决定为准。",
              counts=("decided.accepted", "decided.total")),
    Indicator("auto_dispatch_share", "自动派单占比", "统计期内首次派单的工单中，由系统自动派单的比例。",
              "自动派单的工单数", _FIRST_DISPATCHED, "比例", "higher",
              counts=("dispatched.auto", "dispatched.total")),
)
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
BY_NAME = {indicator.name: indicator for indicator in INDICATORS}


def indicator(key_or_name: str) -> Indicator:
    """The indicator with this key or Chinese name; KeyError naming the choices otherwise."""
    found = BY_KEY.get(key_or_name) or BY_NAME.get(key_or_name)
    if found is None:
        raise KeyError(f"unknown indicator {key_or_name!r}; use a key ({', '.join(BY_KEY)}) or a Chinese name "
                       f"({'、'.join(BY_NAME)})")
    return found


def definitions(response_hours: int = DEFAULT_RESPONSE_HOURS) -> list[dict]:
    """Every indicator's definition, in display order, as data."""
    return [i.rendered(response_hours) for i in INDICATORS]


def cuts() -> list[dict]:
    return [{"key": cut.value, "name": CUT_NAMES[cut], "note": CUT_NOTES.get(cut, "")} for cut in Cut]
