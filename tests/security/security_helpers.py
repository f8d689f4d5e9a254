"""Helpers of the security tests (import with `from security_helpers import ...`)."""

from __future__ import annotations

from support import csrf_token

PASSWORD = "secret-pass-1"


def sign_in(client, email: str, password: str = PASSWORD):
    """POST the sign-in form from `client`."""
    token = csrf_token(client, "/staff/login")
    return client.post("/staff/login", data={"email": email, "password": password, "csrf_token": token})
