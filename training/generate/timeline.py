"""The handling of one ticket: dispatch, return, signing, extension, reply, return visit and closure."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from catalog import Node
from catalog.deadlines import TZ, add_working_days, due_at, is_working_day
from catalog.rules import TimeLimit, TimeLimitKind

OFFICE_OPEN, OFFICE_CLOSE = time(8, 30), time(17, 30)
SATISFIED, FAIRLY, UNSATISFIED = "满意", "基本满意", "不满意"
RETURN_REASONS = ["非本单位职责，建议改派{unit}", "诉求地点不在本辖区，请核实属地", "该事项已由{unit}受理，请改派",
                  "诉求内容涉及多部门，建议由{unit}牵头"]
EXTENSION_REASONS = ["需协调多个部门共同处置", "需等待第三方检测结果", "涉及施工维修，受天气影响需延期",
                     "需上级部门审批后办理"]
REPLY_SOLVED = [
    "{unit}答复：经现场核实，来电人反映情况属实。已于{date}处理完毕：{closure}已电话告知来电人，来电人无异议。",
    "{unit}答复：接单后工作人员于{date}到达现场，问题已解决。{closure}",
    "{unit}答复：已于{date}安排人员处置，目前已恢复正常，已向来电人反馈办理结果。",
]
REPLY_EXPLAINED = [
    "{unit}答复：经核实，{reason}。工作人员已于{date}向来电人解释说明，来电人表示理解。",
    "{unit}答复：该问题{reason}，已于{date}电话联系来电人说明情况，并告知后续办理途径。",
]
EXPLAIN_REASONS = ["属于历史遗留问题，已纳入明年改造计划统筹解决", "目前不在政策支持范围内", "已进入司法程序，建议通过法律途径解决",
                   "需业主大会表决后方可实施", "现场核实与来电反映情况不符"]


@dataclass
class Handling:
    accepted_at: datetime
    dispatched_at: datetime | None = None
    first_unit: str | None = None
    returned: bool = False
    return_reason: str = ""
    signed_at: datetime | None = None
    due_at: datetime | None = None
    extended_days: int = 0
    extension_reason: str = ""
    replied_at: datetime | None = None
    reply_text: str = ""
    overdue: bool = False
    visited_at: datetime | None = None
    satisfaction: str | None = None
    rehandled: bool = False
    final_satisfaction: str | None = None
    closed_at: datetime | None = None
    status: str = "已办结"
    history: list[str] = field(default_factory=list)


def next_office_moment(moment: datetime, rng: random.Random) -> datetime:
    """The moment itself if a working-hours moment, else a morning moment of the next working day."""
    local = moment.astimezone(TZ)
    if is_working_day(local.date()) and OFFICE_OPEN <= local.time() <= OFFICE_CLOSE:
        return local
    day = local.date() if local.time() < OFFICE_OPEN and is_working_day(local.date()) else add_working_days(
        local.date(), 1)
    return datetime.combine(day, OFFICE_OPEN, tzinfo=TZ) + timedelta(minutes=rng.randint(0, 90))


def _between(start: datetime, end: datetime, rng: random.Random, low: float, high: float) -> datetime:
    return start + (end - start) * rng.uniform(low, high)


def _reply(unit_name: str, leaf: Node, moment: datetime, rng: random.Random, solved: bool) -> str:
    date = f"{moment.month}月{moment.day}日"
    if solved:
        template = rng.choice(REPLY_SOLVED)
        return template.format(unit=unit_name, date=date, closure=leaf.dispatch.closure_standard)
    return rng.choice(REPLY_EXPLAINED).format(unit=unit_name, date=date, reason=rng.choice(EXPLAIN_REASONS))


def _satisfaction(rng: random.Random, risk: float) -> str:
    r = rng.random()
    if r < risk:
        return UNSATISFIED
    return FAIRLY if r < risk + 0.16 else SATISFIED


def handle(leaf: Node, received: datetime, lead_unit: str, lead_name: str, wrong_unit: str | None,
           unit_24h: bool, now: datetime, rng: random.Random) -> Handling:
    """Simulate the handling of a ticket received at `received`; work not yet done by `now` stays open."""
    h = Handling(accepted_at=received + timedelta(minutes=rng.randint(1, 12)))
    limit = leaf.dispatch.time_limit
    if limit.kind is TimeLimitKind.ON_THE_SPOT:           # 即办: answered during the call
        h.replied_at = h.accepted_at + timedelta(minutes=rng.randint(1, 8))
        h.reply_text = f"热线中心即时答复：{leaf.dispatch.closure_standard}"
        h.closed_at = h.replied_at
        if rng.random() < 0.3:
            h.visited_at = h.closed_at + timedelta(hours=rng.randint(2, 48))
            h.satisfaction = h.final_satisfaction = _satisfaction(rng, 0.03)
            h.closed_at = h.visited_at
            if h.satisfaction == UNSATISFIED:
                _rehandle(h, rng, lead_name, leaf)
        return _cut_at(h, now)
    h.dispatched_at = h.accepted_at + timedelta(minutes=rng.randint(3, 50))
    start = h.dispatched_at
    if wrong_unit:
        h.first_unit, h.returned = wrong_unit, True
        back = next_office_moment(start + timedelta(hours=rng.uniform(0.5, 20)), rng)
        h.return_reason = rng.choice(RETURN_REASONS).format(unit=lead_name)
        start = back + timedelta(minutes=rng.randint(10, 90))  # re-dispatched to the right unit
    else:
        h.first_unit = lead_unit
    arrival = start + timedelta(minutes=rng.randint(5, 120))
    h.signed_at = arrival if unit_24h else next_office_moment(arrival, rng)
    if rng.random() < 0.04:
        h.signed_at += timedelta(hours=rng.randint(20, 50))   # late signing: a yellow light
    h.due_at = due_at(start, limit)
    if limit.kind is TimeLimitKind.WORKING_DAYS and rng.random() < 0.04:
        h.extended_days = max(3, limit.amount)
        h.extension_reason = rng.choice(EXTENSION_REASONS)
        h.due_at = due_at(h.due_at, TimeLimit(TimeLimitKind.WORKING_DAYS, h.extended_days))
    base = max(h.signed_at, start)
    h.replied_at = (h.due_at + timedelta(hours=rng.uniform(2, 120)) if rng.random() < 0.065
                    else _between(base, max(h.due_at, base + timedelta(minutes=30)), rng, 0.15, 0.95))
    h.replied_at = max(h.replied_at, h.signed_at + timedelta(minutes=rng.randint(10, 120)))
    h.overdue = h.replied_at > h.due_at
    solved = rng.random() < 0.82
    h.reply_text = _reply(lead_name, leaf, h.replied_at, rng, solved)
    _visit(h, rng, risk=0.05 + 0.10 * h.overdue + 0.06 * h.returned + 0.08 * (not solved), lead_name=lead_name,
           leaf=leaf)
    return _cut_at(h, now)


def _visit(h: Handling, rng: random.Random, risk: float, lead_name: str, leaf: Node) -> None:
    if rng.random() < 0.07:                                  # caller unreachable: closed without a rating
        h.closed_at = h.replied_at + timedelta(hours=rng.randint(24, 72))
        return
    h.visited_at = h.replied_at + timedelta(hours=rng.uniform(1, 48))
    h.satisfaction = h.final_satisfaction = _satisfaction(rng, risk)
    h.closed_at = h.visited_at
    if h.satisfaction == UNSATISFIED:
        _rehandle(h, rng, lead_name, leaf)


def _rehandle(h: Handling, rng: random.Random, lead_name: str, leaf: Node) -> None:
    """An unsatisfied caller's ticket is handled again and visited again."""
    h.rehandled = True
    again = next_office_moment(h.visited_at + timedelta(days=rng.uniform(2, 6)), rng)
    h.reply_text += " 【重办】" + _reply(lead_name, leaf, again, rng, rng.random() < 0.6)
    h.visited_at = again + timedelta(hours=rng.uniform(2, 30))
    h.final_satisfaction = _satisfaction(rng, 0.3)
    h.closed_at = h.visited_at


def _cut_at(h: Handling, now: datetime) -> Handling:
    """Forget what has not happened by `now`: recent tickets are still open."""
    steps = ["dispatched_at", "signed_at", "replied_at", "visited_at", "closed_at"]
    for name in steps:
        value = getattr(h, name)
        if value is not None and value > now:
            for later in steps[steps.index(name):]:
                setattr(h, later, None)
            break
    if h.replied_at is None:
        h.reply_text, h.overdue = "", bool(h.due_at and h.due_at < now)
    if h.visited_at is None:
        h.satisfaction = h.final_satisfaction = None
        h.rehandled = False
    if h.closed_at is None:
        h.status = ("待回访" if h.replied_at else "办理中" if h.signed_at else "待签收" if h.dispatched_at
                    else "待派单")
    return h
