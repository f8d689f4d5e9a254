"""Fixtures for the security tests (issue 11): clients that release the test's transaction before each
request (SQLite's write lock), signed-in staff, and a client from a given address."""

from __future__ import annotations

import pytest

from tests.support import PASSWORD, csrf_token, release_before_requests, sign_in

_release_before_requests = pytest.fixture(autouse=True)(release_before_requests)


@pytest.fixture
def client_from(app):
    """A fresh client whose requests come from `address` (REMOTE_ADDR, as the server sees it)."""

    def factory(address: str = "127.0.0.1", **headers):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        for name, value in headers.items():
            client.environ_base["HTTP_" + name.upper().replace("-", "_")] = value
        return client

    return factory


@pytest.fixture
def signed_in(client_from):
    """A client signed in as `user` (from `address`), with a CSRF token for its forms in `.token`."""

    def factory(user, address: str = "127.0.0.1", password: str = PASSWORD, **headers):
        client = client_from(address, **headers)
        response = sign_in(client, user.email, password)
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        client.token = csrf_token(client, "/staff/")
        return client

    return factory
