"""The calendar as shipped (statutory days + the official calendar file), worked by hand over 2025-2028.

No app, no clock: every expectation below was counted on a paper calendar from the announcements
(Thông báo 6150/TB-LĐTBXH, Thông báo 9441/TB-BNV, Công văn 12729/VPCP-KGVX) and the Labour Code.
"""

import os
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path

import pytest

from feedback.domain.deadlines import (
    CALENDAR_DAYS,
    WORKING_DAYS,
    DayEntry,
    Document,
    Rule,
    due_date,
    load_official,
    receipt,
    shipped_calendar,
)

CAL = shipped_calendar()
ANSWER = Rule(20, CALENDAR_DAYS, "Thông tư 02/2017/TT-VPCP")
TRANSFER = Rule(5, WORKING_DAYS, "Nghị định 20/2008/NĐ-CP, Điều 9")
PUBLISH = Rule(2, WORKING_DAYS, "Thông tư 02/2017/TT-VPCP")
LEGAL = Rule(15, CALENDAR_DAYS, "Công điện 89/CĐ-TTg ngày 16/06/2025")
HOURS = (time(7, 30), time(17, 0))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # 2025: Tết 27/01-31/01 (6150/TB-LĐTBXH), 30/4-1/5 with Friday 2/5 swapped for Saturday 26/4, 1-2/9.
        (date(2025, 1, 1), False),
        (date(2025, 1, 24), True),
        (date(2025, 1, 27), False),
        (date(2025, 1, 31), False),
        (date(2025, 2, 3), True),
        (date(2025, 4, 7), False),
        (date(2025, 4, 26), True),
        (date(2025, 4, 30), False),
        (date(2025, 5, 2), False),
        (date(2025, 5, 5), True),
        (date(2025, 9, 1), False),
        (date(2025, 9, 2), False),
        (date(2025, 9, 3), True),
        # 2026: New Year 1-2/1 with Saturday 10/1 worked (12729/VPCP-KGVX); Tết 16-20/2 (9441/TB-BNV); Hùng
        # Kings 26/4 (Sunday) observed 27/4; 30/4, 1/5; 2/9 with 1/9, and Monday 31/8 swapped for Saturday 22/8.
        (date(2026, 1, 1), False),
        (date(2026, 1, 2), False),
        (date(2026, 1, 5), True),
        (date(2026, 1, 10), True),
        (date(2026, 1, 11), False),
        (date(2026, 2, 13), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        (date(2026, 4, 27), False),
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 8, 22), True),
        (date(2026, 8, 31), False),
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        # 2027 (estimated: statutory days only): Tết 4/2-10/2, 1/5 Saturday observed Monday 3/5, 2-3/9.
        (date(2027, 1, 1), False),
        (date(2027, 2, 4), False),
        (date(2027, 2, 10), False),
        (date(2027, 2, 11), True),
        (date(2027, 4, 16), False),
        (date(2027, 4, 30), False),
        (date(2027, 5, 3), False),
        (date(2027, 9, 2), False),
        (date(2027, 9, 3), False),
        # 2028: 1/1 Saturday observed Monday 3/1; Tết 24/1-28/1; 30/4 Sunday observed 2/5; 2/9 Saturday: 1/9, 4/9.
        (date(2028, 1, 3), False),
        (date(2028, 1, 24), False),
        (date(2028, 1, 28), False),
        (date(2028, 1, 31), True),
        (date(2028, 4, 4), False),
        (date(2028, 5, 1), False),
        (date(2028, 5, 2), False),
        (date(2028, 9, 1), False),
        (date(2028, 9, 4), False),
        (date(2028, 9, 5), True),
    ],
)
def test_working_days_as_shipped(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("received", "rule", "expected"),
    [
        # The cases the New Year 2026 swap changed.
        (date(2025, 12, 31), TRANSFER, date(2026, 1, 9)),  # 5, 6, 7, 8, 9/1 (1-2/1 off)
        (date(2025, 12, 12), ANSWER, date(2026, 1, 5)),  # 01/01 holiday, 02/01 off, weekend
        (date(2026, 1, 8), PUBLISH, date(2026, 1, 10)),  # Friday 9/1, then the working Saturday 10/1
        (date(2026, 1, 5), TRANSFER, date(2026, 1, 10)),  # 6, 7, 8, 9, 10 (Saturday worked)
        # Tết 2026.
        (date(2026, 1, 26), ANSWER, date(2026, 2, 23)),  # 15/02 Sunday, 16-20/02 Tết, 21-22/02 weekend
        (date(2026, 2, 12), TRANSFER, date(2026, 2, 26)),
        # Hùng Kings 2026 and 30/4 - 1/5.
        (date(2026, 4, 7), ANSWER, date(2026, 4, 28)),  # 27/04 observed ⇒ 28/04
        (date(2026, 4, 10), ANSWER, date(2026, 5, 4)),
        (date(2026, 4, 28), TRANSFER, date(2026, 5, 7)),
        # National Day 2026 with its swap.
        (date(2026, 8, 11), ANSWER, date(2026, 9, 3)),  # 31/08 swapped day off, 1-2/9
        (date(2026, 8, 27), TRANSFER, date(2026, 9, 8)),
        # 2025.
        (date(2025, 4, 10), ANSWER, date(2025, 5, 5)),  # 30/04 ⇒ 1/5, 2/5 swapped, weekend ⇒ 5/5
        (date(2025, 8, 12), ANSWER, date(2025, 9, 3)),  # 1/9 ⇒ 1-2/9 off ⇒ 3/9
        # 2027 and 2028 (statutory).
        (date(2026, 12, 12), ANSWER, date(2027, 1, 4)),
        (date(2027, 1, 20), ANSWER, date(2027, 2, 11)),
        (date(2027, 8, 14), ANSWER, date(2027, 9, 6)),  # 3/9 off ⇒ weekend ⇒ 6/9
        (date(2027, 12, 12), ANSWER, date(2028, 1, 4)),  # 1/1 Sat, 3/1 observed ⇒ 4/1
        (date(2028, 1, 5), ANSWER, date(2028, 1, 31)),  # 25/01 Tết ⇒ 31/01
        # Legal-document regime: 15 days.
        (date(2026, 12, 3), LEGAL, date(2026, 12, 18)),
    ],
)
def test_deadlines_as_shipped(received, rule, expected):
    assert due_date(received, rule, CAL).due == expected


