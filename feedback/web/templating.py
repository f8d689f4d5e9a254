"""Template filters and globals: local dates, labels from the domain tables, locale."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, g, has_app_context, request
from flask_babel import format_decimal, get_locale, get_translations
from flask_babel import gettext as _
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

from ..domain import legal, states
from ..timeutil import to_local


def _in_force() -> tuple:
    """(locale, its translations, its code) of the language in force, found once per locale and app
    context: Flask-Babel's `get_translations()` reads its context three times and formats the locale's
    code for every string, and a staff page has some eighty. Kept on `g` with the locale object it was
    found for, so a `force_locale` block (a new locale object, the old one put back after) gets its own."""
    if not has_app_context():
        return (None, get_translations(), "vi")
    here = g._get_current_object()
    found = getattr(here, "_feedback_i18n", None)
    # Flask-Babel keeps the locale in force in g._flask_babel.babel_locale (force_locale sets it there);
    # should that change, the look-up below runs for every string, as it did before.
    if found is not None and found[0] is getattr(getattr(here, "_flask_babel", None), "babel_locale", None):
        return found
    locale = get_locale()
    found = here._feedback_i18n = (locale, get_translations(), str(locale or "vi"))
    return found


_NUMBERS = (int, float, Decimal)


def current_locale() -> str:
    return str(_in_force()[2])


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables) -> str:
    """`_()` and `gettext()` in templates: what Jinja's i18n extension does with Flask-Babel's callables
    (translate, mark safe under autoescape, always `%`-format), in one call instead of three, and with
    the evaluation context only (a context function called in a block with variables of its own gets a
    copy of the whole context on every call)."""
    text = _in_force()[1].ugettext(string)
    if "%" not in text:  # nothing to format: `text % variables` would give it back unchanged
        return Markup(text) if eval_ctx.autoescape else text
    if not eval_ctx.autoescape:
        return text % variables
    # What `Markup(text) % variables` gives, at a third of its cost on a staff page: every value is
    # escaped but numbers, which `%d` and `%.1f` need as numbers (escaping a number changes nothing).
    return Markup(text % {k: v if isinstance(v, _NUMBERS) else escape(v) for k, v in variables.items()})


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


def fmt_number(value, digits: int = 0) -> str:
    """A number in the page's language: 1.234,5 in Vietnamese, 1,234.5 in English."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def fmt_percent(value, digits: int = 1) -> str:
    """A share (0..1) as a percentage in the page's language: "93,8 %" in Vietnamese, "93.8%" in English."""
    if value is None:
        return "—"
    number = format_decimal(value * 100, format="#,##0" + ("." + "0" * digits if digits else ""))
    return f"{number}%" if current_locale() == "en" else f"{number} %"


def ugettext(string: str, **variables) -> str:
    """Flask-Babel's `gettext` for code on a page's path, at a tenth of its cost: the translations in
    force are found once per request (`_in_force`), not for every string."""
    text = _in_force()[1].ugettext(string)
    return text % variables if variables else text


def standing_badge(s, ticket=None, long: bool = False) -> Markup:
    """Where a ticket stands (feedback/domain/outcomes.py) as its badge: one rendering for the queue and the
    ticket page (`long`: "working days" written out). Rendered here rather than by a
    template macro: the queue shows one per row, and a macro call costs a page a millisecond."""
    status = s.status
    if status == "overdue":
        css, text = (
            "danger",
            ugettext("Quá hạn %(n)d ngày làm việc", n=s.days) if long else ugettext("Quá hạn %(n)d ngày LV", n=s.days),
        )
    elif status == "due_today":
        css, text = "warning", ugettext("Đến hạn hôm nay")
    elif status == "in_time":
        css, text = (
            "info",
            ugettext("Còn %(n)d ngày làm việc", n=s.days) if long else ugettext("Còn %(n)d ngày LV", n=s.days),
        )
    elif status == "paused":
        paused_on = getattr(ticket, "paused_on", None)
        css, text = (
            "secondary",
            ugettext("Tạm dừng từ %(d)s", d=fmt_date(paused_on)) if paused_on else ugettext("Tạm dừng"),
        )
    elif status == "answered_on_time":
        css, text = "success", ugettext("Trả lời đúng hạn")
    elif status == "answered_late":
        css, text = "danger", ugettext("Trả lời quá hạn %(n)d ngày LV", n=s.days)
    else:
        return Markup('<span class="text-muted standing" data-standing="closed">—</span>')
    # The sentence is the catalogue's (trusted, as a template's); its values are numbers and dates.
    return Markup(f'<span class="badge text-bg-{css} standing" data-standing="{escape(status)}">{text}</span>')


def option_tags(choices, selected: str) -> Markup:
    """`<option>`s of (value, text) pairs, the one whose value is `selected` selected; both escaped. In
    Python for the reason of `standing_badge`: the queue's filter form lists every unit, category and
    officer, some fifty options a page."""
    return Markup(
        "".join(
            f'<option value="{escape(value)}" {"selected" if value == selected else ""}>{escape(text)}</option>'
            for value, text in choices
        )
    )


