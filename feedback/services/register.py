"""The outgoing register (sổ văn bản đi): who sees which entries, the XLSX export with its print set-up,
the periodic report issued as a numbered báo cáo, and the e-mail reminder before each report is due."""

from __future__ import annotations

import io
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..db.dialect import insert_or_ignore
from ..domain import letters as rules
from ..domain.states import Role
from ..extensions import db
from ..models import OutgoingDocument, ReportReminder, Ticket, Unit, User
from ..timeutil import local_today
from . import ServiceError, documents, letters, outbox
from . import reports as report_svc

PAGE_LIMIT = 500


def may_see(doc: OutgoingDocument, user: User) -> bool:
    """Office and directors see the whole register; a unit head the documents their unit drafted."""
    if user.role in (Role.COORDINATOR, Role.DIRECTOR):
        return True
    return user.role == Role.UNIT_HEAD and user.unit_id is not None and doc.unit_id == user.unit_id


def entries(
    user: User, year: int, unit_code: str = "", doc_type: str = "", *, limit: int | None = None
) -> list[OutgoingDocument]:
    """The register of `year` in number order, filtered by drafting unit and kind, in the user's scope."""
    stmt = db.select(OutgoingDocument).where(
        OutgoingDocument.year == year, OutgoingDocument.issuer == current_app.config["DOCUMENT_ISSUER"]
    )
    if unit_code:
        stmt = stmt.where(
            OutgoingDocument.unit_id == db.select(Unit.id).where(Unit.code == unit_code).scalar_subquery()
        )
    if doc_type:
        stmt = stmt.where(OutgoingDocument.doc_type == doc_type)
    if user.role not in (Role.COORDINATOR, Role.DIRECTOR):
        stmt = stmt.where(OutgoingDocument.unit_id == user.unit_id) if user.unit_id else stmt.where(db.false())
    stmt = stmt.order_by(OutgoingDocument.number)
    if limit:
        stmt = stmt.limit(limit)
    rows = list(db.session.execute(stmt).scalars())
    ids = {r.ticket_id for r in rows if r.ticket_id}
    codes = dict(db.session.execute(db.select(Ticket.id, Ticket.code).where(Ticket.id.in_(ids))).all()) if ids else {}
    for row in rows:
        row.ticket_code = codes.get(row.ticket_id)
    return rows


def status_label(status: str) -> str:
    return {rules.AWAITING_SIGNATURE: _("Chờ ký số"), rules.SIGNED: _("Đã ký số"), rules.CANCELLED: _("Đã hủy")}.get(
        status, status
    )


def type_label(doc_type: str) -> str:
    return {rules.LETTER: _("Công văn"), rules.REPORT: _("Báo cáo")}.get(doc_type, doc_type)


def xlsx_print_setup(wb, agency: str, period: str, header_rows: int = 1) -> None:
    """Make every sheet print properly (`sheet_print_setup`)."""
    for ws in wb.worksheets:
        sheet_print_setup(ws, agency, period, header_rows, columns=ws.max_column, rows=ws.max_row)


def sheet_print_setup(
    ws, agency: str, period: str, header_rows: int = 1, *, columns: int, rows: int | None = None
) -> None:
    """A4, fit to one page wide, the header rows repeated on each page, the agency and the period in
    the page header and the page number in the footer. A write-only sheet (the reports' export) is set
    up before its rows are written: `rows` is then None (not known yet)."""
    ws.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4; a write-only sheet lacks the constants)
    ws.page_setup.orientation = "landscape" if columns > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    if rows is None or rows >= header_rows:
        ws.print_title_rows = f"1:{header_rows}"
    ws.oddHeader.left.text = agency.replace("&", "&&")
    ws.oddHeader.right.text = period.replace("&", "&&")
    ws.oddFooter.center.text = "&P / &N"
    ws.evenHeader.left.text = ws.oddHeader.left.text
    ws.evenHeader.right.text = ws.oddHeader.right.text