def test_hand_counted_cases_of_the_table_above():
    # Working-day counts across swapped Saturdays and a 20-day count ending on a working day, day by day.
    # 19/08/2026 + 5 working days: 20, 21, 22 (Saturday worked, 9441/TB-BNV), 24, 25 ⇒ 25/08.
    assert due_date(date(2026, 8, 19), TRANSFER, CAL).due == date(2026, 8, 25)
    # 24/04/2025 + 5 working days: 25, 26 (Saturday worked), 28, 29, then 30/4-1/5 and 2/5 off, weekend ⇒ 5/5.
    assert due_date(date(2025, 4, 24), TRANSFER, CAL).due == date(2025, 5, 5)
    # 03/01/2025 + 20 days = 23/01/2025, a Thursday before Tết: due that day.
    assert due_date(date(2025, 1, 3), ANSWER, CAL).due == date(2025, 1, 23)


def test_explanation_names_every_day_off_grouped():
    deadline = due_date(date(2026, 1, 26), ANSWER, CAL)
    vi = deadline.explain("vi")
    assert "15/02 cuối tuần" in vi
    assert "16/02–20/02 nghỉ Tết Nguyên đán" in vi and "9441/TB-BNV" in vi
    assert "21/02–22/02 cuối tuần" in vi and vi.index("16/02–20/02") < vi.index("21/02–22/02")
    assert "hạn là 23/02/2026" in vi
    en = deadline.explain("en")
    assert "16/02–20/02 Lunar New Year" in en and "21/02–22/02 weekend" in en and "23/02/2026" in en


def test_working_day_explanation_names_the_swap_and_its_document():
    deadline = due_date(date(2025, 12, 31), TRANSFER, CAL)
    vi = deadline.explain("vi")
    assert "12729/VPCP-KGVX" in vi and "03/01–04/01 cuối tuần" in vi and "hạn là 09/01/2026" in vi
    publish = due_date(date(2026, 1, 8), PUBLISH, CAL, counted_from="answer")
    text = publish.explain("vi")
    assert "kể từ ngày trả lời 08/01/2026" in text and "10/01" in text and "làm việc bù" in text
    assert "from the answer on 08/01/2026" in publish.explain("en")