def code_options(items, selected: str) -> Markup:
    """Options of units or categories: the code, the name in the page's language."""
    locale = current_locale()
    return option_tags(((item.code, states.localized_name(item, locale)) for item in items), selected)


def officer_options(officers, selected: str, with_unit: bool) -> Markup:
    """Options of staff: the e-mail, the name (and the unit's code when `with_unit`)."""
    return option_tags(
        ((u.email, f"{u.name} · {u.unit.code}" if u.unit and with_unit else u.name) for u in officers), selected
    )


def queue_rows(rows, ticket_path: str, today: date) -> Markup:
    """The queue's table rows (services/queue.QueueRow), in Python for the reason of `standing_badge`:
    a page shows 25 of them, and each costs the template some forty outputs, a sixth of the page's
    time. Every value is escaped; the sentences are the catalogue's."""
    not_routed = escape(ugettext("Chưa chuyển"))
    pending = f' <span class="badge text-bg-warning">{escape(ugettext("Chờ duyệt gia hạn"))}</span>'
    route_missed = (
        f'<div><span class="badge text-bg-danger route-missed">{escape(ugettext("Quá hạn chuyển đơn vị"))}</span></div>'
    )
    transfer_missed = (
        '<div><span class="badge text-bg-danger transfer-missed">'
        f"{escape(ugettext('Quá hạn chuyển cơ quan khác'))}</span></div>"
    )
    path = escape(ticket_path)
    out = []
    for t in rows:
        s = t.standing
        code = escape(t.code)
        new, danger = t.state == "new", "table-danger" if s.overdue else ""
        out.append(
            f'\n    <tr data-code="{code}" data-standing="{escape(s.status)}" class="{danger}">'
            f'\n      <td class="code-cell"><a href="{path}{code}" class="font-monospace">{code}</a></td>'
            f'\n      <td>{escape(t.title)}<div class="small text-muted">{escape(t.organization or t.name)} · '
            f"{escape(t.channel_label)}</div></td>"
            f'\n      <td>{escape(t.kind_label)}<div class="small text-muted">{escape(t.category_name)}</div></td>'
            f"\n      <td>{not_routed if t.unit_name is None else escape(t.unit_name)}"
            f'<div class="small text-muted">{escape(t.assignee_name or "")}</div></td>'
            f'\n      <td><span class="badge text-bg-secondary">{escape(t.state_label)}</span>'
            f"{pending if t.pending_extension_date else ''}</td>"
            f'\n      <td class="nowrap">{fmt_date(t.received_on)}</td>'
            f'\n      <td class="nowrap">{fmt_date(t.due_date)}'
            f"{route_missed if new and t.route_due_date and today > t.route_due_date else ''}"
            f"{transfer_missed if new and t.transfer_due_date and today > t.transfer_due_date else ''}</td>"
            f'\n      <td class="days-left nowrap">{standing_badge(s, t)}</td>'
            "\n    </tr>"
        )
    return Markup("".join(out))


def office() -> dict:
    """The office's contact from the configuration, in the page's language."""
    cfg = current_app.config
    english = current_locale() == "en"
    return {
        "name": (cfg.get("OFFICE_NAME_EN") if english else None) or cfg.get("OFFICE_NAME", ""),
        "hotline": cfg.get("OFFICE_HOTLINE", ""),
        "address": cfg.get("OFFICE_ADDRESS", ""),
        "email": cfg.get("OFFICE_EMAIL", ""),
        "hours": (cfg.get("OFFICE_HOURS") or "").replace("-", "–"),
    }


def answer_rule():
    """The general answer rule in force (once per request; the default when the database cannot say)."""
    from ..services import calendar  # the services need the app; templating is imported by the factory

    if "answer_rule" not in g:
        try:
            g.answer_rule = calendar.rule_for("answer")
        except Exception:  # an error page while the database is down still renders
            current_app.logger.warning("answer rule unavailable; the footer shows the default")
            g.answer_rule = calendar.DEFAULT_RULES["answer"]
    return g.answer_rule


def deadline_rule_sentence() -> str:
    """The general answer deadline, as the rule in force says it (the footer of every page)."""
    rule = answer_rule()
    basis = legal.citation(rule.legal_basis, current_locale())
    if rule.unit == "working_days":
        text = _("Thời hạn trả lời: %(n)d ngày làm việc kể từ ngày tiếp nhận", n=rule.amount)
    else:
        text = _("Thời hạn trả lời: %(n)d ngày kể từ ngày tiếp nhận (tính cả ngày nghỉ)", n=rule.amount)
    if basis:
        text += " " + _("theo %(basis)s", basis=basis)
    return (
        text
        + "; "
        + _(
            "nếu ngày cuối cùng là ngày nghỉ, lễ, Tết thì hạn là ngày làm việc tiếp theo. "
            "Hồ sơ gửi ngoài giờ làm việc được tính là tiếp nhận vào ngày làm việc tiếp theo."
        )
    )


