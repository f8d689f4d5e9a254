"""The pure reminder ladder (feedback/domain/reminders.py): which keys a ticket is due on a day."""

from datetime import date

import pytest

from feedback.domain.deadlines import WorkCalendar
from feedback.domain.reminders import Ladder, before_window_end, due_reminders

CAL = WorkCalendar()
LADDER = Ladder()


def keys(today, **facts):
    facts.setdefault("state", "in_progress")
    facts.setdefault("has_unit", True)
    return [(d.kind, d.step, d.days) for d in due_reminders(today=today, cal=CAL, ladder=LADDER, **facts)]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 1, 29), []),  # 4 working days left
        (date(2027, 2, 1), [("before_due", 3, 3)]),
        (date(2027, 2, 2), [("before_due", 3, 2)]),  # a missed rung: the latest reached
        (date(2027, 2, 3), [("before_due", 1, 1)]),  # Tết 04-10/02 does not count
        (date(2027, 2, 11), [("before_due", 0, 0)]),
        (date(2027, 2, 12), [("overdue_head", 1, 1)]),
        (date(2027, 2, 18), [("overdue_head", 5, 5), ("escalate", 5, 5), ("progress_update", 1, 7)]),
        (date(2027, 2, 25), [("overdue_head", 10, 10), ("escalate", 10, 10), ("progress_update", 2, 14)]),
    ],
)
def test_ladder_around_tet(today, expected):
    assert keys(today, due_date=date(2027, 2, 11)) == expected


def test_paused_closed_and_unrouted_tickets():
    late = {"due_date": date(2027, 2, 1)}
    assert keys(date(2027, 2, 18), state="needs_info", **late) == []
    assert keys(date(2027, 2, 18), state="answered", **late) == []
    # A new ticket has no unit: only the escalation, the progress update and the routing reminder.
    assert keys(date(2027, 2, 18), state="new", has_unit=False, route_due_date=date(2027, 2, 15), **late) == [
        ("escalate", 8, 8),
        ("progress_update", 2, 17),
        ("route_overdue", 3, 3),
    ]


def test_publication_reminder():
    facts = {"state": "answered", "due_date": date(2027, 2, 11), "publish_due_date": date(2027, 2, 16)}
    assert keys(date(2027, 2, 16), **facts) == []
    assert keys(date(2027, 2, 17), **facts) == [("publish_overdue", 1, 1)]
    assert keys(date(2027, 2, 17), published=True, **facts) == []


def test_before_window_includes_the_weekend_after_it():
    # Wednesday 10/03/2027 + 3 working days = Monday 15/03; a due date on the Saturday or Sunday
    # before it is inside the window (it counts as the Friday).
    assert before_window_end(date(2027, 3, 10), CAL, LADDER) == date(2027, 3, 15)
    assert before_window_end(date(2027, 3, 8), CAL, LADDER) == date(2027, 3, 11)
    assert keys(date(2027, 3, 12), due_date=date(2027, 3, 13)) == [("before_due", 0, 0)]


def test_ladder_configuration_is_checked():
    with pytest.raises(ValueError):
        Ladder(before_days=(3, -1))
    with pytest.raises(ValueError):
        Ladder(escalate_days=0)
    assert Ladder(before_days=(0, 3, 1, 3)).before_days == (0, 1, 3)
