"""Item 7: security headers on every page type; no inline script or style in any HTML page."""

from __future__ import annotations

import re

import pytest

from feedback import create_app
from feedback.services.intake import Upload
from tests.publication.publication_fixtures import answered_ticket, coordinator, publish, search_schema  # noqa: F401  (fixtures)

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def pages(app, make_ticket, answered_ticket, coordinator, publish, make_user, signed_in):
    """(kind, client, path) of every page type: public, secret-link, staff, admin, API, files, errors."""
    ticket = make_ticket(uploads=[Upload(filename="ho-so.pdf", file_type="pdf", data=PDF)])
    token, code, attachment = ticket.tracking_token, ticket.code, ticket.attachments[0].id
    published = publish(answered_ticket(), coordinator).code
    staff = signed_in(make_user("coordinator", "VP", email="vp.headers@test.vn"))
    admin = signed_in(make_user("admin", None, email="admin.headers@test.vn"))
    public = app.test_client()
    return [
        ("public", public, "/"),
        ("public", public, "/submit"),
        ("public", public, "/results"),
        ("public", public, f"/results/{published}"),
        ("public", public, "/results/feed.atom"),
        ("public", public, "/results/export.csv"),
        ("public", public, "/statistics"),
        ("public", public, "/healthz"),
        ("public", public, "/open311/v2/requests.json"),
        ("public", public, "/open311/v2/requests.xml"),
        ("public", public, "/static/css/app.css"),
        ("public", public, "/page-that-does-not-exist"),
        ("public", public, "/staff/login"),
        ("tracking", public, "/track"),
        ("secret", public, f"/track/{token}"),
        ("secret", public, f"/submit/done/{token}"),
        ("secret", public, "/track/not-a-valid-token"),
        ("staff", staff, "/staff/"),
        ("staff", staff, f"/staff/tickets/{code}"),
        ("staff", staff, "/staff/dashboard"),
        ("staff", staff, "/staff/reports"),
        ("staff", staff, f"/staff/tickets/{code}/attachments/{attachment}"),
        ("staff", staff, "/staff/password"),
        ("admin", admin, "/staff/admin/"),
        ("admin", admin, "/staff/admin/users"),
    ]


def test_security_headers_on_every_page_type(pages):
    for kind, client, path in pages:
        response = client.get(path, buffered=True)
        assert response.status_code in (200, 404), (path, response.status_code)
        h = response.headers
        csp = h.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert h.get("X-Content-Type-Options") == "nosniff", path
        assert h.get("X-Frame-Options") == "DENY", path
        expected_referrer = "no-referrer" if kind == "secret" else "strict-origin-when-cross-origin"
        assert h.get("Referrer-Policy") == expected_referrer, path
        if kind in ("secret", "tracking", "staff", "admin"):
            assert "no-store" in h.get("Cache-Control", ""), path
        assert "Strict-Transport-Security" not in h, path  # testing runs on plain HTTP
        if response.mimetype == "text/html":
            csp_directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
            assert csp_directives["script-src"] == "'self'" and csp_directives["style-src"] == "'self'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_no_inline_script_or_style_in_any_html_page(pages):
    for _kind, client, path in pages:
        response = client.get(path, buffered=True)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html).group(0))
        assert " style=" not in html and "<style" not in html, path
        assert not INLINE_HANDLER.search(html), path
        assert "javascript:" not in html.lower(), path


def test_hsts_in_production(app, monkeypatch):
    prod = create_app(
        "production",
        SECRET_KEY="k" * 32,
        BASE_URL="https://phananh.sokhcn.gov.vn",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={},
        UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
    )
    response = prod.test_client().get("/", base_url="https://phananh.sokhcn.gov.vn")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
