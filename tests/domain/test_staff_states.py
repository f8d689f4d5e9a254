"""The lifecycle table (DESIGN §4) checked cell by cell: every action × state × role."""

from __future__ import annotations

import itertools

import pytest

from feedback.domain.states import (
    PREVIOUS,
    SAME,
    TRANSITIONS,
    Role,
    State,
    TransitionError,
    can,
    next_state,
)

S = State
R = Role
ALL_OPEN = {S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING_APPROVAL, S.NEEDS_INFO}

# Written from DESIGN §4, independently of the table in feedback/domain/states.py:
# action -> (source states, target, roles).
EXPECTED = {
    "route": ({S.NEW, S.ASSIGNED, S.IN_PROGRESS}, S.ASSIGNED, {R.COORDINATOR}),
    "refuse": ({S.NEW}, S.REFUSED, {R.COORDINATOR}),
    "transfer": ({S.NEW}, S.TRANSFERRED, {R.COORDINATOR}),
    "request_info": ({S.NEW, S.ASSIGNED, S.IN_PROGRESS}, S.NEEDS_INFO, {R.COORDINATOR, R.OFFICER, R.UNIT_HEAD}),
    "provide_info": ({S.NEEDS_INFO}, PREVIOUS, {R.COORDINATOR, R.OFFICER, R.UNIT_HEAD, "submitter"}),
    "assign": ({S.ASSIGNED, S.IN_PROGRESS}, S.IN_PROGRESS, {R.UNIT_HEAD}),
    "answer": ({S.IN_PROGRESS}, S.PENDING_APPROVAL, {R.OFFICER, R.UNIT_HEAD}),
    "return": ({S.PENDING_APPROVAL}, S.IN_PROGRESS, {R.UNIT_HEAD, R.DIRECTOR}),
    "approve": ({S.PENDING_APPROVAL}, S.ANSWERED, {R.UNIT_HEAD, R.DIRECTOR}),
    "extend": ({S.ASSIGNED, S.IN_PROGRESS, S.NEEDS_INFO}, SAME, {R.UNIT_HEAD, R.COORDINATOR, R.DIRECTOR}),
    "approve_extension": ({S.ASSIGNED, S.IN_PROGRESS, S.NEEDS_INFO}, SAME, {R.COORDINATOR, R.DIRECTOR}),
    "reject_extension": ({S.ASSIGNED, S.IN_PROGRESS, S.NEEDS_INFO}, SAME, {R.COORDINATOR, R.DIRECTOR}),
    "publish": ({S.ANSWERED}, SAME, {R.COORDINATOR}),
    "unpublish": ({S.ANSWERED}, SAME, {R.COORDINATOR}),
    "note": (ALL_OPEN, SAME, {R.OFFICER, R.UNIT_HEAD, R.COORDINATOR, R.DIRECTOR}),
    # Issue 14, closing the loop: the submitter rates and asks for reconsideration of an answered
    # ticket; the coordinator reopens it for reconsideration or returns the answer before publication.
    "rate": ({S.ANSWERED}, SAME, {"submitter"}),
    "request_review": ({S.ANSWERED}, S.IN_PROGRESS, {"submitter"}),
    "reopen_review": ({S.ANSWERED}, S.IN_PROGRESS, {R.COORDINATOR}),
    "return_answer": ({S.ANSWERED}, S.IN_PROGRESS, {R.COORDINATOR}),
}

ROLES = [*Role, "submitter"]
CELLS = list(itertools.product(sorted(EXPECTED), list(State), ROLES))


def test_table_has_exactly_the_designed_actions():
    assert set(TRANSITIONS) == set(EXPECTED)


@pytest.mark.parametrize(("action", "state", "role"), CELLS, ids=[f"{a}-{s}-{r}" for a, s, r in CELLS])
def test_cell(action, state, role):
    sources, target, roles = EXPECTED[action]
    if role not in roles:
        with pytest.raises(TransitionError) as exc:
            next_state(state, action, role, previous=S.IN_PROGRESS)
        assert exc.value.status == 403
        assert not can(state, action, role)
    elif state not in sources:
        with pytest.raises(TransitionError) as exc:
            next_state(state, action, role, previous=S.IN_PROGRESS)
        assert exc.value.status == 409
    else:
        expected = {SAME: state, PREVIOUS: S.IN_PROGRESS}.get(target, target)
        assert next_state(state, action, role, previous=S.IN_PROGRESS) == expected


@pytest.mark.parametrize("previous", [S.NEW, S.ASSIGNED, S.IN_PROGRESS])
def test_provide_info_returns_to_the_state_before_the_pause(previous):
    assert next_state(S.NEEDS_INFO, "provide_info", "submitter", previous=previous) == previous


def test_admin_takes_no_workflow_action():
    assert not any(can(state, action, R.ADMIN) for action in EXPECTED for state in State)


def test_unknown_action_is_refused():
    with pytest.raises(TransitionError) as exc:
        next_state(S.NEW, "delete", R.COORDINATOR)
    assert exc.value.status == 404
