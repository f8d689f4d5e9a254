"""Deadline arithmetic the way Vietnamese law counts it (DESIGN §5).

Pure: no Flask, no database, no clock. The working calendar has three layers, the later winning:

1. the statutory days of the `holidays` package (country VN, lunar Tết included): the fallback;
2. the official calendar shipped with the product (`feedback/data/official_calendar.json`): the days
   off and swapped working days the Government announced for a year, each with its document;
3. the administrator's overrides (an announcement entered on the calendar page, or a single day).

Counting follows the Civil Code 2015 art. 147-148: the day of receipt is not counted, and a period
ending on a day off ends on the next working day. Names of days never depend on the server's locale:
the package is always asked in English and the Vietnamese names are ours.

Working-day arithmetic is O(log n): the calendar keeps a sorted array of the working days of the years
it has been asked about and answers counts and offsets with `bisect`.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays

from .legal import citation
from .states import DAY_UNIT_LABELS, OCCASION_LABELS

WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
DAY_UNITS = (WORKING_DAYS, CALENDAR_DAYS)

ANNOUNCED = "announced"
ESTIMATED = "estimated"

# The English names the `holidays` package gives (asked with language="en_US"), by prefix.
_PACKAGE_OCCASIONS = (
    ("New Year's Day", "new_year"),
    ("29 of Lunar New Year", "tet"),
    ("Lunar New Year", "tet"),
    ("Second Day of Lunar New Year", "tet"),
    ("Third Day of Lunar New Year", "tet"),
    ("Fourth Day of Lunar New Year", "tet"),
    ("Fifth Day of Lunar New Year", "tet"),
    ("Sixth Day of Lunar New Year", "tet"),
    ("Hung Kings", "hung_kings"),
    ("Liberation Day", "reunification"),
    ("International Labor Day", "labour_day"),
    ("National Day", "national_day"),
    ("Vietnam Cultural Day", "culture_day"),
    ("Day off (substituted", "swap"),
)


def fmt(d: date) -> str:
    """A date as dd/mm/yyyy, the form every document uses."""
    return d.strftime("%d/%m/%Y")


def _short(d: date) -> str:
    return d.strftime("%d/%m")


@dataclass(frozen=True)
class Document:
    """The act that announced a day: number, date, issuer (e.g. Công văn 12729/VPCP-KGVX of the VPCP)."""

    number: str
    issued_on: date | None = None
    issuer_vi: str = ""
    issuer_en: str = ""
    type_vi: str = "Văn bản"
    type_en: str = "Document"

    def cite(self, locale: str = "vi") -> str:
        """ "Công văn 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ", or its English form."""
        if locale == "vi":
            text = f"{self.type_vi} {self.number}".strip()
            if self.issued_on:
                text += f" ngày {fmt(self.issued_on)}"
            if self.issuer_vi:
                text += f" của {self.issuer_vi}"
            return text
        text = f"{self.type_en} {self.number}".strip()
        if self.issued_on:
            text += f" of {fmt(self.issued_on)}"
        if self.issuer_en or self.issuer_vi:
            text += f", {self.issuer_en or self.issuer_vi}"
        return text


@dataclass(frozen=True)
class DayEntry:
    """An announced day: off (`working` False) or a swapped working day, why, and by which document."""

    day: date
    working: bool
    occasion: str = "extra"
    name_vi: str = ""
    name_en: str = ""
    document: Document | None = None
    source: str = "official"  # statutory | official | override

    def name(self, locale: str = "vi") -> str:
        occasion = OCCASION_LABELS.get(self.occasion, OCCASION_LABELS["extra"])
        if locale == "vi":
            return self.name_vi or occasion.vi
        return self.name_en or self.name_vi or occasion.text(locale)


@lru_cache(maxsize=256)
def _package_days(year: int) -> tuple[tuple[date, ...], tuple[DayEntry, ...]]:
    """The package's statutory days of `year` (names asked in English, never the server's locale)."""
    cal = holidays.country_holidays("VN", years=year, language="en_US")
    entries = []
    for d, name in sorted(cal.items()):
        occasion = "extra"
        for prefix, key in _PACKAGE_OCCASIONS:
            if name.startswith(prefix):
                occasion = key
                break
        observed = "(observed" in name
        vi, en = OCCASION_LABELS[occasion].vi, OCCASION_LABELS[occasion].en
        if observed:
            vi, en = vi + " (nghỉ bù)", en + " (observed)"
        entries.append(DayEntry(d, False, occasion, vi, en, None, "statutory"))
    workdays = tuple(d for d in getattr(cal, "weekend_workdays", set()) if d.year == year)
    for d in workdays:
        entries.append(DayEntry(d, True, "working", source="statutory"))
    return workdays, tuple(entries)


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
    """Working days: Monday-Friday, less days off, plus swapped working days, in three layers.

    `official` is the shipped calendar (a list of DayEntry), `overrides` the administrator's entries
    (they win), `year_status` says which years are announced (missing years are estimated).
    `extra_days_off` / `extra_working_days` / `notes` are a shorthand for simple overrides.
    """

    extra_days_off: Iterable[date] = ()
    extra_working_days: Iterable[date] = ()
    notes: dict[date, str] = field(default_factory=dict)
    official: Iterable[DayEntry] = ()
    overrides: Iterable[DayEntry] = ()
    year_status: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        layered: dict[date, DayEntry] = {}
        for entry in self.official:
            layered[entry.day] = entry
        extra = [DayEntry(d, False, "extra", self.notes.get(d, ""), "", None, "override") for d in self.extra_days_off]
        extra += [
            DayEntry(d, True, "working", self.notes.get(d, ""), "", None, "override") for d in self.extra_working_days
        ]
        for entry in [*extra, *self.overrides]:
            layered[entry.day] = entry
        self._layered = layered
        self.extra_days_off = frozenset(d for d, e in layered.items() if not e.working and e.source == "override")
        self.extra_working_days = frozenset(d for d, e in layered.items() if e.working and e.source == "override")
        self.year_status = dict(self.year_status)
        self._years: tuple[int, int] | None = None
        self._ordinals: list[int] = []
        self._entries: dict[date, DayEntry] = {}

    # --- the layers --------------------------------------------------------------------------

    def _load(self, first_year: int, last_year: int) -> None:
        """Make sure the years first..last are in the working-day array."""
        if self._years and self._years[0] <= first_year and last_year <= self._years[1]:
            return
        lo = min(first_year, self._years[0]) if self._years else first_year
        hi = max(last_year, self._years[1]) if self._years else last_year
        entries: dict[date, DayEntry] = {}
        for year in range(lo, hi + 1):
            for entry in _package_days(year)[1]:
                entries[entry.day] = entry
        for d, entry in self._layered.items():
            if lo <= d.year <= hi:
                entries[d] = entry
        ordinals = []
        d = date(lo, 1, 1)
        end = date(hi, 12, 31)
        one = timedelta(days=1)
        while d <= end:
            found = entries.get(d)
            working = found.working if found is not None else d.weekday() < 5
            if working:
                ordinals.append(d.toordinal())
            d += one
        self._years = (lo, hi)
        self._ordinals = ordinals
        self._entries = entries

    def entry(self, d: date) -> DayEntry | None:
        """The announced or statutory entry of `d`, if any (None for an ordinary day)."""
        self._load(d.year, d.year)
        return self._entries.get(d)

    def is_working_day(self, d: date) -> bool:
        """Whether civil servants work on `d`."""
        entry = self.entry(d)
        if entry is not None:
            return entry.working
        return d.weekday() < 5

    def holiday_name(self, d: date, locale: str = "vi") -> str | None:
        """The reason `d` is a day off, or None when it is a working day or a plain weekend."""
        entry = self.entry(d)
        if entry is None or entry.working:
            return None
        return entry.name(locale)

    def year_is_estimated(self, year: int) -> bool:
        """Whether `year`'s days off are only the statutory estimate (no announcement entered)."""
        return self.year_status.get(year) != ANNOUNCED

    # --- arithmetic --------------------------------------------------------------------------

    def _count_through(self, d: date) -> int:
        """Working days from the start of the loaded range up to and including `d`."""
        return bisect_right(self._ordinals, d.toordinal())

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self.add_working_days(d, 1)

    def on_or_after(self, d: date) -> date:
        """`d` if it is a working day, else the next one."""
        return d if self.is_working_day(d) else self.next_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself not counted); n may be negative."""
        if n == 0:
            return start
        span = abs(n) // 200 + 2
        if n > 0:
            self._load(start.year, start.year + span)
            index = self._count_through(start) + n - 1
            while index >= len(self._ordinals):
                assert self._years is not None  # set by _load
                self._load(start.year, self._years[1] + span)
                index = self._count_through(start) + n - 1
            return date.fromordinal(self._ordinals[index])
        self._load(start.year - span, start.year)
        index = bisect_left(self._ordinals, start.toordinal()) + n
        while index < 0:
            assert self._years is not None  # set by _load
            self._load(self._years[0] - span, start.year)
            index = bisect_left(self._ordinals, start.toordinal()) + n
        return date.fromordinal(self._ordinals[index])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        self._load(start.year, end.year)
        return sign * (self._count_through(end) - self._count_through(start))

    def working_days_in(self, first: date, last: date) -> list[date]:
        """Every working day from `first` to `last` inclusive (for calendar previews)."""
        if last < first:
            return []
        self._load(first.year, last.year)
        lo = bisect_left(self._ordinals, first.toordinal())
        hi = bisect_right(self._ordinals, last.toordinal())
        return [date.fromordinal(o) for o in self._ordinals[lo:hi]]

    def exceptions(self, first_year: int, last_year: int) -> dict[str, str]:
        """Every day of the years whose status differs from the plain week: ISO date -> "off" | "work".

        The snapshot a recheck compares with the previous one to find the days that changed.
        """
        self._load(first_year, last_year)
        out = {}
        for d, entry in self._entries.items():
            if first_year <= d.year <= last_year and entry.working != (d.weekday() < 5):
                out[d.isoformat()] = "work" if entry.working else "off"
        return out

    # --- explaining --------------------------------------------------------------------------

    def day_off_label(self, d: date, locale: str = "vi") -> str:
        """Why `d` is not a working day, as it reads in a list ("nghỉ Tết Nguyên đán (...)", "cuối tuần")."""
        entry = self.entry(d)
        if entry is not None and not entry.working:
            name = entry.name(locale)
            if entry.document is not None:
                name += f" ({entry.document.cite(locale)})"
            return f"nghỉ {name}" if locale == "vi" and not name.startswith(("ngày", "Ngày nghỉ", "nghỉ")) else name
        return "cuối tuần" if locale == "vi" else "weekend"

    def days_off_groups(self, first: date, last: date, locale: str = "vi") -> list[str]:
        """The days off from `first` to `last`, grouped.

        E.g. ["16/02–20/02 nghỉ Tết Nguyên đán", "21/02–22/02 cuối tuần"].
        """
        groups: list[list[Any]] = []  # [first, last, why]
        d = first
        while d <= last:
            if not self.is_working_day(d):
                why = self.day_off_label(d, locale)
                if groups and groups[-1][2] == why and groups[-1][1] == d - timedelta(days=1):
                    groups[-1][1] = d
                else:
                    groups.append([d, d, why])
            d += timedelta(days=1)
        return [(f"{_short(a)}–{_short(b)}" if a != b else _short(a)) + f" {why}" for a, b, why in groups]

    def worked_weekend_days(self, first: date, last: date, locale: str = "vi") -> list[str]:
        """The swapped working weekend days from `first` to `last`, with their documents."""
        out = []
        d = first
        while d <= last:
            if d.weekday() >= 5 and self.is_working_day(d):
                entry = self.entry(d)
                doc = f" ({entry.document.cite(locale)})" if entry and entry.document else ""
                out.append(f"{_short(d)}{doc}")
            d += timedelta(days=1)
        return out


@dataclass(frozen=True)
class Deadline:
    """A computed deadline with the facts that explain it."""

    due: date
    received_on: date
    rule: Rule
    raw_end: date  # where the count ended before moving off days off
    groups_vi: tuple[str, ...] = ()  # days off met, grouped
    groups_en: tuple[str, ...] = ()
    worked_vi: tuple[str, ...] = ()  # swapped working weekend days counted
    worked_en: tuple[str, ...] = ()
    estimated_years: tuple[int, ...] = ()
    counted_from: str = "receipt"  # receipt | answer
    receipt_note: tuple[str, str] | None = None  # why the day of receipt is not the day it arrived

    def with_receipt_note(self, note: tuple[str, str] | None) -> Deadline:
        return replace(self, receipt_note=note)

    def explain(self, locale: str = "vi") -> str:
        """Sentences a submitter can check by hand."""
        vi = locale == "vi"
        parts = []
        if self.receipt_note:
            parts.append(self.receipt_note[0 if vi else 1])
        unit = DAY_UNIT_LABELS[WORKING_DAYS if self.rule.unit == WORKING_DAYS else CALENDAR_DAYS].text(
            "vi" if vi else "en"
        )
        receipt = self.counted_from == "receipt"
        if vi:
            start = "ngày tiếp nhận" if receipt else "ngày trả lời"
            basis = f" theo {self.rule.legal_basis}" if self.rule.legal_basis else ""
            text = f"{self.rule.amount} {unit} kể từ {start} {fmt(self.received_on)}{basis} (không tính {start})"
        else:
            start = "receipt" if receipt else "the answer"
            basis = f" per {citation(self.rule.legal_basis, 'en')}" if self.rule.legal_basis else ""
            text = (
                f"{self.rule.amount} {unit} from {start} on {fmt(self.received_on)}{basis}"
                f" (the day of {start} not counted)"
            )
        groups = self.groups_vi if vi else self.groups_en
        worked = self.worked_vi if vi else self.worked_en
        if self.rule.unit == WORKING_DAYS:
            if groups:
                text += ("; không tính các ngày nghỉ: " if vi else "; days off not counted: ") + "; ".join(groups)
            if worked:
                text += ("; có tính ngày làm việc bù " if vi else "; make-up working days counted: ") + ", ".join(
                    worked
                )
            text += f": hạn là {fmt(self.due)}." if vi else f": due {fmt(self.due)}."
        elif self.raw_end != self.due:
            if vi:
                text += (
                    f"; ngày cuối {fmt(self.raw_end)} là ngày nghỉ nên hạn chuyển sang ngày làm việc kế tiếp"
                    f" ({'; '.join(groups)}): hạn là {fmt(self.due)}."
                )
            else:
                kind = "a holiday" if not self._weekend_only() else "a weekend day"
                text += (
                    f"; {fmt(self.raw_end)} is {kind}, so the deadline moves to the next working day"
                    f" ({'; '.join(groups)}) ⇒ due {fmt(self.due)}."
                )
        else:
            text += f": hạn là {fmt(self.due)}." if vi else f": due {fmt(self.due)}."
        parts.append(text)
        if self.estimated_years:
            years = ", ".join(str(y) for y in self.estimated_years)
            parts.append(
                f"Hạn này là dự kiến: lịch nghỉ năm {years} chưa được công bố chính thức."
                if vi
                else f"This date is provisional: the {years} holiday calendar has not been officially announced."
            )
        return " ".join(parts)

    def _weekend_only(self) -> bool:
        return all(g.endswith("weekend") for g in self.groups_en)


def due_day(start: date, rule: Rule, cal: WorkCalendar) -> date:
    """Only the date `due_date` gives (no explanation): for rechecks over many tickets."""
    if rule.unit == WORKING_DAYS:
        return cal.on_or_after(cal.add_working_days(start, rule.amount))
    return cal.on_or_after(start + timedelta(days=rule.amount))


def due_date(received_on: date, rule: Rule, cal: WorkCalendar, *, counted_from: str = "receipt") -> Deadline:
    """The deadline of `rule` counted from `received_on` (that day not counted, end moved off days off)."""
    if rule.unit == WORKING_DAYS:
        raw_end = cal.add_working_days(received_on, rule.amount)
        first = received_on + timedelta(days=1)
    else:
        raw_end = received_on + timedelta(days=rule.amount)
        first = raw_end
    due = cal.on_or_after(raw_end)
    last = due - timedelta(days=1)
    worked: tuple[list[str], list[str]] = ([], [])
    if rule.unit == WORKING_DAYS:
        worked = (cal.worked_weekend_days(first, due, "vi"), cal.worked_weekend_days(first, due, "en"))
    estimated = tuple(y for y in range(received_on.year, due.year + 1) if cal.year_is_estimated(y))
    return Deadline(
        due=due,
        received_on=received_on,
        rule=rule,
        raw_end=raw_end,
        groups_vi=tuple(cal.days_off_groups(first, last, "vi")),
        groups_en=tuple(cal.days_off_groups(first, last, "en")),
        worked_vi=tuple(worked[0]),
        worked_en=tuple(worked[1]),
        estimated_years=estimated,
        counted_from=counted_from,
    )


OFFICIAL_CALENDAR = Path(__file__).resolve().parent.parent / "data" / "official_calendar.json"


@lru_cache(maxsize=4)
def load_official(path: str = str(OFFICIAL_CALENDAR)) -> tuple[tuple[DayEntry, ...], dict[int, str], str]:
    """The official calendar shipped with the product: (entries, year -> announced/estimated, version).

    Static data read once, like the `holidays` package's own tables.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    documents = {}
    for number, doc in data.get("documents", {}).items():
        documents[number] = Document(
            number,
            date.fromisoformat(doc["date"]) if doc.get("date") else None,
            doc.get("issuer_vi", ""),
            doc.get("issuer_en", ""),
            doc.get("type_vi", "Văn bản"),
            doc.get("type_en", "Document"),
        )
    entries = []
    for day in data.get("days", []):
        if day.get("type") not in ("day_off", "working_day"):
            raise ValueError(f"official calendar: bad type for {day.get('date')}")
        entries.append(
            DayEntry(
                date.fromisoformat(day["date"]),
                day["type"] == "working_day",
                day.get("occasion", "extra"),
                day.get("name_vi", ""),
                day.get("name_en", ""),
                documents.get(day.get("document", "")),
                "official",
            )
        )
    years = {int(y): status for y, status in data.get("years", {}).items()}
    return tuple(entries), years, str(data.get("version", ""))


