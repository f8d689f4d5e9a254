"""The locale and time-zone selectors Flask-Babel asks on every request."""

from __future__ import annotations

from flask import request, session


def select_locale() -> str:
    """Locale: ?lang= (remembered in the session), then the user's choice, then Vietnamese.

    A GET only ever changes this browser's session; the account's stored language (also that of
    its e-mails) changes by the POST of the language switch (public.set_language).
    """
    from flask import has_request_context
    from flask_login import current_user

    if not has_request_context():  # CLI commands and jobs: the default language
        return "vi"
    lang = request.args.get("lang")
    if lang in ("vi", "en"):
        session["lang"] = lang
        return lang
    if session.get("lang") in ("vi", "en"):
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in ("vi", "en"):
        return current_user.locale
    return "vi"


def select_timezone() -> str:
    from flask import current_app

    return current_app.config["TIMEZONE"]
