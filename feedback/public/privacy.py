"""The submitter's personal data: the policy page, my data (JSON and printable), and requests."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..services import ServiceError, data_requests
from ..timeutil import utcnow
from . import bp
from .satisfaction import tracking_parts
from .views import ticket_by_token


@bp.get("/privacy")
def privacy_policy():
    return render_template("public/privacy.html")


def my_data_html(template: str, ticket) -> str:
    """The submitter's data in a page: the printable one, or the document the PDF is made of."""
    return render_template(
        template,
        ticket=ticket,
        data=data_requests.subject_data(ticket),
        kind_labels=data_requests.kind_labels(),
        state_labels=data_requests.state_labels(),
    )


@bp.get("/track/<token>/my-data.json")
def my_data_json(token: str):
    ticket = ticket_by_token(token)
    response = jsonify(data_requests.subject_data(ticket))
    response.headers["Content-Disposition"] = f'attachment; filename="{ticket.code}-du-lieu-ca-nhan.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/track/<token>/my-data")
def my_data(token: str):
    """A printable page of the same data (print or save as PDF from the browser)."""
    return my_data_html("public/my_data.html", ticket_by_token(token)), 200, {"Cache-Control": "no-store"}


@bp.get("/track/<token>/my-data.pdf")
def my_data_pdf(token: str):
    """The same data as a PDF (WeasyPrint, no network: the document has no external resources)."""
    from weasyprint import HTML  # imported here: loading it takes a second, most requests never need it

    ticket = ticket_by_token(token)
    pdf = HTML(string=my_data_html("documents/my_data.html", ticket)).write_pdf()
    return (
        pdf,
        200,
        {
            "Content-Type": "application/pdf",
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{ticket.code}-du-lieu-ca-nhan.pdf"',
        },
    )


@bp.post("/track/<token>/privacy-request")
def privacy_request(token: str):
    ticket = ticket_by_token(token)
    try:
        item = data_requests.submit(ticket, request.form.get("kind", ""), request.form.get("message", ""), utcnow())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        return render_template(
            "public/ticket.html",
            **tracking_parts(ticket_by_token(token)),
            privacy_error=exc.message,
            privacy_kind=request.form.get("kind", ""),
            privacy_message=request.form.get("message", ""),
        ), exc.status
    if item.kind == "withdraw_publication":
        flash(
            _("Quý vị đã rút lại sự đồng ý công khai. Nội dung công khai đã được che lại hoặc gỡ xuống ngay."),
            "success",
        )
    else:
        flash(
            _("Sở đã nhận yêu cầu của Quý vị; hạn giải quyết: %(d)s.", d=item.due_date.strftime("%d/%m/%Y")), "success"
        )
    return redirect(url_for("public.track_token", token=token) + "#privacy", code=303)
