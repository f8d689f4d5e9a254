"""The clock: the current time in UTC and in local time, and the time-zone conversions. Views, commands
and the scheduler read the clock here and pass `now` (or `today`) to the services."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def tz() -> ZoneInfo:
    """The configured local timezone (Asia/Ho_Chi_Minh by default)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def utcnow() -> datetime:
    """Now as naive UTC, the form the database stores.

    Under testing only, `CLOCK_NOW` (a naive-UTC datetime in the app's config) stands for the clock, so
    a page can be looked at "on Saturday 28/11/2026" as a person would; production never reads it.
    """
    if has_app_context() and current_app.testing and current_app.config.get("CLOCK_NOW") is not None:
        return current_app.config["CLOCK_NOW"]
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """A naive-UTC (or aware) timestamp as local wall time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz())


def to_utc_naive(moment: datetime) -> datetime:
    """An aware timestamp (or naive local wall time) as naive UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz())
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_today(moment: datetime | None = None) -> date:
    """Today's local date (or the local date of `moment`, naive UTC)."""
    return to_local(moment or utcnow()).date()


def parse_day(text: str | None) -> date | None:
    """A day typed as dd/mm/yyyy (forms) or YYYY-MM-DD (date inputs, the API, the CLI); None when it
    is neither. The one date parser: callers say what a bad date means to them."""
    text = (text or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_now(value: str | None) -> datetime:
    """Parse a `--now` ISO-8601 option into naive UTC; a value without offset is local time.

    :raises ValueError: when the text is not ISO-8601.
    """
    if not value:
        return utcnow()
    return to_utc_naive(datetime.fromisoformat(value))