FRAGMENTS_KEPT = 1000  # rendered fragments kept per app: every language, role and staff name of a department


def fragment(template: str, /, **key) -> Markup:
    """The template `template` rendered once per app, language, path prefix and `key`, then reused.

    For the parts of every page that are the same for everyone who sees them with the same `key`: the
    site bar, the staff bar, the footer, the style sheets and scripts (templates/chrome/), about 0.4 ms of
    every page's rendering. The template is rendered without the request's context processors (no
    `current_user`), but Flask's and Flask-WTF's globals (`request`, `session`, `g`, `config`,
    `csrf_token`) remain reachable: a fragment must read nothing but `key`, `url_for`, `_` and the
    office's settings, or the first visitor's value would be kept for everyone. What depends on the user
    or the request stays in base.html; tests/http/test_page_chrome.py fails on a fragment naming them.
    """
    kept: dict = current_app.extensions.setdefault("feedback_fragments", {})
    cache_key = (template, current_locale(), request.script_root, tuple(sorted(key.items())))
    found = kept.get(cache_key)
    if found is None:
        found = Markup(current_app.jinja_env.get_template(template).render(**key))
        if len(kept) >= FRAGMENTS_KEPT:
            kept.clear()
        kept[cache_key] = found
    return found


def register(app: Flask) -> None:
    """Install the filters and globals."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _in_force()[1].ugettext(s),
        ngettext=lambda s, p, n: _in_force()[1].ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _in_force()[1].upgettext(c, s),
        npgettext=lambda c, s, p, n: _in_force()[1].unpgettext(c, s, p, n),
    )
    app.add_template_filter(fmt_date, "date")
    app.add_template_filter(fmt_datetime, "datetime")

    def labels(table):
        return lambda key: states.label(table, key, current_locale())

    def refuse_reason_text(vietnamese: str) -> str:
        """A refusal reason stored in an e-mail's context by its Vietnamese label, in the page's language."""
        pairs = [pair for pair in states.REFUSE_REASON_LABELS.values() if pair.vi == vietnamese]
        return pairs[0].text(current_locale()) if pairs else vietnamese

    def on_time(ticket) -> bool | None:
        """The on-time verdict of an answered ticket (domain/outcomes.py); None while unanswered."""
        from ..domain.outcomes import verdict

        if ticket is None:
            return None
        return verdict(ticket.on_time, ticket.answered_on, ticket.due_date)

    def localized(obj) -> str:
        """A unit's or category's name in the page's language."""
        return states.localized_name(obj, current_locale())

    def due_explanation(ticket) -> str:
        """The written-deadline explanation in the current language (Vietnamese when no English)."""
        if ticket is None:
            return ""
        if current_locale() == "en" and getattr(ticket, "due_explanation_en", None):
            return legal.citation(ticket.due_explanation_en, "en")
        return ticket.due_explanation or ""

    def event_message(entry) -> str:
        """A timeline event's message in the current language: system sentences are stored in both
        languages (details["message_en"]); what a person typed is shown as typed."""
        if entry is None:
            return ""
        if current_locale() == "en":
            english = (entry.details or {}).get("message_en")
            if english:
                return legal.citation(english, "en")
        return entry.message or ""

    app.jinja_env.filters.update(
        event_message=event_message,
        due_explanation=due_explanation,
        localized=localized,
        state_label=labels(states.STATE_LABELS),
        kind_label=labels(states.KIND_LABELS),
        role_label=labels(states.ROLE_LABELS),
        channel_label=labels(states.CHANNEL_LABELS),
        submitter_type_label=labels(states.SUBMITTER_TYPE_LABELS),
        action_label=labels(states.ACTION_LABELS),
        regime_label=lambda key: states.label(states.REGIME_LABELS, key or "default", current_locale()),
        standing_label=labels(states.STANDING_LABELS),
        level_label=labels(states.LEVEL_LABELS),
        reason_label=labels(states.RATING_REASON_LABELS),
        refuse_reason_label=labels(states.REFUSE_REASON_LABELS),
        refuse_reason_text=refuse_reason_text,
        on_time=on_time,
        number=fmt_number,
        percent=fmt_percent,
        citation=lambda text: legal.citation(text, current_locale()),
    )
    from ..timeutil import local_today

    app.jinja_env.globals.update(
        office=office,
        deadline_rule_sentence=deadline_rule_sentence,
        answer_rule=answer_rule,
        fragment=fragment,
        today_local=local_today,
        standing_badge=standing_badge,
        queue_rows=queue_rows,
        code_options=code_options,
        officer_options=officer_options,
    )

    def this_page() -> str:
        """This page's own path if it is a plain local path, else "/". Not its query: a search or
        tracking query may hold personal data that the page must not echo."""
        from ..public.views import local_path

        return local_path(request.path)

    app.jinja_env.globals.update(current_locale=current_locale, states=states, this_page=this_page)
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)

    # Closing the loop (issue 14): rating levels and reasons with their labels.
    from ..domain import satisfaction as sat

    app.jinja_env.globals.update(levels=sat.LEVELS, reasons=sat.REASONS)
