"""A package signed into with a form whose session ends (a session-token package): Ledgerlink
logs in again with the stored username and password (CredentialsLogin.renew), both when the
package answers 401 and ahead of a stated expiry, so the bookkeeper is never asked to sign in
again for it. LoginXero signed into through the wizard, its calls real HTTP to the sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import request, request_finished

import connectors
from app.extensions import db
from app.models import Connection
from app.sync.access import with_package
from app.sync.tokens import REFRESH_MARGIN_SECONDS
from tests.connections import org_name, signed_in, text
from tests.ui import csrf_from


@pytest.fixture
def login_connection(app, live_url, make_company, monkeypatch) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(connectors._REGISTRY, "xero_login",
                        "tests.connections.packages:LoginXero")
    made = make_company()
    client = signed_in(app, made)
    page = text(client.get("/connections/new/xero_login"))
    signed = client.post("/connections/new/xero_login", data={
        "csrf_token": csrf_from(page), "username": org_name("Session"),
        "password": "a password kept to sign in again"})
    assert signed.status_code == 302, text(signed)[:500]
    with app.app_context():
        conn = db.session.execute(db.select(Connection).filter_by(
            company_id=made.company_id)).scalars().one()
        conn_id = conn.id
        db.session.remove()
    return conn_id


@contextmanager
def _refused(app: Any) -> Iterator[list[str]]:
    """Every call the sandbox answered 401 (it is served by this process)."""
    seen: list[str] = []

    def _record(sender: Any, response: Any, **_extra: Any) -> None:
        if response.status_code == 401:
            seen.append(request.path)

    request_finished.connect(_record, app)
    try:
        yield seen
    finally:
        request_finished.disconnect(_record, app)


def _with_stored(app, conn_id: int, **changes: Any) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        conn = db.session.get(Connection, conn_id)
        # No refresh token: what comes back must come from logging in again, not from OAuth.
        conn.credentials = conn.credentials.with_tokens(refresh_token="", **changes)
        db.session.commit()
        db.session.remove()


def _accounts_and_stored(app, conn_id: int) -> tuple[list, Any, str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        conn = db.session.get(Connection, conn_id)
        accounts = with_package(conn, lambda c: c.accounts())
        db.session.refresh(conn)
        found = (accounts, conn.credentials, conn.status)
        db.session.remove()
    return found


def test_session_refused_with_401_is_renewed_by_logging_in_again(app, login_connection) -> None:
    with app.app_context():
        before = db.session.get(Connection, login_connection).credentials
        db.session.remove()
    # The package ended the session although we thought it good for an hour.
    _with_stored(app, login_connection, access_token="an-ended-session",
                 expires_at=time.time() + 3600)
    with _refused(app) as refused:
        accounts, after, status = _accounts_and_stored(app, login_connection)
    assert refused, "the package never refused the ended session"
    assert accounts and status == "connected"
    assert after.extra["renewals"] == 1
    assert after.access_token not in ("", "an-ended-session")
    assert (after.tenant_id, after.tenant_name) == (before.tenant_id, before.tenant_name)
    assert after.extra["password"] == before.extra["password"]


def test_session_about_to_end_is_renewed_before_the_call(app, login_connection) -> None:
    _with_stored(app, login_connection, expires_at=time.time() + REFRESH_MARGIN_SECONDS / 2)
    with _refused(app) as refused:
        accounts, after, status = _accounts_and_stored(app, login_connection)
    assert refused == []  # renewed ahead: nothing went out on the old session
    assert accounts and status == "connected"
    assert after.extra["renewals"] == 1
