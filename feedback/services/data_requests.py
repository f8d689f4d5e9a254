"""Requests of data subjects about their data (Law 91/2025/QH15, Nghị định 356/2025/NĐ-CP).

The submitter asks from the secret tracking page: a copy of the data held (access), a correction,
withdrawal of consent to publication, deletion, restriction of processing, or an objection. Each
request is a tracked item with deadline rules as data (`pd_*` purposes in services/calendar.py):
acknowledged within 2 working days (at once, by e-mail, when the ticket has an address), completed
within the rule's days, extended at most once with the reason told to the requester.

Handled by the office (coordinator role): it already sees every ticket and publishes results, so
withdrawal of consent and deletion reach the public copy in the same hands. Every step is on the
ticket's timeline and in the audit log; every answer goes to the requester as an outbox e-mail.
Withdrawal of consent to publication needs no decision and takes effect at once.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext, lazy_gettext

from ..domain.contact import clean_text, is_email, normalize_phone
from ..domain.states import PRIVACY_REQUEST_LABELS, PRIVACY_STATE_LABELS, label
from ..extensions import db
from ..models import PrivacyRequest, Ticket, User
from ..timeutil import to_local
from . import ServiceError, calendar, language, outbox, publication, timeline
from .admin import audit

KINDS = ("access", "correct", "withdraw_publication", "delete", "restrict", "object")
PURPOSES = {
    "access": "pd_access",
    "correct": "pd_correct",
    "withdraw_publication": "pd_withdraw",
    "delete": "pd_delete",
    "restrict": "pd_restrict",
    "object": "pd_object",
}
OPEN_STATES = ("received", "acknowledged")
MESSAGE_MAX = 5000


def kind_labels() -> dict[str, str]:
    """The labels of the request kinds in the language in force."""
    return {kind: label(PRIVACY_REQUEST_LABELS, kind, language()) for kind in PRIVACY_REQUEST_LABELS}


def state_labels() -> dict[str, str]:
    """The labels of the request states in the language in force."""
    return {state: label(PRIVACY_STATE_LABELS, state, language()) for state in PRIVACY_STATE_LABELS}


def _mail(request: PrivacyRequest, stage: str, now: datetime, **context: Any) -> None:
    subjects = {
        "received": lazy_gettext("Sở đã nhận yêu cầu về dữ liệu cá nhân của Quý vị"),
        "extended": lazy_gettext("Gia hạn giải quyết yêu cầu về dữ liệu cá nhân"),
        "done": lazy_gettext("Kết quả giải quyết yêu cầu về dữ liệu cá nhân"),
    }
    outbox.to_submitter(
        request.ticket,
        f"privacy_{stage}",
        subjects[stage],
        now,
        template="privacy_request",
        request=request,
        stage=stage,
        kind_label=kind_labels()[request.kind],
        **context,
    )


def open_requests(ticket: Ticket) -> list[PrivacyRequest]:
    return [r for r in requests_of(ticket) if r.state in OPEN_STATES]


def requests_of(ticket: Ticket) -> list[PrivacyRequest]:
    return list(
        db.session.execute(
            db.select(PrivacyRequest).where(PrivacyRequest.ticket_id == ticket.id).order_by(PrivacyRequest.id)
        ).scalars()
    )


def submit(ticket: Ticket, kind: str, message: str, now: datetime) -> PrivacyRequest:
    """Record a request from the submitter; withdrawal of consent to publication takes effect at once.

    :raises ServiceError: 400 for an unknown kind or a bad message, 409 when the ticket's data is
        already anonymised or the same kind of request is still open.
    """
    if kind not in KINDS:
        raise ServiceError(gettext("Vui lòng chọn loại yêu cầu."), 400, "kind")
    message = clean_text(message or "", multiline=True)
    if len(message) > MESSAGE_MAX:
        raise ServiceError(gettext("Nội dung yêu cầu không quá %(n)d ký tự.", n=MESSAGE_MAX), 400, "message")
    if kind == "correct" and len(message) < 5:
        raise ServiceError(gettext("Vui lòng cho biết thông tin nào cần chỉnh sửa và nội dung đúng."), 400, "message")
    if ticket.anonymised_at is not None:
        raise ServiceError(gettext("Dữ liệu cá nhân của hồ sơ này đã được xóa (ẩn danh)."), 409)
    if any(r.kind == kind for r in open_requests(ticket)):
        raise ServiceError(gettext("Quý vị đã gửi yêu cầu loại này và yêu cầu đang được giải quyết."), 409, "kind")
    received_on = calendar.receipt_date(now)
    cal = calendar.work_calendar()
    due = calendar.compute(PURPOSES[kind], received_on, cal=cal).due
    request = PrivacyRequest(
        ticket=ticket,
        kind=kind,
        message=message,
        state="received",
        received_at=now,
        received_on=received_on,
        ack_due_date=calendar.compute("pd_ack", received_on, cal=cal).due,
        due_date=due,
        original_due_date=due,
    )
    db.session.add(request)
    db.session.flush()
    timeline.record(
        ticket,
        "privacy_request",
        actor_label="submitter",
        public=True,
        now=now,
        message=kind_labels()[kind],
        request_id=request.id,
        kind=kind,
    )
    audit(None, "privacy_request", request.id, "create", now=now, ticket=ticket.code, kind=kind)
    if kind == "withdraw_publication":
        _withdraw_publication(ticket, now)
        _finish(
            request,
            None,
            "done",
            gettext(
                "Sự đồng ý công khai đã được rút lại. Nội dung công khai (nếu có) đã được che lại hoặc gỡ xuống ngay."
            ),
            now,
        )
        return request
    if kind == "restrict":
        # Until the office decides, the data is only kept: the public copy comes down at once and
        # cannot be published again (publication.restricted).
        publication.take_down(
            ticket, now, "Người gửi yêu cầu hạn chế xử lý dữ liệu cá nhân: kết quả đã được gỡ công khai ngay."
        )
    if ticket.email:
        # The acknowledgment is the e-mail itself, sent in the same transaction.
        request.state = "acknowledged"
        request.acknowledged_at = now
        _mail(request, "received", now)
    db.session.flush()
    return request


def _withdraw_publication(ticket: Ticket, now: datetime) -> None:
    ticket.consent_publish = False
    ticket.consent_publish_withdrawn_at = now
    ticket.updated_at = now
    publication.rerender_without_consent(ticket, now)


def _check_handler(actor: User) -> None:
    if actor.role != "coordinator":
        raise ServiceError(gettext("Chỉ Văn phòng Sở (điều phối) giải quyết yêu cầu về dữ liệu cá nhân."), 403)


def _check_open(request: PrivacyRequest) -> None:
    if request.state not in OPEN_STATES:
        raise ServiceError(gettext("Yêu cầu này đã được giải quyết."), 409)


def acknowledge(request: PrivacyRequest, actor: User, now: datetime) -> PrivacyRequest:
    """Record that the requester was told of receipt (for a ticket without e-mail: by phone or post)."""
    _check_handler(actor)
    _check_open(request)
    if request.acknowledged_at is None:
        request.acknowledged_at = now
        request.state = "acknowledged"
        request.handled_by = actor
        timeline.record(
            request.ticket, "privacy_acknowledge", actor=actor, public=False, now=now, request_id=request.id
        )
        audit(actor, "privacy_request", request.id, "acknowledge", now=now)
        db.session.flush()
    return request


def extend(request: PrivacyRequest, actor: User, reason: str, now: datetime) -> PrivacyRequest:
    """Extend the deadline once (the `pd_extend` rule from the current due date), telling the requester why.

    :raises ServiceError: 403, 409 when closed or already extended, 400 without a reason.
    """
    _check_handler(actor)
    _check_open(request)
    if request.extended_at is not None:
        raise ServiceError(gettext("Yêu cầu chỉ được gia hạn một lần."), 409)
    reason = clean_text(reason or "", multiline=True)
    if len(reason) < 5:
        raise ServiceError(gettext("Vui lòng nêu lý do gia hạn (ít nhất 5 ký tự)."), 400, "reason")
    old_due = request.due_date
    request.due_date = calendar.compute("pd_extend", old_due).due
    request.extended_at = now
    request.extension_reason = reason[:2000]
    request.handled_by = actor
    if request.acknowledged_at is None:
        request.acknowledged_at = now
        request.state = "acknowledged"
    timeline.record(
        request.ticket,
        "privacy_extend",
        actor=actor,
        public=True,
        now=now,
        message=gettext(
            "Gia hạn giải quyết yêu cầu về dữ liệu cá nhân đến %(d)s: %(r)s",
            d=request.due_date.strftime("%d/%m/%Y"),
            r=reason[:500],
        ),
        request_id=request.id,
        old_due=old_due.isoformat(),
        new_due=request.due_date.isoformat(),
    )
    audit(
        actor,
        "privacy_request",
        request.id,
        "extend",
        now=now,
        old_due=old_due,
        new_due=request.due_date,
        reason=reason[:500],
    )
    _mail(request, "extended", now, old_due=old_due, reason=reason)
    db.session.flush()
    return request


CORRECTABLE = ("name", "email", "phone", "address")


def _corrections(values: dict[str, str] | None) -> dict[str, str]:
    """The corrected contact details, validated (empty values mean "unchanged").

    :raises ServiceError: 400 with the field at fault.
    """
    out = {}
    for field in CORRECTABLE:
        value = clean_text((values or {}).get(field) or "")
        if not value:
            continue
        if field == "email":
            value = value.lower()
            if not is_email(value):
                raise ServiceError(gettext("Địa chỉ thư điện tử không hợp lệ."), 400, "email")
        elif field == "phone":
            value = normalize_phone(value) or ""
            if not value:
                raise ServiceError(gettext("Số điện thoại không hợp lệ."), 400, "phone")
        elif len(value) > (200 if field == "name" else 500):
            raise ServiceError(gettext("Nội dung quá dài."), 400, field)
        out[field] = value
    return out


def complete(
    request: PrivacyRequest,
    actor: User,
    answer: str,
    now: datetime,
    *,
    refuse: bool = False,
    corrections: dict[str, str] | None = None,
):
    """Answer the request (or refuse it with the reason); deletion anonymises the ticket's data at once,
    a correction applies the corrected contact details given (name, email, phone, address).

    Returns the paths of files to remove after commit (deletion only).

    :raises ServiceError: 403, 409 when closed, 400 without an answer.
    """
    from . import privacy  # anonymisation lives there and imports nothing of this module

    _check_handler(actor)
    _check_open(request)
    answer = clean_text(answer or "", multiline=True)
    if len(answer) < 5:
        raise ServiceError(gettext("Vui lòng nhập nội dung trả lời người yêu cầu (ít nhất 5 ký tự)."), 400, "answer")
    ticket = request.ticket
    files: list[Path] = []
    changed = _corrections(corrections) if request.kind == "correct" and not refuse else {}
    if changed:
        # The answer goes to the address the requester wrote from, even if it is the one corrected.
        answer_to = ticket.email
        for field, value in changed.items():
            setattr(ticket, field, value)
        ticket.updated_at = now
        audit(actor, "ticket", ticket.code, "privacy_correct", now=now, fields=", ".join(sorted(changed)))
        if answer_to and answer_to != ticket.email:
            ticket.email, old = answer_to, ticket.email
            _finish(request, actor, "done", answer, now)
            ticket.email = old
            db.session.flush()
            return files
    if not refuse:
        if request.kind == "restrict":
            ticket.processing_restricted_at = now
            publication.take_down(ticket, now, "Hạn chế xử lý dữ liệu cá nhân: kết quả không được công khai.")
        elif request.kind == "object" and ticket.consent_publish:
            _withdraw_publication(ticket, now)
    _finish(request, actor, "refused" if refuse else "done", answer, now)
    if not refuse and request.kind == "delete":
        # The answer is already in the outbox (pending rows keep their recipient); then every copy
        # of the personal data goes.
        result = privacy.AnonymiseResult()
        privacy.anonymise_ticket(ticket, now, result, reason="request")
        files = result.files
    db.session.flush()
    return files


def _finish(request: PrivacyRequest, actor: User | None, state: str, answer: str, now: datetime) -> None:
    request.state = state
    request.answer = answer[:10000]
    request.completed_at = now
    request.acknowledged_at = request.acknowledged_at or now
    request.handled_by = actor
    request.on_time = to_local(now).date() <= request.due_date
    timeline.record(
        request.ticket,
        "privacy_complete",
        actor=actor,
        actor_label="" if actor else "system",
        public=True,
        now=now,
        message=f"{kind_labels()[request.kind]}: {state_labels()[state]}",
        request_id=request.id,
        state=state,
    )
    audit(actor, "privacy_request", request.id, state, now=now, kind=request.kind, on_time=request.on_time)
    _mail(request, "done", now, answer=answer)


def counts(start: datetime, end: datetime) -> dict[str, Any]:
    """Requests received in [start, end) by kind, and how many were completed on time (for reports)."""
    rows = db.session.execute(
        db.select(PrivacyRequest.kind, PrivacyRequest.state, PrivacyRequest.on_time).where(
            PrivacyRequest.received_at >= start, PrivacyRequest.received_at < end
        )
    ).all()
    by_kind = dict.fromkeys(KINDS, 0)
    for kind, _state, _on_time in rows:
        by_kind[kind] = by_kind.get(kind, 0) + 1
    return {
        "total": len(rows),
        "by_kind": by_kind,
        "open": sum(1 for r in rows if r.state in OPEN_STATES),
        "on_time": sum(1 for r in rows if r.on_time),
        "late": sum(1 for r in rows if r.on_time is False),
    }


def report_columns() -> list[tuple[str, str]]:
    """(key, heading) of the figures `report_rows` gives for each kind, in the exports' order."""
    return [
        ("received", gettext("Tiếp nhận")),
        ("acknowledged_on_time", gettext("Xác nhận trong 2 ngày làm việc")),
        ("acknowledged_late", gettext("Xác nhận quá hạn")),
        ("done_on_time", gettext("Giải quyết đúng hạn")),
        ("done_late", gettext("Giải quyết quá hạn")),
        ("refused", gettext("Trong đó: từ chối")),
        ("extended", gettext("Đã gia hạn")),
        ("open_in_time", gettext("Đang giải quyết trong hạn")),
        ("open_overdue", gettext("Đang giải quyết quá hạn")),
    ]


