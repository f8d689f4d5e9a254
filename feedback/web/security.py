"""Security headers on every response, from one after-request hook (ASVS 14.4).

- Content-Security-Policy: scripts, styles, images and fonts from this site only; no inline script
  or style (they live in static/), no framing, no plug-ins, forms post only here.
- Referrer-Policy: no-referrer where the URL holds a secret (tracking links, confirmation page),
  strict-origin-when-cross-origin elsewhere.
- Cache-Control: no-store on tracking, staff and administration pages (personal data).
- Strict-Transport-Security when HSTS_SECONDS is set (production).
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Downloads (attachments, exports) are never rendered as a page of this site.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"

SECRET_URL_PREFIXES = ("/track/", "/submit/done/")
PRIVATE_PREFIXES = ("/track", "/staff", "/submit/done")


def attachment_disposition(filename: str) -> str:
    """`Content-Disposition: attachment` with an ASCII `filename` and the exact name as RFC 5987
    `filename*` (UTF-8, percent-encoded): no quote, semicolon, CR or LF can reach the header."""
    import unicodedata
    from urllib.parse import quote

    ascii_name = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = (
        "".join(
            c if c.isascii() and (c.isalnum() or c in " ._-()") else ("" if unicodedata.combining(c) else "_")
            for c in ascii_name
        ).strip()
        or "tep"
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def secret_url(path: str) -> bool:
    """Whether the URL itself is a secret (a tracking token)."""
    return path.startswith(SECRET_URL_PREFIXES)


def private_page(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


def add_headers(response: Response, hsts_seconds: int = 0) -> Response:
    """Set the security headers on `response` (those a view set itself are kept)."""
    path = request.path
    headers = response.headers
    is_download = "attachment" in headers.get("Content-Disposition", "")
    headers.setdefault("Content-Security-Policy", DOWNLOAD_CSP if is_download else CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers["Referrer-Policy"] = "no-referrer" if secret_url(path) else "strict-origin-when-cross-origin"
    if private_page(path):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
        if not path.startswith("/track/") and not path.startswith("/submit/done"):
            headers.add("Vary", "Cookie")
    if hsts_seconds:
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains")
    return response


def register(app: Flask) -> None:
    """Install the hook."""

    @app.after_request
    def security_headers(response: Response) -> Response:
        return add_headers(response, app.config.get("HSTS_SECONDS", 0))