def shipped_calendar(overrides: Iterable[DayEntry] = (), **kwargs: Any) -> WorkCalendar:
    """The calendar as shipped (statutory days and the official calendar), with optional overrides."""
    entries, years, _version = load_official()
    kwargs.setdefault("year_status", years)
    return WorkCalendar(official=entries, overrides=overrides, **kwargs)


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


_WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_WEEKDAYS_EN = ("a Monday", "a Tuesday", "a Wednesday", "a Thursday", "a Friday", "a Saturday", "a Sunday")


def receipt(
    local_moment: datetime, cal: WorkCalendar, office_hours: tuple[time, time] | None
) -> tuple[date, tuple[str, str] | None]:
    """The legal date of receipt of something that arrived at `local_moment` (local wall time), and why
    it differs from the day it arrived (vi, en), if it does.

    During office hours on a working day it is that day. After hours, or on a day off, it counts as
    received on the next working day; before opening on a working day it is that same day. With
    `office_hours` None the calendar date is taken as it is.
    """
    d = local_moment.date()
    if office_hours is None:
        return d, None
    at = local_moment.strftime("%H:%M")
    if not cal.is_working_day(d):
        day = cal.next_working_day(d)
        name = cal.holiday_name(d, "vi")
        name_en = cal.holiday_name(d, "en")
        why_vi = f"ngày nghỉ {name}" if name else _WEEKDAYS_VI[d.weekday()]
        why_en = f"a day off ({name_en})" if name_en else _WEEKDAYS_EN[d.weekday()]
        return day, (
            f"Nộp vào {why_vi} {fmt(d)}, không phải ngày làm việc, nên ngày tiếp nhận là {fmt(day)}.",
            f"Submitted on {why_en}, {fmt(d)}, not a working day, so it counts as received on {fmt(day)}.",
        )
    if local_moment.time() >= office_hours[1]:
        day = cal.next_working_day(d)
        end = office_hours[1].strftime("%H:%M")
        return day, (
            f"Nộp lúc {at} ngày {fmt(d)}, ngoài giờ làm việc (sau {end}), nên ngày tiếp nhận là {fmt(day)}.",
            f"Submitted at {at} on {fmt(d)}, after office hours (after {end}), so it counts as received on {fmt(day)}.",
        )
    return d, None


def receipt_date(local_moment: datetime, cal: WorkCalendar, office_hours: tuple[time, time] | None) -> date:
    """The legal date of receipt of something that arrived at `local_moment` (see `receipt`)."""
    return receipt(local_moment, cal, office_hours)[0]


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