def report_rows(start: date, end: date, as_of: date) -> list[tuple[str, dict[str, int]]]:
    """Requests received on the local days start..end, per kind then the total: (label, figures).

    The state is taken as of the local day `as_of` by the request's own clocks: acknowledged on
    time when acknowledged by its `ack_due_date`; completed (done or refused) on time when by its
    `due_date` (after an extension, the extended one); still open at `as_of` (completed later or
    not yet) in time or overdue against its due date. For the XLSX and CSV exports of the report.
    """
    rows = db.session.execute(
        db.select(
            PrivacyRequest.kind,
            PrivacyRequest.ack_due_date,
            PrivacyRequest.due_date,
            PrivacyRequest.acknowledged_at,
            PrivacyRequest.completed_at,
            PrivacyRequest.state,
            PrivacyRequest.extended_at,
        ).where(PrivacyRequest.received_on >= start, PrivacyRequest.received_on <= end)
    ).all()
    keys = [key for key, _heading in report_columns()]
    figures = {kind: dict.fromkeys(keys, 0) for kind in KINDS}
    total = dict.fromkeys(keys, 0)
    for kind, ack_due, due, acknowledged_at, completed_at, state, extended_at in rows:
        acknowledged = to_local(acknowledged_at).date() if acknowledged_at else None
        completed = to_local(completed_at).date() if completed_at else None
        counted = ["received"]
        if acknowledged is not None and acknowledged <= as_of:
            counted.append("acknowledged_on_time" if acknowledged <= ack_due else "acknowledged_late")
        if completed is not None and completed <= as_of:
            counted.append("done_on_time" if completed <= due else "done_late")
            if state == "refused":
                counted.append("refused")
        else:
            counted.append("open_in_time" if as_of <= due else "open_overdue")
        if extended_at is not None and to_local(extended_at).date() <= as_of:
            counted.append("extended")
        for key in counted:
            figures.setdefault(kind, dict.fromkeys(keys, 0))[key] += 1
            total[key] += 1
    labels = kind_labels()
    return [(labels.get(kind, kind), figures[kind]) for kind in figures] + [(gettext("Tổng số"), total)]