def cell_text(value: str | None) -> str:
    """Text for a spreadsheet cell that a spreadsheet never runs as a formula."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def agency_name() -> str:
    return f"{current_app.config['DOCUMENT_PROVINCE']} - {current_app.config['DOCUMENT_ISSUER_NAME']}"


def to_xlsx(rows: list[OutgoingDocument], year: int, unit_code: str = "") -> bytes:
    """The register as a workbook that prints on A4."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Sổ văn bản đi")
    headers = [
        _("Số, ký hiệu"),
        _("Ngày văn bản"),
        _("Loại"),
        _("Trích yếu"),
        _("Người ký"),
        _("Nơi nhận (Kính gửi)"),
        _("Hồ sơ"),
        _("Đơn vị soạn thảo"),
        _("Tình trạng"),
        _("Lý do hủy"),
        _("SHA-256 bản phát hành"),
    ]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    units = dict(db.session.execute(db.select(Unit.id, Unit.name)).all())
    for r in rows:
        ws.append(
            [
                cell_text(letters.display_number(r)),
                r.issued_on,
                type_label(r.doc_type),
                cell_text(r.subject),
                cell_text(f"{r.signer_authority} {r.signer_position} {r.signer_name}".strip()),
                cell_text(r.addressee),
                getattr(r, "ticket_code", None) or (r.period or ""),
                cell_text(units.get(r.unit_id, "")),
                status_label(r.status),
                cell_text(r.cancel_reason or ""),
                r.pdf_sha256,
            ]
        )
        ws.cell(ws.max_row, 2).number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEFGHIJK", (18, 12, 11, 50, 30, 36, 20, 30, 12, 30, 20), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    period = _("Năm %(y)d", y=year) + (f" — {unit_code}" if unit_code else "")
    xlsx_print_setup(wb, agency_name(), period)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def print_ready(xlsx: bytes, period: str) -> bytes:
    """A workbook given the print set-up of `xlsx_print_setup` (for the reports' export)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx))
    xlsx_print_setup(wb, agency_name(), period)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the periodic report


def report_signers() -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .where(User.active.is_(True), User.role.in_((Role.DIRECTOR, Role.COORDINATOR)))
            .order_by(User.role.desc(), User.name)
        ).scalars()
    )


def document_form(report) -> dict:
    """What the reports page's "issue the report" form starts with."""
    with force_locale("vi"):
        text = default_report_text(report)
    return {
        "text": text,
        "signers": report_signers(),
        "recipients": "\n".join(
            [current_app.config["REPORT_ADDRESSEE"] + " (để báo cáo)", "Giám đốc Sở", "Lưu: VT, VP"]
        ),
    }


def issued_reports(year: int) -> dict[str, OutgoingDocument]:
    """The reports issued for `year`'s periods (period slug -> the last one not cancelled)."""
    rows = db.session.execute(
        db.select(OutgoingDocument)
        .where(
            OutgoingDocument.doc_type == rules.REPORT,
            OutgoingDocument.status != rules.CANCELLED,
            OutgoingDocument.period.like(f"{year}%"),
        )
        .order_by(OutgoingDocument.id)
    ).scalars()
    return {r.period.lower().replace("-ky15", ""): r for r in rows}


def default_report_text(report) -> str:
    t = report.total
    rate = f"{t.on_time_rate:.1f}".replace(".", ",") + "%" if t.on_time_rate is not None else "—"
    return "\n".join(
        [
            "Thực hiện Kế hoạch cải thiện, nâng cao Chỉ số năng lực cạnh tranh cấp tỉnh (PCI), "
            "Sở Khoa học và Công nghệ báo cáo kết quả tiếp nhận, giải quyết phản ánh, kiến nghị của doanh nghiệp, "
            f"người dân {report.period.label} như sau:",
            f"Trong kỳ, Sở tiếp nhận {t.received} phản ánh, kiến nghị; đã trả lời bằng văn bản {t.answered} "
            f"({t.answered_on_time} đúng hạn, {t.answered_late} quá hạn; tỷ lệ đúng hạn {rate}); đang xử lý "
            f"{t.open} ({t.open_overdue} quá hạn); không tiếp nhận {t.refused}; chuyển cơ quan có thẩm quyền "
            f"{t.transferred}; đã công khai kết quả {t.published}.",
            "Khó khăn, vướng mắc: …",
            "Phương hướng, giải pháp trong kỳ tới: …",
        ]
    )


def report_view(doc: OutgoingDocument, report) -> dict:
    view = letters._view(doc)
    view["subject_under_number"] = False
    return view


