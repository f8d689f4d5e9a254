"""Pure rules of official documents (Nghị định 30/2020/NĐ-CP, Phụ lục I) and of the report calendar."""

from __future__ import annotations

from datetime import date

import pytest

from feedback.domain import letters as rules
from feedback.domain.deadlines import WorkCalendar


@pytest.mark.parametrize(
    ("number", "symbol", "expected"),
    [
        (1, "SKHCN-VP", "01/SKHCN-VP"),
        (9, "SKHCN-VP", "09/SKHCN-VP"),
        (10, "SKHCN-VP", "10/SKHCN-VP"),
        (125, "SKHCN-VP", "125/SKHCN-VP"),
        (3, "BC-SKHCN", "03/BC-SKHCN"),
    ],
)
def test_number_and_symbol(number, symbol, expected):
    assert rules.number_symbol(number, symbol) == expected


def test_a_number_starts_at_one_and_a_draft_has_none():
    with pytest.raises(ValueError):
        rules.number_text(0)
    assert rules.number_symbol(None, "SKHCN-VP").endswith("/SKHCN-VP")
    assert rules.letter_symbol("SKHCN", "VP") == "SKHCN-VP" and rules.report_symbol("SKHCN") == "BC-SKHCN"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 3), "Tây Ninh, ngày 03 tháng 12 năm 2026"),
        (date(2026, 3, 15), "Tây Ninh, ngày 15 tháng 3 năm 2026"),
        (date(2026, 2, 5), "Tây Ninh, ngày 05 tháng 02 năm 2026"),
        (date(2027, 1, 20), "Tây Ninh, ngày 20 tháng 01 năm 2027"),
    ],
)
def test_the_date_line_pads_day_below_10_and_month_below_3(day, expected):
    assert rules.date_line("Tây Ninh", day) == expected


def test_recipients_are_printed_with_dashes_and_end_with_a_full_stop():
    text = "Như trên\n  - Giám đốc Sở (để báo cáo);\n\n• Lưu: VT, CCTĐC.  "
    assert rules.recipient_lines(text) == ["- Như trên;", "- Giám đốc Sở (để báo cáo);", "- Lưu: VT, CCTĐC."]
    assert rules.recipient_lines(" \n ") == []


@pytest.mark.parametrize(
    ("role", "position", "authority", "expected"),
    [
        ("director", None, None, ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")),
        ("director", "Giám đốc", None, ("", "GIÁM ĐỐC")),
        ("unit_head", "Chánh Văn phòng", None, ("TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG")),
        ("unit_head", "Chi cục trưởng", "TUQ. Giám đốc", ("TUQ. GIÁM ĐỐC", "CHI CỤC TRƯỞNG")),
    ],
)
def test_the_signer_block(role, position, authority, expected):
    line = rules.signer_line(role, "Phạm  Văn Giám", position, authority)
    assert (line.authority, line.position, line.name) == (*expected, "Phạm Văn Giám")


def test_the_body_ends_like_an_administrative_letter_and_defaults_hold_every_part():
    assert rules.ensure_closing("Sở trả lời để Công ty được biết.") == "Sở trả lời để Công ty được biết./."
    assert rules.ensure_closing("Trân trọng./.") == "Trân trọng./."
    body = rules.default_body(
        issuer_name="SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        submitter="Công ty TNHH ABC",
        received_on=date(2026, 11, 2),
        code="PAKN-2026-000042",
        title="Kiểm định cân",
        content="Nội dung phản ánh.",
    )
    for part in (
        "Ngày 02/11/2026, Sở khoa học và công nghệ nhận được",
        "PAKN-2026-000042",
        "trả lời như sau",
        "Căn cứ pháp lý",
        "Kết luận",
        "chưa đồng ý",
        "được biết./.",
    ):
        assert part.lower() in body.lower(), part
    assert rules.default_subject("Công ty TNHH ABC") == "V/v trả lời phản ánh, kiến nghị của Công ty TNHH ABC"
    assert rules.default_addressee("citizen", "Nguyễn Văn An", None) == "Ông/Bà Nguyễn Văn An"
    assert rules.default_recipients("VP").splitlines()[-1] == "Lưu: VT, VP"


def test_reports_are_due_before_the_10th_of_the_quarters_last_month_and_before_05_12():
    due = {r.key: r.due for r in rules.reports_due(2026)}
    assert due == {
        "2026-q1": date(2026, 3, 9),
        "2026-q2": date(2026, 6, 9),
        "2026-q3": date(2026, 9, 9),
        "2026-q4": date(2026, 12, 9),
        "2026": date(2026, 12, 4),
    }


def test_the_reminder_comes_five_working_days_before_and_skips_days_off():
    cal = WorkCalendar()
    assert rules.reminder_day(date(2026, 12, 9), cal) == date(2026, 12, 2)
    # Q2: due Tuesday 09/06/2026; five working days back skip the weekend: Tuesday 02/06.
    assert rules.reminder_day(date(2026, 6, 9), cal) == date(2026, 6, 2)
    # Q3: due Wednesday 09/09/2026; 31/08 (swapped day off), 01/09 and 02/09 (National Day) are off: Friday 28/08.
    assert rules.reminder_day(date(2026, 9, 9), cal) == date(2026, 8, 28)
    assert [r.key for r in rules.reports_to_remind(date(2026, 12, 2), cal)] == ["2026", "2026-q4"]
    assert rules.reports_to_remind(date(2026, 12, 10), cal) == []
