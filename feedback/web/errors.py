"""Error pages in the user's language; JSON for the open API."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..extensions import db


def _messages() -> dict[int, str]:
    return {
        400: _("Yêu cầu không hợp lệ."),
        403: _("Quý vị không có quyền thực hiện thao tác này."),
        404: _("Không tìm thấy trang hoặc hồ sơ Quý vị yêu cầu."),
        405: _("Phương thức không được hỗ trợ."),
        409: _("Thao tác không thực hiện được ở trạng thái hiện tại của hồ sơ."),
        413: _("Dữ liệu gửi lên quá lớn. Vui lòng giảm kích thước tệp đính kèm."),
        429: _("Quý vị đã thao tác quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."),
        500: _("Hệ thống gặp sự cố. Dữ liệu của Quý vị chưa bị mất; vui lòng thử lại sau."),
    }


def retry_message(seconds: int) -> str:
    """When to try again after a 429, in whole minutes (at least one)."""
    minutes = max(1, -(-seconds // 60))
    return _("Quý vị đã thao tác quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau %(n)d phút.", n=minutes)


def too_many(retry_after: int, response):
    """A 429 answer with Retry-After from a Flask response or a (body, status) pair."""
    response = make_response(response)
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response


def render_error(status: int, message: str | None = None):
    """An error page (or JSON under /open311) with a message in the user's language."""
    message = message or _messages().get(status, _("Đã có lỗi xảy ra."))
    if request.path.startswith("/open311/"):
        return jsonify([{"code": status, "description": message}]), status
    return render_template("errors/error.html", status=status, message=message), status


def strip_illegal_characters():
    """Remove NUL, other control characters and Unicode non-characters from every query and form
    field (names and values) before any view reads them, as the text clean-up does: a stray NUL in
    one field no longer empties the whole form, and nothing XML cannot carry reaches the database."""
    from werkzeug.datastructures import ImmutableMultiDict

    from ..domain.contact import strip_illegal

    if "\x00" in request.path:
        return render_error(404)
    sources = ["args"] + (["form"] if request.method in ("POST", "PUT", "PATCH", "DELETE") else [])
    for name in sources:
        data = getattr(request, name)
        items = list(data.items(multi=True))
        cleaned = [(strip_illegal(k), strip_illegal(v)) for k, v in items]
        if cleaned != items:
            request.__dict__[name] = ImmutableMultiDict(cleaned)  # werkzeug caches these in __dict__
    return None


def register(app: Flask) -> None:
    """Install the handlers."""
    app.before_request(strip_illegal_characters)

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return render_error(
            400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và gửi lại.")
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc):
        return render_error(413)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # abort(409, description="...") carries our own message; a class default is English boilerplate.
        description = exc.description if exc.description != type(exc).description else None
        response = render_error(exc.code or 500, description)
        retry_after = getattr(exc, "retry_after", None)
        if exc.code == 429 and retry_after:  # say when to try again, in words and in the header
            seconds = retry_after if isinstance(retry_after, int) else 60
            response = render_error(429, retry_message(seconds))
            response[0].headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        return render_error(500)
