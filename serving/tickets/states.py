"""The ticket workflow as one transition table: (state, action) → (roles allowed, new state).

Nothing else changes a ticket's status. Same-state rows are actions that are audited but do not move the
ticket (a 退单 request under 首接负责制 keeps the unit handling until the platform decides: 先办后议)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    REGISTERED = "registered"    # 已登记: accepted, waiting for dispatch
    DISPATCHED = "dispatched"    # 已派单: sent to the handling unit(s)
    SIGNED = "signed"            # 办理中: the lead unit signed for it
    REPLIED = "replied"          # 已答复: the lead unit replied; waiting for the return visit
    VISITED = "visited"          # 已回访: satisfaction recorded
    CLOSED = "closed"            # 已办结
    ARCHIVED = "archived"        # 已归档
    MERGED = "merged"            # 已合并 into another ticket (a duplicate)
    SPLIT = "split"              # 已拆分: its problems became linked child tickets; closes when they all have


STATUS_NAMES = {Status.REGISTERED: "已登记", Status.DISPATCHED: "已派单", Status.SIGNED: "办理中",
                Status.REPLIED: "已答复", Status.VISITED: "已回访", Status.CLOSED: "已办结",
                Status.ARCHIVED: "已归档", Status.MERGED: "已合并", Status.SPLIT: "已拆分"}


class Action(StrEnum):
    DISPATCH = "dispatch"
    ANSWER = "answer"                        # 即办: answered on the spot
    MERGE = "merge"
    FORWARD = "forward"                      # 逐级转派: a district passes it down to a street
    SIGN = "sign"
    REPLY = "reply"
    CO_REPLY = "co_reply"                    # a co-handler (协办) reports its part
    REQUEST_RETURN = "request_return"        # 退单申请
    APPROVE_RETURN = "approve_return"
    REJECT_RETURN = "reject_return"
    REQUEST_EXTENSION = "request_extension"  # 延期申请
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    VISIT = "visit"                          # 回访: record satisfaction
    CLOSE = "close"
    REOPEN = "reopen"                        # 重办: after 不满意 or a failed 回头看
    ARCHIVE = "archive"
    REQUEST_CONSULTATION = "request_consultation"  # 会商: responsibility disputed or unclear
    RESOLVE_CONSULTATION = "resolve_consultation"  # the consultation names the handling units (商定办 / 指定办)
    LOOKBACK = "lookback"                    # 回头看: a supervisor re-checks a closed ticket
    SPLIT = "split"                          # 拆分: several problems become linked child tickets
    REOPEN_SPLIT = "reopen_split"            # a child of a closed split ticket was reopened: the parent waits again


class Role(StrEnum):
    AGENT = "agent"
    UNIT = "unit"
    SUPERVISOR = "supervisor"
    MAINTAINER = "maintainer"
    ADMIN = "admin"
    SYSTEM = "system"


S, A, R = Status, Action, Role
_HANDLING = (S.DISPATCHED, S.SIGNED)
TRANSITIONS: dict[tuple[Status, Action], tuple[frozenset[Role], Status]] = {
    (S.REGISTERED, A.DISPATCH): (frozenset({R.AGENT, R.SUPERVISOR, R.SYSTEM}), S.DISPATCHED),
    (S.REGISTERED, A.ANSWER): (frozenset({R.AGENT}), S.CLOSED),
    (S.REGISTERED, A.MERGE): (frozenset({R.AGENT, R.SUPERVISOR}), S.MERGED),
    (S.REGISTERED, A.SPLIT): (frozenset({R.AGENT, R.SUPERVISOR}), S.SPLIT),
    (S.SPLIT, A.CLOSE): (frozenset({R.SYSTEM}), S.CLOSED),       # when its last child closes
    (S.CLOSED, A.REOPEN_SPLIT): (frozenset({R.SYSTEM}), S.SPLIT),
    (S.DISPATCHED, A.FORWARD): (frozenset({R.UNIT}), S.DISPATCHED),
    (S.DISPATCHED, A.SIGN): (frozenset({R.UNIT}), S.SIGNED),
    (S.SIGNED, A.REPLY): (frozenset({R.UNIT}), S.REPLIED),
    **{(state, A.CO_REPLY): (frozenset({R.UNIT}), state) for state in _HANDLING},
    **{(state, A.REQUEST_RETURN): (frozenset({R.UNIT}), state) for state in _HANDLING},
    **{(state, A.APPROVE_RETURN): (frozenset({R.SUPERVISOR}), S.REGISTERED) for state in _HANDLING},
    **{(state, A.REJECT_RETURN): (frozenset({R.SUPERVISOR}), state) for state in _HANDLING},
    (S.SIGNED, A.REQUEST_EXTENSION): (frozenset({R.UNIT}), S.SIGNED),
    (S.SIGNED, A.APPROVE_EXTENSION): (frozenset({R.SUPERVISOR}), S.SIGNED),
    (S.SIGNED, A.REJECT_EXTENSION): (frozenset({R.SUPERVISOR}), S.SIGNED),
    (S.REPLIED, A.VISIT): (frozenset({R.AGENT}), S.VISITED),
    (S.VISITED, A.CLOSE): (frozenset({R.AGENT, R.SYSTEM}), S.CLOSED),
    (S.VISITED, A.REOPEN): (frozenset({R.AGENT, R.SUPERVISOR}), S.DISPATCHED),
    (S.CLOSED, A.REOPEN): (frozenset({R.SUPERVISOR}), S.DISPATCHED),
    (S.CLOSED, A.ARCHIVE): (frozenset({R.ADMIN, R.SYSTEM}), S.ARCHIVED),
    **{(state, A.REQUEST_CONSULTATION): (frozenset({R.UNIT, R.AGENT}), state) for state in _HANDLING},
    **{(state, A.RESOLVE_CONSULTATION): (frozenset({R.SUPERVISOR}), S.DISPATCHED) for state in _HANDLING},
    (S.CLOSED, A.LOOKBACK): (frozenset({R.SUPERVISOR}), S.CLOSED),
}


class TransitionError(Exception):
    """An action the ticket's state or the actor's role does not allow."""

    def __init__(self, message: str, forbidden: bool):
        super().__init__(message)
        self.forbidden = forbidden  # True: the role may not (403); False: the state does not allow it (409)


@dataclass(frozen=True)
class Transition:
    before: Status
    action: Action
    after: Status


def allowed_actions(status: Status, role: Role | None = None) -> list[Action]:
    return [a for (s, a), (roles, _) in TRANSITIONS.items() if s is status and (role is None or role in roles)]


def transition(status: Status, action: Action, role: Role) -> Transition:
    """The transition for this action by this role from this state, or TransitionError saying why not."""
    rule = TRANSITIONS.get((status, action))
    ever = {r for (_, a), (roles, _) in TRANSITIONS.items() if a is action for r in roles}
    if role not in ever:
        raise TransitionError(f"role {role} may not {action}; allowed roles: {', '.join(sorted(ever))}",
                              forbidden=True)
    if rule is None:
        options = ", ".join(allowed_actions(status)) or "none"
        raise TransitionError(f"cannot {action} a ticket that is {status} ({STATUS_NAMES[status]}); "
                              f"actions allowed now: {options}", forbidden=False)
    roles, after = rule
    if role not in roles:
        raise TransitionError(f"role {role} may not {action} a {status} ticket; allowed roles: "
                              f"{', '.join(sorted(roles))}", forbidden=True)
    return Transition(status, action, after)
