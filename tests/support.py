"""Helpers shared by test modules: import them with `from support import ...`.

(Sub-folders have conftest.py files of their own, so `from conftest import ...` is ambiguous.)
"""

from __future__ import annotations

import re
import threading

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client, path: str = "/track") -> str:
    """A valid CSRF token for this client's session, read from a page with a form."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1) or match.group(2)


VALID_FORM = {
    "submitter_type": "enterprise",
    "organization": "Công ty TNHH Cơ khí Chính xác Long An",
    "tax_code": "0101243150",
    "name": "Nguyễn Văn An",
    "email": "an.nguyen@example.com",
    "phone": "0912 345 678",
    "address": "Lô C5, KCN Đức Hòa 1, tỉnh Tây Ninh",
    "kind": "complaint",
    "category": "TDC",
    "title": "Thời gian kiểm định cân thương mại kéo dài",
    "content": "Doanh nghiệp đã nộp hồ sơ kiểm định từ tháng trước nhưng chưa có lịch kiểm định.",
    "regulation": "Thông tư 23/2013/TT-BKHCN",
    "consent_publish": "y",
}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]




class SMTPSink:
    """An aiosmtpd handler keeping what a real SMTP server accepted: (recipients, EmailMessage) pairs."""

    def __init__(self) -> None:
        self.messages = []
        self.raw = []  # the bytes as received, for tests of the wire format
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
            self.raw.append(envelope.content)
        return "250 OK"

    def subjects(self) -> list[str]:
        with self.lock:
            return [m["Subject"] for _r, m in self.messages]

    def bodies(self) -> list[str]:
        with self.lock:
            return [m.get_body(("plain",)).get_content() for _r, m in self.messages]
