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

    def action_label(key: str) -> str:
        if key == "submit":
            return "Tiếp nhận" if current_locale() == "vi" else "Received"
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
        action_label=action_label, localized=localized,
    )
    def has_endpoint(name: str) -> bool:
        return name in app.view_functions

    def this_page() -> str:
        """This page's own path if it is a plain local path, else "/". Not its query: a search or
        tracking query may hold personal data that the page must not echo."""
        from flask import request

        from .public.views import local_path

        return local_path(request.path)

    app.jinja_env.globals.update(current_locale=current_locale, states=states, has_endpoint=has_endpoint,
                                 this_page=this_page)
