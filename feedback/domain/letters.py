"""The written answer as an official document (Nghị định 30/2020/NĐ-CP, Phụ lục I): pure rules.

Numbers and symbols, the place-and-date line, the list of recipients (nơi nhận), the signer's
authority line, the default parts of an answer letter, and when the periodic reports to the
provincial People's Committee are due. No Flask, no database, no clock: the moment and the
calendar are parameters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .deadlines import WorkCalendar

# Document kinds of the outgoing register and the abbreviation of each in a symbol (Phụ lục III).
LETTER = "letter"  # công văn: symbol <issuer>-<drafting unit>, e.g. 125/SKHCN-VP
REPORT = "report"  # báo cáo: symbol BC-<issuer>, e.g. 12/BC-SKHCN
DOC_TYPES = (LETTER, REPORT)

AWAITING_SIGNATURE = "awaiting_signature"
SIGNED = "signed"
CANCELLED = "cancelled"

# The letter's timeline events are labelled in domain/states.py (EVENT_LABELS).

MAX_SUBJECT = 300
MAX_ADDRESSEE = 300
MAX_RECIPIENT_LINES = 15


def number_text(number: int) -> str:
    """The number as written on the document: Arabic digits, a leading 0 below 10 (Phụ lục I, mục II.3)."""
    if number < 1:
        raise ValueError("document numbers start at 1")
    return f"{number:02d}"


def number_symbol(number: int | None, symbol: str) -> str:
    """ "125/SKHCN-VP"; without a number yet (a draft), the number is left blank to be filled at issue."""
    if number is None:
        return f"\u2003\u2003/{symbol}"
    return f"{number_text(number)}/{symbol}"


def letter_symbol(issuer: str, unit_symbol: str | None) -> str:
    """Symbol of a công văn: the issuing body's abbreviation, then the drafting unit's."""
    return f"{issuer}-{unit_symbol}" if unit_symbol else issuer


def report_symbol(issuer: str) -> str:
    """Symbol of a báo cáo: BC, then the issuing body's abbreviation."""
    return f"BC-{issuer}"


def date_line(place: str, day: date) -> str:
    """ "Tây Ninh, ngày 03 tháng 12 năm 2026": day below 10 and month below 3 take a leading 0 (Phụ lục I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def clean_line(text: str) -> str:
    """One line of typed text: NFC, single spaces, no control characters."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == "\t")
    return re.sub(r"\s+", " ", text).strip()


def recipient_lines(text: str) -> list[str]:
    """The nơi nhận typed one per line, as printed: "- X;" for each, the last one ending with "."."""
    items = []
    for raw in (text or "").splitlines():
        item = clean_line(raw).lstrip("-–•+* ").rstrip(";,. ").strip()
        if item:
            items.append(item)
    return [f"- {item}{'.' if i == len(items) - 1 else ';'}" for i, item in enumerate(items)]


def paragraphs(text: str) -> list[str]:
    """The body split into paragraphs: every non-empty line is one (as typed in the form)."""
    out = []
    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = unicodedata.normalize("NFC", raw).strip()
        if line:
            out.append(re.sub(r"[ \t]+", " ", line))
    return out


def ensure_closing(body: str) -> str:
    """The body ends with "./." as an administrative letter does."""
    text = (body or "").rstrip()
    if text.endswith("./."):
        return text
    return text.rstrip(".") + "./."


@dataclass(frozen=True)
class SignerLine:
    """How the signer block reads: authority line (may be empty), position, full name."""

    authority: str
    position: str
    name: str


def signer_line(
    role: str, name: str, position: str | None = None, authority: str | None = None, *, head_title: str = "GIÁM ĐỐC"
) -> SignerLine:
    """The signer block of a user: what they set, else the usual one for their role.

    A director who is not the head signs "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" (ký thay); a unit head signs
    "TL. GIÁM ĐỐC" (thừa lệnh) with their own position; the head signs with no authority line.
    """
    position = clean_line(position or "").upper()
    authority = clean_line(authority or "").upper() if authority is not None else None
    if not position:
        position = "PHÓ GIÁM ĐỐC" if role == "director" else "TRƯỞNG ĐƠN VỊ"
    if authority is None or authority == "":
        if position == head_title.upper():
            authority = ""
        elif role == "director":
            authority = f"KT. {head_title.upper()}"
        else:
            authority = f"TL. {head_title.upper()}"
    return SignerLine(authority, position, clean_line(name))