def issue_report(period, form, actor: User, now: datetime, today: date) -> OutgoingDocument:
    """Number, render and store the report of `period` (figures as of today), with the office's text
    (`text`), signer (`signer`, an e-mail of a director or the office head) and nơi nhận (`recipients`).

    :raises ServiceError: 400 with the field at fault.
    """
    with force_locale("vi"):
        report = report_svc.build_report(period, today, now=now)
        figures = report_svc.figure_columns()
        label = report.period.label
    text = (form.get("text") or "").strip() or default_report_text(report)
    if len(text) > letters.MAX_BODY:
        raise ServiceError(_("Tối đa %(max)d ký tự.", max=letters.MAX_BODY), 400, "text")
    recipients = form.get("recipients") or "\n".join(
        [current_app.config["REPORT_ADDRESSEE"] + " (để báo cáo)", "Giám đốc Sở", "Lưu: VT, VP"]
    )
    lines = rules.recipient_lines(recipients)
    if not lines:
        raise ServiceError(_("Vui lòng nhập nơi nhận, mỗi nơi một dòng."), 400, "recipients")
    email = (form.get("signer") or "").strip().lower()
    user = db.session.execute(
        db.select(User).where(
            db.func.lower(User.email) == email, User.active.is_(True), User.role.in_((Role.DIRECTOR, Role.COORDINATOR))
        )
    ).scalar_one_or_none()
    if user is None:
        raise ServiceError(_("Vui lòng chọn người ký báo cáo."), 400, "signer")
    issuer = current_app.config["DOCUMENT_ISSUER"]
    office = db.session.execute(db.select(Unit).where(Unit.code == "VP")).scalar_one_or_none()
    doc = letters.new_document(
        issuer,
        today,
        user,
        actor,
        now,
        symbol=rules.report_symbol(issuer),
        doc_type=rules.REPORT,
        unit_id=office.id if office else actor.unit_id,
        period=report.period.slug.lower(),
        subject=f"Kết quả tiếp nhận, giải quyết phản ánh, kiến nghị của doanh nghiệp, người dân {label}",
        addressee=current_app.config["REPORT_ADDRESSEE"],
        body=text,
        recipients="\n".join(line[2:].rstrip(";.") for line in lines),
    )
    view = report_view(doc, report)
    with force_locale("vi"):
        dims = [(report_svc.dimension_title(d), report.by[d]) for d in ("unit", "category", "kind", "channel")]
        pdf = documents.render_pdf(
            "report.html", doc=view, report=report, figures=figures, dims=dims, period_label=label
        )
    letters.store_pdf(doc, pdf)
    if documents.signing_configured():
        letters.sign_on_server(doc, None, now)
    return doc


# ---------------------------------------------------------------- reminders


def _office_recipients() -> list[str]:
    mailbox = current_app.config.get("OFFICE_EMAIL")
    if mailbox:
        return [mailbox]
    return [
        u.email
        for u in db.session.execute(
            db.select(User).where(User.role == Role.COORDINATOR, User.active.is_(True))
        ).scalars()
        if u.email
    ]


def remind_reports(now: datetime, cal) -> list[int]:
    """Queue the office's reminder for each report whose reminder day (REPORT_REMINDER_DAYS working days
    before it is due) has come, once per report (a row in report_reminders); return the outbox ids."""
    today = local_today(now)
    due = rules.reports_to_remind(today, cal, current_app.config["REPORT_REMINDER_DAYS"])
    if not due:
        return []
    recipients = _office_recipients()
    if not recipients:
        return []
    queued = []
    for item in due:
        if item.key in issued_reports(item.year):
            continue  # already issued: nothing to remind
        claimed = db.session.execute(
            insert_or_ignore(ReportReminder, period=item.key, due_date=item.due, created_at=now).returning(
                ReportReminder.period
            )
        ).scalar_one_or_none()
        if claimed is None:
            continue  # reminded before (or by a concurrent sweep)
        message = outbox.queue(
            "report_reminder",
            recipients,
            lambda item=item: _(
                "[Nhắc việc] Báo cáo %(label)s gửi UBND tỉnh hạn chót %(date)s",
                label=_("quý %(q)d năm %(y)d", q=item.quarter, y=item.year)
                if item.quarter
                else _("năm %(y)d", y=item.year),
                date=f"{item.due:%d/%m/%Y}",
            ),
            "report_reminder",
            now=now,
            item=item,
            quarter=item.quarter,
        )
        db.session.execute(
            db.update(ReportReminder).where(ReportReminder.period == item.key).values(outbox_id=message.id)
        )
        queued.append(message.id)
    db.session.flush()
    return queued