def test_estimated_years_say_so():
    assert "dự kiến" in due_date(date(2026, 12, 12), ANSWER, CAL).explain("vi")  # runs into 2027
    assert "provisional" in due_date(date(2026, 12, 12), ANSWER, CAL).explain("en")
    assert "dự kiến" not in due_date(date(2026, 12, 3), ANSWER, CAL).explain("vi")  # 2026 is announced


def test_an_announcement_makes_a_year_announced_and_wins_over_the_file():
    doc = Document("01/TB-UBND", date(2026, 11, 20), "UBND tỉnh Tây Ninh", "", "Thông báo", "Notice")
    cal = shipped_calendar(
        overrides=[
            DayEntry(date(2026, 12, 24), False, "extra", "Nghỉ lễ của tỉnh", "", doc, "override"),
            DayEntry(date(2026, 1, 10), False, "extra", "", "", doc, "override"),
        ],
        year_status={**load_official()[1], 2027: "announced"},
    )
    assert not cal.is_working_day(date(2026, 12, 24))
    assert not cal.is_working_day(date(2026, 1, 10))  # the override wins over the official file
    deadline = due_date(date(2026, 12, 4), ANSWER, cal)
    assert deadline.due == date(2026, 12, 25)
    assert "01/TB-UBND" in deadline.explain("vi") and "dự kiến" not in deadline.explain("vi")


@pytest.mark.parametrize(
    ("moment", "expected", "words"),
    [
        (datetime(2026, 12, 4, 18, 40), date(2026, 12, 7), ("18:40", "ngoài giờ làm việc", "07/12/2026")),
        (datetime(2026, 12, 6, 10, 0), date(2026, 12, 7), ("Chủ nhật", "07/12/2026")),
        (datetime(2026, 1, 2, 9, 0), date(2026, 1, 5), ("ngày nghỉ", "05/01/2026")),
        (datetime(2026, 1, 10, 9, 0), date(2026, 1, 10), ()),  # the working Saturday: received that day
    ],
)
def test_a_moved_day_of_receipt_says_why(moment, expected, words):
    day, note = receipt(moment, CAL, HOURS)
    assert day == expected
    if words:
        assert note is not None and all(w in note[0] for w in words)
        deadline = due_date(day, ANSWER, CAL).with_receipt_note(note)
        assert deadline.explain("vi").startswith("Nộp ")
        assert deadline.explain("en").startswith("Submitted ")
    else:
        assert note is None


def test_names_do_not_depend_on_the_server_locale():
    """Under LANG=C, or another LANGUAGE, the explanations read the same."""
    root = Path(__file__).resolve().parents[2]
    code = (
        "from datetime import date; from feedback.domain.deadlines import *; "
        "c = shipped_calendar(); r = Rule(20, CALENDAR_DAYS, 'TT'); "
        "print(due_date(date(2026, 1, 26), r, c).explain('vi')); "
        "print(due_date(date(2026, 1, 26), r, c).explain('en'));"
        "print(due_date(date(2026, 12, 12), r, c).explain('en'))"
    )
    outputs = set()
    for env in (
        {"LANG": "C", "LC_ALL": "C"},
        {"LANG": "vi_VN.UTF-8", "LANGUAGE": "vi"},
        {"LANG": "th_TH.UTF-8", "LANGUAGE": "th"},
    ):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            capture_output=True,
            text=True,
            env={**os.environ, **env, "PYTHONIOENCODING": "utf-8"},
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    (text,) = outputs
    vi, en, en2 = text.splitlines()
    assert "Tết Nguyên đán" in vi and "Tết" not in en
    assert "29 Tết" not in en and "New Year's Day" in en2


def test_working_day_arithmetic_agrees_with_a_day_by_day_walk():
    from datetime import timedelta

    start = date(2024, 12, 1)
    walk = []
    d = start
    while d <= date(2028, 12, 31):
        if CAL.is_working_day(d):
            walk.append(d)
        d += timedelta(days=1)
    assert CAL.working_days_in(start, date(2028, 12, 31)) == walk
    for i in range(0, len(walk) - 30, 37):
        assert CAL.add_working_days(walk[i], 30) == walk[i + 30]
        assert CAL.add_working_days(walk[i + 30], -30) == walk[i]
        assert CAL.working_days_between(walk[i], walk[i + 30]) == 30
