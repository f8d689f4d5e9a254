"""Report periods (DESIGN §8): a calendar quarter or year, the 15th-to-14th cut-off periods of Nghị định
09/2019/NĐ-CP, or any from/to.

Pure: no Flask, no database, no clock. Texts are gettext message ids (marked with `N_`); a period
carries the `translate` function of whoever made it (the services pass the web's gettext), so its
label is in the reader's language while this module stays free of Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
MAX_SPAN_DAYS = 3660  # a custom period covers at most ten years


def N_(text: str) -> str:
    """Mark a message id for extraction; translated where it is shown."""
    return text


def _same(text: str) -> str:
    return text


class PeriodError(ValueError):
    """A period that cannot be: the message id of the reason and the form field it belongs to."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Period:
    """A reporting period: tickets received from `start` to `end`, both inclusive."""

    start: date
    end: date
    year: int | None = None
    quarter: int | None = None
    cutoff: bool = False
    translate: Callable[[str], str] = field(default=_same, compare=False, repr=False)

    @property
    def label(self) -> str:
        """e.g. "Quý I năm 2026 (01/01/2026 – 31/03/2026)", in the language of `translate`."""
        span = f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"
        if self.year and self.quarter:
            return self.translate(N_("Quý %(q)s năm %(y)d (%(span)s)")) % dict(
                q=ROMAN[self.quarter], y=self.year, span=span
            )
        if self.year:
            return self.translate(N_("Năm %(y)d (%(span)s)")) % dict(y=self.year, span=span)
        return self.translate(N_("Từ %(start)s đến %(end)s")) % dict(
            start=f"{self.start:%d/%m/%Y}", end=f"{self.end:%d/%m/%Y}"
        )

    @property
    def slug(self) -> str:
        """A short name for export files, e.g. 2026-Q1-ky15 or 2026-01-01_2026-03-31."""
        if self.year:
            text = f"{self.year}" + (f"-Q{self.quarter}" if self.quarter else "")
            return text + ("-ky15" if self.cutoff else "")
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def as_of(self, today: date) -> date:
        """The day the period's figures stand on: its last day, or today while it runs."""
        return min(self.end, today)


def last_day(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def quarter_of(d: date) -> int:
    return (d.month - 1) // 3 + 1


def period_for(
    year: int, quarter: int | None = None, cutoff: bool = False, *, translate: Callable[[str], str] = _same
) -> Period:
    """The calendar quarter/year, or with `cutoff` the 15th-to-14th period of NĐ 09/2019.

    With the cut-off a quarter runs from the 15th of the month before it to the 14th of its last
    month (Q1: 15/12 of the previous year to 14/03) and a year from 15/12 of the previous year to 14/12.

    :raises PeriodError: for a year or quarter out of range.
    """
    if not 2000 <= year <= 2100:
        raise PeriodError(N_("Năm không hợp lệ."), "year")
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise PeriodError(N_("Quý phải là 1, 2, 3 hoặc 4."), "quarter")
    if quarter is None:
        if cutoff:
            return Period(date(year - 1, 12, 15), date(year, 12, 14), year, None, True, translate)
        return Period(date(year, 1, 1), date(year, 12, 31), year, None, False, translate)
    first_month = 3 * quarter - 2
    last_month = 3 * quarter
    if cutoff:
        start = date(year - 1, 12, 15) if quarter == 1 else date(year, first_month - 1, 15)
        return Period(start, date(year, last_month, 14), year, quarter, True, translate)
    return Period(date(year, first_month, 1), last_day(year, last_month), year, quarter, False, translate)


def custom_period(start: date, end: date, *, translate: Callable[[str], str] = _same) -> Period:
    """A from/to period (both days included).

    :raises PeriodError: when `end` is before `start` or the span exceeds ten years.
    """
    if end < start:
        raise PeriodError(N_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."), "to")
    if (end - start).days > MAX_SPAN_DAYS:
        raise PeriodError(N_("Khoảng thời gian báo cáo tối đa là 10 năm."), "to")
    return Period(start, end, translate=translate)