def default_subject(submitter: str) -> str:
    """The trích yếu of an answer letter."""
    return f"V/v trả lời phản ánh, kiến nghị của {clean_line(submitter)}"


def default_addressee(submitter_type: str, name: str, organization: str | None) -> str:
    """Kính gửi: the enterprise or organisation, else the citizen (Ông/Bà)."""
    if submitter_type == "enterprise" and organization:
        return clean_line(organization)
    return f"Ông/Bà {clean_line(name)}"


def submitter_label(submitter_type: str, name: str, organization: str | None) -> str:
    """How the letter names the submitter in its text."""
    if submitter_type == "enterprise" and organization:
        return clean_line(organization)
    return f"ông/bà {clean_line(name)}"


def default_recipients(unit_symbol: str | None) -> str:
    """Nơi nhận: the addressee first ("Như trên" is the submitter named after Kính gửi), then the file copy."""
    lines = ["Như trên", "Giám đốc Sở (để báo cáo)", "Văn phòng Sở (để công khai kết quả)"]
    lines.append(f"Lưu: VT, {unit_symbol}" if unit_symbol else "Lưu: VT")
    return "\n".join(lines)


def default_body(
    *,
    issuer_name: str,
    submitter: str,
    received_on: date,
    code: str,
    title: str,
    content: str,
    answer: str | None = None,
) -> str:
    """A body with the parts an answer letter has: what was raised, the answer to each point, the legal
    basis, the conclusion and what the submitter can do if they disagree. The officer completes it."""
    raised = clean_line(content)
    if len(raised) > 600:
        raised = raised[:600].rsplit(" ", 1)[0] + " …"
    issuer = issuer_name[:1].upper() + issuer_name[1:].lower() if issuer_name.isupper() else issuer_name
    parts = [
        f"Ngày {received_on:%d/%m/%Y}, {issuer} nhận được phản ánh, kiến nghị của {submitter} "
        f"(mã số {code}) về việc: {clean_line(title)}. Nội dung phản ánh, kiến nghị: {raised}",
        f"Sau khi xem xét, {issuer} trả lời như sau:",
        (answer or "").strip() or "1. Về nội dung thứ nhất: …",
        "Căn cứ pháp lý: …",
        "Kết luận: …",
        "Trường hợp chưa đồng ý với nội dung trả lời, Quý vị có thể phản hồi qua trang theo dõi "
        f"phản ánh, kiến nghị (mã số {code}) hoặc gửi văn bản đến {issuer} để được xem xét theo quy định.",
        f"{issuer} trả lời để {submitter} được biết./.",
    ]
    return "\n".join(parts)


# --------------------------------------------------------------- periodic reports (the plan, section III)


@dataclass(frozen=True)
class ReportDue:
    """A periodic report to the provincial People's Committee and the last day it may be sent."""

    key: str  # "2026-q4" or "2026"
    year: int
    quarter: int | None
    due: date  # the last day "before the 10th" (before 05/12 for the yearly one)

    @property
    def label(self) -> str:
        return f"quý {self.quarter}/{self.year}" if self.quarter else f"năm {self.year}"


def reports_due(year: int) -> list[ReportDue]:
    """The year's reports in date order: quarterly before the 10th of the quarter's last month, yearly
    before 05/12 ("before" the day: the last day is the day before)."""
    items = [ReportDue(f"{year}-q{q}", year, q, date(year, 3 * q, 10) - timedelta(days=1)) for q in (1, 2, 3, 4)]
    items.append(ReportDue(str(year), year, None, date(year, 12, 5) - timedelta(days=1)))
    return sorted(items, key=lambda r: (r.due, r.key))


def reminder_day(due: date, cal: WorkCalendar, working_days: int = 5) -> date:
    """The working day `working_days` working days before `due` (the day the office is reminded)."""
    day = due
    counted = 0
    while counted < working_days:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            counted += 1
    return day


def reports_to_remind(today: date, cal: WorkCalendar, working_days: int = 5) -> list[ReportDue]:
    """Reports whose reminder day has come and whose due day has not passed (so a late sweep still reminds)."""
    out = []
    for year in (today.year, today.year + 1):
        for item in reports_due(year):
            if reminder_day(item.due, cal, working_days) <= today <= item.due:
                out.append(item)
    return out
