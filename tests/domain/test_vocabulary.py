"""One vocabulary: every code the product shows has a Vietnamese and an English label in domain/states.py."""

from __future__ import annotations

import pytest

from feedback.domain import deadlines, outcomes, satisfaction, states


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        (states.STATE_LABELS, list(states.State)),
        (states.ROLE_LABELS, list(states.Role)),
        (states.KIND_LABELS, list(states.Kind)),
        (states.CHANNEL_LABELS, list(states.Channel)),
        (states.SUBMITTER_TYPE_LABELS, list(states.SubmitterType)),
        (states.ACTION_LABELS, [*list(states.TRANSITIONS), "submit", "deadline_moved", "letter_signed", "anonymise"]),
        (
            states.STANDING_LABELS,
            [
                outcomes.IN_TIME,
                outcomes.DUE_TODAY,
                outcomes.OVERDUE,
                outcomes.PAUSED,
                outcomes.ANSWERED_ON_TIME,
                outcomes.ANSWERED_LATE,
                outcomes.CLOSED,
            ],
        ),
        (states.DAY_UNIT_LABELS, list(deadlines.DAY_UNITS)),
        (states.LEVEL_LABELS, list(satisfaction.LEVELS)),
        (states.RATING_REASON_LABELS, list(satisfaction.REASONS)),
    ],
)
def test_every_code_has_both_labels(table, keys):
    assert set(keys) <= set(table)
    for key in keys:
        vi, en = table[key]
        assert vi and en and vi != en, key


def test_label_picks_the_language_and_falls_back_to_the_code():
    assert states.label(states.STATE_LABELS, "refused", "vi") == "Không tiếp nhận"
    assert states.label(states.STATE_LABELS, "refused", "en") == "Not accepted"
    assert states.label(states.ACTION_LABELS, "refuse", "en") == "Refuse"
    assert states.label(states.DAY_UNIT_LABELS, "working_days", "en") == "working days"
    assert states.label(states.STATE_LABELS, "archived", "en") == "archived"
    assert states.label(states.STATE_LABELS, None) == ""


def test_a_transition_refusal_is_the_services_refusal():
    from feedback.services import ServiceError

    with pytest.raises(ServiceError) as exc:
        states.next_state(states.State.ANSWERED, "route", states.Role.COORDINATOR)
    assert exc.value.status == 409 and isinstance(exc.value, states.TransitionError)
