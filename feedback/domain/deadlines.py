"""Deadline arithmetic the way Vietnamese law counts it (DESIGN §5).

Pure: no Flask, no database, no clock. The working calendar is weekends plus Vietnamese public
holidays from the `holidays` package (country VN, lunar Tết included) plus announced overrides.
Counting follows the Civil Code 2015 art. 147-148: the day of receipt is not counted, and a period
ending on a day off ends on the next working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
DAY_UNITS = (WORKING_DAYS, CALENDAR_DAYS)

# Names the `holidays` package gives in English, shown in Vietnamese in explanations.
_HOLIDAY_NAMES_VI = {
    "New Year's Day": "Tết Dương lịch",
    "Lunar New Year": "Tết Nguyên đán",
    "Hung Kings' Commemoration Day": "Giỗ Tổ Hùng Vương",
    "Liberation Day/Reunification Day": "Ngày Giải phóng miền Nam, thống nhất đất nước",
    "International Labor Day": "Ngày Quốc tế Lao động",
    "National Day": "Quốc khánh",
    "Vietnam Cultural Day": "Ngày Văn hóa Việt Nam",
    "Day off": "Ngày nghỉ hoán đổi",
}


def fmt(d: date) -> str:
    """A date as dd/mm/yyyy, the form every document uses."""
    return d.strftime("%d/%m/%Y")


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> dict[date, str]:
    # The package computes lunar dates; caching per year keeps sweeps over many tickets cheap.
    return dict(holidays.country_holidays("VN", years=year).items())


@lru_cache(maxsize=64)
def _vn_weekend_workdays(year: int) -> frozenset[date]:
    cal = holidays.country_holidays("VN", years=year)
    return frozenset(d for d in getattr(cal, "weekend_workdays", set()) if d.year == year)


@dataclass(frozen=True)
class Rule:
    """A deadline rule: `amount` days in `unit`, with its legal basis."""

    amount: int
    unit: str = CALENDAR_DAYS
    legal_basis: str = ""

    def __post_init__(self) -> None:
        if self.unit not in DAY_UNITS:
            raise ValueError(f"unit must be one of {DAY_UNITS}")
        if self.amount < 0:
            raise ValueError("amount must not be negative")


@dataclass
class WorkCalendar:
    """Working days: Monday-Friday, less VN public holidays and extra days off, plus swapped working days."""

    extra_days_off: Iterable[date] = ()
    extra_working_days: Iterable[date] = ()
    notes: dict[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.extra_days_off = frozenset(self.extra_days_off)
        self.extra_working_days = frozenset(self.extra_working_days)

    def holiday_name(self, d: date, locale: str = "vi") -> str | None:
        """The reason `d` is a day off, or None when it is a working day or a plain weekend."""
        if d in self.extra_working_days:
            return None
        if d in self.extra_days_off:
            return self.notes.get(d) or ("Ngày nghỉ bổ sung" if locale == "vi" else "Extra day off")
        name = _vn_holidays(d.year).get(d)
        if not name:
            return None
        if locale != "vi":
            return name
        for english, vietnamese in _HOLIDAY_NAMES_VI.items():
            if name.startswith(english) or english in name:
                return vietnamese + (" (nghỉ bù)" if "observed" in name else "")
        return name

    def is_working_day(self, d: date) -> bool:
        """Whether civil servants work on `d`."""
        if d in self.extra_working_days:
            return True
        if d in self.extra_days_off:
            return False
        if d in _vn_weekend_workdays(d.year):
            return True
        if d.weekday() >= 5:
            return False
        return not _vn_holidays(d.year).get(d)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        d += timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def on_or_after(self, d: date) -> date:
        """`d` if it is a working day, else the next one."""
        return d if self.is_working_day(d) else self.next_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself not counted); n may be negative."""
        d = start
        if n >= 0:
            for _ in range(n):
                d = self.next_working_day(d)
            return d
        for _ in range(-n):
            d -= timedelta(days=1)
            while not self.is_working_day(d):
                d -= timedelta(days=1)
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        d = start
        while d < end:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return sign * count

    def working_days_in(self, first: date, last: date) -> list[date]:
        """Every working day from `first` to `last` inclusive (for calendar previews)."""
        days = []
        d = first
        while d <= last:
            if self.is_working_day(d):
                days.append(d)
            d += timedelta(days=1)
        return days


