"""The transition table itself: every state reachable, refusals explained."""
import pytest

from serving.tickets.states import TRANSITIONS, Action, Role, Status, TransitionError, allowed_actions, transition


def test_every_state_is_reachable_from_registered():
    seen, frontier = {Status.REGISTERED}, [Status.REGISTERED]
    while frontier:
        state = frontier.pop()
        for (before, _), (_, after) in TRANSITIONS.items():
            if before is state and after not in seen:
                seen.add(after)
                frontier.append(after)
    assert seen == set(Status)


def test_terminal_states_allow_nothing_but_what_is_listed():
    assert allowed_actions(Status.ARCHIVED) == [] and allowed_actions(Status.MERGED) == []
    assert allowed_actions(Status.CLOSED, Role.SUPERVISOR) == [Action.REOPEN, Action.LOOKBACK]


def test_refusals_say_why():
    with pytest.raises(TransitionError) as wrong_role:
        transition(Status.DISPATCHED, Action.SIGN, Role.AGENT)
    assert wrong_role.value.forbidden and "allowed roles: unit" in str(wrong_role.value)
    with pytest.raises(TransitionError) as wrong_state:
        transition(Status.REGISTERED, Action.SIGN, Role.UNIT)
    assert not wrong_state.value.forbidden and "actions allowed now: dispatch, answer, merge" in str(wrong_state.value)
    assert transition(Status.SIGNED, Action.REQUEST_RETURN, Role.UNIT).after is Status.SIGNED
