"""Template filters and globals: local dates, labels from the domain tables, locale."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import get_locale

from .domain import states
from .timeutil import to_local


def current_locale() -> str:
    return str(get_locale() or "vi")


def fmt_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy; a timestamp is first turned into local time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in local time."""
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")


def register(app: Flask) -> None:
    """Install the filters and globals."""
    app.add_template_filter(fmt_date, "date")
    app.add_template_filter(fmt_datetime, "datetime")

    def state_label(key: str) -> str:
        return states.label(states.STATE_LABELS, key, current_locale())

    def kind_label(key: str) -> str:
        return states.label(states.KIND_LABELS, key, current_locale())

    def role_label(key: str) -> str:
        return states.label(states.ROLE_LABELS, key, current_locale())

    def channel_label(key: str) -> str:
        return states.label(states.CHANNEL_LABELS, key, current_locale())

    def submitter_type_label(key: str) -> str:
        return states.label(states.SUBMITTER_TYPE_LABELS, key, current_locale())

    def regime_label(key: str | None) -> str:
        return states.label(states.REGIME_LABELS, key or "default", current_locale())

    def standing_label(key: str) -> str:
        from .domain.outcomes import STANDING_LABELS
        return states.label(STANDING_LABELS, key, current_locale())

    def on_time(ticket) -> bool | None:
        """The on-time verdict of an answered ticket (domain/outcomes.py); None while unanswered."""
        from .domain.outcomes import verdict
        if ticket is None:
            return None
        return verdict(ticket.on_time, ticket.answered_on, ticket.due_date)

    def action_label(key: str) -> str:
        if key in states.EVENT_LABELS:
            return states.label(states.EVENT_LABELS, key, current_locale())
        transition = states.TRANSITIONS.get(key)
        if transition is None:
            return key
        return transition.label[1] if current_locale() == "en" else transition.label[0]

    def localized(obj, attr: str = "name") -> str:
        """An object's English name in English when it has one, else its Vietnamese name."""
        if current_locale() == "en":
            return getattr(obj, f"{attr}_en", None) or getattr(obj, attr)
        return getattr(obj, attr)

    def due_explanation(ticket) -> str:
        """The written-deadline explanation in the current language (Vietnamese when no English)."""
        if ticket is None:
            return ""
        if current_locale() == "en" and getattr(ticket, "due_explanation_en", None):
            return ticket.due_explanation_en
        return ticket.due_explanation or ""

    def event_message(entry) -> str:
        """A timeline event's message in the current language: system sentences are stored in both
        languages (details["message_en"]); what a person typed is shown as typed."""
        if entry is None:
            return ""
        if current_locale() == "en":
            english = (entry.details or {}).get("message_en")
            if english:
                return english
        return entry.message or ""

    app.jinja_env.filters.update(
        event_message=event_message, due_explanation=due_explanation, state_label=state_label, kind_label=kind_label, role_label=role_label,
        channel_label=channel_label, submitter_type_label=submitter_type_label,
        action_label=action_label, localized=localized, regime_label=regime_label, standing_label=standing_label, on_time=on_time,
    )
    def has_endpoint(name: str) -> bool:
        return name in app.view_functions

    app.jinja_env.globals.update(current_locale=current_locale, states=states, has_endpoint=has_endpoint)