@dataclass(frozen=True)
class Deadline:
    """A computed deadline with the facts that explain it."""

    due: date
    received_on: date
    rule: Rule
    raw_end: date  # where the count ended before moving off days off
    moved_reason: tuple[str, str] | None  # why raw_end was a day off (vi, en), if it was

    def explain(self, locale: str = "vi") -> str:
        """A sentence a submitter can check by hand."""
        if locale == "vi":
            unit = "ngày làm việc" if self.rule.unit == WORKING_DAYS else "ngày"
            text = f"{self.rule.amount} {unit} kể từ ngày tiếp nhận {fmt(self.received_on)}"
            if self.rule.legal_basis:
                text += f" theo {self.rule.legal_basis}"
            text += " (không tính ngày tiếp nhận)"
            if self.raw_end != self.due:
                text += f"; {fmt(self.raw_end)} là {self.moved_reason[0]} nên hạn chuyển sang {fmt(self.due)}"
            else:
                text += f": hạn là {fmt(self.due)}"
            return text + "."
        unit = "working days" if self.rule.unit == WORKING_DAYS else "calendar days"
        text = f"{self.rule.amount} {unit} from receipt on {fmt(self.received_on)}"
        if self.rule.legal_basis:
            text += f" per {self.rule.legal_basis}"
        text += " (the day of receipt not counted)"
        if self.raw_end != self.due:
            text += f"; {fmt(self.raw_end)} is {self.moved_reason[1]} ⇒ {fmt(self.due)}"
        else:
            text += f": due {fmt(self.due)}"
        return text + "."


def _day_off_reason(d: date, cal: WorkCalendar, locale: str) -> str:
    name = cal.holiday_name(d, locale)
    if name:
        return (f"ngày nghỉ ({name})" if locale == "vi" else f"a holiday ({name})")
    weekday = ("thứ Bảy", "Chủ nhật") if locale == "vi" else ("a Saturday", "a Sunday")
    if d.weekday() == 5:
        return weekday[0]
    if d.weekday() == 6:
        return weekday[1]
    return "ngày nghỉ" if locale == "vi" else "a day off"


def due_date(received_on: date, rule: Rule, cal: WorkCalendar) -> Deadline:
    """The deadline of `rule` counted from `received_on` (that day not counted, end moved off days off)."""
    if rule.unit == WORKING_DAYS:
        raw_end = cal.add_working_days(received_on, rule.amount)
    else:
        raw_end = received_on + timedelta(days=rule.amount)
    due = cal.on_or_after(raw_end)
    reason = (_day_off_reason(raw_end, cal, "vi"), _day_off_reason(raw_end, cal, "en")) if due != raw_end else None
    return Deadline(due=due, received_on=received_on, rule=rule, raw_end=raw_end, moved_reason=reason)


def parse_office_hours(spec: str) -> tuple[time, time]:
    """Parse "07:30-17:00" into (start, end).

    :raises ValueError: when the text is not two HH:MM times with start before end.
    """
    try:
        start_text, end_text = spec.split("-")
        start = time.fromisoformat(start_text.strip())
        end = time.fromisoformat(end_text.strip())
    except ValueError as exc:
        raise ValueError(f"office hours must look like 07:30-17:00, not {spec!r}") from exc
    if start >= end:
        raise ValueError("office hours must start before they end")
    return start, end


def receipt_date(local_moment: datetime, cal: WorkCalendar, office_hours: tuple[time, time] | None) -> date:
    """The legal date of receipt of something that arrived at `local_moment` (local wall time).

    During office hours on a working day it is that day. After hours, or on a day off, it counts as
    received on the next working day; before opening on a working day it is that same day. With
    `office_hours` None the calendar date is taken as it is.
    """
    d = local_moment.date()
    if office_hours is None:
        return d
    if not cal.is_working_day(d):
        return cal.next_working_day(d)
    if local_moment.time() >= office_hours[1]:
        return cal.next_working_day(d)
    return d


def shift_for_pause(due: date, paused_on: date, resumed_on: date, cal: WorkCalendar) -> tuple[date, int]:
    """Move a due date by the working days a ticket waited for the submitter.

    Returns the new due date and the number of paused working days ((paused_on, resumed_on]).
    """
    paused = max(0, cal.working_days_between(paused_on, resumed_on))
    if paused == 0:
        return due, 0
    return cal.add_working_days(due, paused), paused


def working_days_late(due: date, on: date, cal: WorkCalendar) -> int:
    """Working days from `due` to `on`: positive when late, negative when days remain."""
    return cal.working_days_between(due, on)
