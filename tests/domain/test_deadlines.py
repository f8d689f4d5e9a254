"""Deadline arithmetic with real Vietnamese calendars (no app, no clock)."""

from datetime import date, datetime, time

import pytest

from feedback.domain.deadlines import (
    CALENDAR_DAYS,
    WORKING_DAYS,
    Rule,
    due_date,
    parse_office_hours,
    receipt_date,
    shift_for_pause,
    shipped_calendar,
    working_days_late,
)

CAL = shipped_calendar()
ANSWER = Rule(20, CALENDAR_DAYS, "TT 02/2017/TT-VPCP")
TRANSFER = Rule(5, WORKING_DAYS, "ND 20/2008 art. 9")
HOURS = (time(7, 30), time(17, 0))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before Tết 2026
        (date(2026, 2, 16), False),  # 29 Tết (Lunar New Year's Eve)
        (date(2026, 2, 17), False),  # Mùng 1
        (date(2026, 2, 20), False),  # Mùng 4
        (date(2026, 2, 23), True),  # back to work
        (date(2026, 4, 27), False),  # Hùng Kings observed (26/4 is a Sunday)
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 8, 22), True),  # Saturday worked in exchange for 31/8
        (date(2026, 8, 31), False),
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), False),
        (date(2027, 2, 4), False),  # Tết 2027 begins
        (date(2027, 2, 10), False),
        (date(2027, 2, 11), True),
        (date(2027, 5, 3), False),  # 1/5/2027 is a Saturday: observed Monday
        (date(2027, 9, 3), False),
        (date(2026, 11, 28), False),  # plain Saturday
    ],
)
def test_working_days_follow_the_vietnamese_calendar(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 12, 3), date(2026, 12, 23)),  # 20 days, lands on a Wednesday
        (date(2026, 12, 12), date(2027, 1, 4)),  # 01/01/2027 holiday, then a weekend
        (date(2027, 1, 20), date(2027, 2, 11)),  # 09/02/2027 in Tết ⇒ first day back
        (date(2026, 1, 27), date(2026, 2, 23)),  # 16/02/2026 Tết eve ⇒ 23/02
        (date(2026, 4, 10), date(2026, 5, 4)),  # 30/04 ⇒ next working day after 1/5 and weekend
        (date(2026, 8, 13), date(2026, 9, 3)),  # 2/9 ⇒ 3/9
        (date(2026, 12, 7), date(2026, 12, 28)),  # ends Sunday 27/12 ⇒ Monday
    ],
)
def test_answer_deadline_in_calendar_days(received, expected):
    assert due_date(received, ANSWER, CAL).due == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 2, 12), date(2026, 2, 26)),  # Thu before Tết: 13, 23, 24, 25, 26
        (date(2026, 4, 28), date(2026, 5, 7)),  # 29, 4/5, 5, 6, 7
        (date(2026, 8, 27), date(2026, 9, 8)),  # 28/8, 3/9, 4/9, 7/9, 8/9 (31/8-2/9 off)
        (date(2026, 12, 29), date(2027, 1, 6)),  # 30, 31, 4/1, 5, 6
        (date(2027, 2, 1), date(2027, 2, 15)),  # 2, 3, 11, 12, 15
    ],
)
def test_transfer_deadline_in_working_days(received, expected):
    assert due_date(received, TRANSFER, CAL).due == expected


def test_explanation_names_the_holiday_and_the_moved_date():
    deadline = due_date(date(2026, 12, 12), ANSWER, CAL)
    vi = deadline.explain("vi")
    assert "12/12/2026" in vi and "01/01/2027" in vi and "04/01/2027" in vi and "TT 02/2017" in vi
    assert "Tết Dương lịch" in vi
    en = deadline.explain("en")
    assert "01/01/2027 is a holiday" in en and "04/01/2027" in en


def test_explanation_without_move():
    assert due_date(date(2026, 12, 3), ANSWER, CAL).explain("vi").endswith("hạn là 23/12/2026.")


def test_overrides_add_days_off_and_swapped_working_days():
    cal = shipped_calendar(
        extra_days_off=[date(2026, 12, 23)],
        extra_working_days=[date(2026, 12, 26)],
        notes={date(2026, 12, 23): "Nghỉ bù theo quyết định của UBND tỉnh"},
    )
    assert not cal.is_working_day(date(2026, 12, 23))
    assert cal.is_working_day(date(2026, 12, 26))  # a Saturday made a working day
    deadline = due_date(date(2026, 12, 3), ANSWER, cal)
    assert deadline.due == date(2026, 12, 24)
    assert "UBND tỉnh" in deadline.explain("vi")
    assert due_date(date(2026, 12, 21), TRANSFER, cal).due == date(2026, 12, 28)  # 22, 24, 25, 26(Sat), 28


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 3, 9, 0), date(2026, 12, 3)),  # office hours
        (datetime(2026, 12, 3, 6, 0), date(2026, 12, 3)),  # before opening on a working day
        (datetime(2026, 12, 3, 17, 0), date(2026, 12, 4)),  # closing time counts as after hours
        (datetime(2026, 12, 4, 20, 0), date(2026, 12, 7)),  # Friday evening ⇒ Monday
        (datetime(2026, 12, 5, 10, 0), date(2026, 12, 7)),  # Saturday
        (datetime(2026, 12, 31, 18, 0), date(2027, 1, 4)),  # New Year's Eve evening
        (datetime(2027, 2, 5, 10, 0), date(2027, 2, 11)),  # in Tết
    ],
)
def test_receipt_date_after_hours_and_days_off(moment, expected):
    assert receipt_date(moment, CAL, HOURS) == expected


def test_receipt_date_without_office_hours_is_the_calendar_date():
    assert receipt_date(datetime(2026, 12, 5, 23, 0), CAL, None) == date(2026, 12, 5)


def test_pause_moves_the_due_date_by_the_paused_working_days():
    # Paused Friday 12/02/2026, resumed Tuesday 24/02/2026: 23 and 24 are the only working days waited.
    new_due, paused = shift_for_pause(date(2026, 3, 2), date(2026, 2, 12), date(2026, 2, 24), CAL)
    assert paused == 3  # 13/02, 23/02, 24/02
    assert new_due == date(2026, 3, 5)


def test_pause_resumed_the_same_day_changes_nothing():
    assert shift_for_pause(date(2026, 3, 2), date(2026, 2, 12), date(2026, 2, 12), CAL) == (date(2026, 3, 2), 0)


def test_lateness_in_working_days():
    assert working_days_late(date(2026, 12, 31), date(2027, 1, 5), CAL) == 2  # 4/1, 5/1
    assert working_days_late(date(2026, 12, 31), date(2026, 12, 29), CAL) == -2
    assert working_days_late(date(2026, 12, 31), date(2026, 12, 31), CAL) == 0


def test_add_working_days_backwards_skips_holidays():
    assert CAL.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)


@pytest.mark.parametrize("spec", ["", "7:30", "17:00-07:30", "ab-cd"])
def test_bad_office_hours_are_refused(spec):
    with pytest.raises(ValueError):
        parse_office_hours(spec)


def test_rule_checks_its_unit():
    with pytest.raises(ValueError):
        Rule(20, "weeks")