def report_block(sheet, report) -> None:
    """Data-subject requests of the report's period, appended to the workbook's summary sheet (a
    write-only sheet of services/exports.py): a heading row (kind, then the figures) and one row per
    kind, then the total."""
    columns = report_columns()
    sheet.ws.append([])
    sheet.title_row(gettext("Yêu cầu về dữ liệu cá nhân"), *[h for _k, h in columns])
    for row_label, figures in report_rows(report.period.start, report.period.end, report.as_of):
        sheet.row([row_label, *[figures[key] for key, _h in columns]])


def report_csv(report) -> bytes:
    """Data-subject requests of the report's period as CSV (UTF-8 with BOM), in the layout of the
    report's CSV: period, as-of day, group, item, then the figures."""
    columns = report_columns()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [gettext("Kỳ báo cáo"), gettext("Tính đến ngày"), gettext("Nhóm"), gettext("Mục"), *[h for _k, h in columns]]
    )
    group = gettext("Yêu cầu về dữ liệu cá nhân")
    for row_label, figures in report_rows(report.period.start, report.period.end, report.as_of):
        writer.writerow(
            [
                report.period.label,
                report.as_of.strftime("%d/%m/%Y"),
                group,
                row_label,
                *[figures[key] for key, _h in columns],
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def subject_data(ticket: Ticket) -> dict[str, Any]:
    """Everything held about the submitter of this ticket, as plain data (my-data.json, printable page)."""

    def iso(value):
        return value.isoformat() if value is not None else None

    events = [e for e in ticket.events if e.public or e.actor_label == "submitter"]
    return {
        "ticket": {
            "code": ticket.code,
            "kind": ticket.kind,
            "category": ticket.category.name if ticket.category else None,
            "state": ticket.state,
            "channel": ticket.channel,
            "received_at": iso(ticket.received_at),
            "received_on": iso(ticket.received_on),
            "due_date": iso(ticket.due_date),
            "answered_on": iso(ticket.answered_on),
            "published_at": iso(ticket.published_at),
            "title": ticket.title,
            "content": ticket.content,
            "regulation": ticket.regulation,
            "answer": ticket.answer if ticket.state == "answered" else None,
        },
        "submitter": {
            "submitter_type": ticket.submitter_type,
            "organization": ticket.organization,
            "tax_code": ticket.tax_code,
            "name": ticket.name,
            "email": ticket.email,
            "phone": ticket.phone,
            "address": ticket.address,
            "locale": ticket.locale,
            "anonymised_at": iso(ticket.anonymised_at),
        },
        "consents": {
            "notice_version": ticket.notice_version,
            "processing_agreed_at": iso(ticket.consent_processing_at),
            "publication": ticket.consent_publish,
            "publication_given_at": iso(ticket.consent_publish_at),
            "publication_withdrawn_at": iso(ticket.consent_publish_withdrawn_at),
            "processing_restricted_at": iso(ticket.processing_restricted_at),
        },
        "public_copy": {"title": ticket.public_title, "summary": ticket.public_summary, "answer": ticket.public_answer}
        if ticket.published_at
        else None,
        "timeline": [{"at": iso(e.at), "action": e.action, "message": e.message} for e in events],
        "attachments": [
            {"name": a.original_name, "type": a.file_type, "size": a.size, "uploaded_at": iso(a.created_at)}
            for a in ticket.attachments
        ],
        "privacy_requests": [
            {
                "kind": r.kind,
                "state": r.state,
                "received_on": iso(r.received_on),
                "due_date": iso(r.due_date),
                "completed_at": iso(r.completed_at),
                "answer": r.answer,
            }
            for r in requests_of(ticket)
        ],
        "recipients": ["Văn phòng Sở Khoa học và Công nghệ", "đơn vị được giao giải quyết"],
    }
