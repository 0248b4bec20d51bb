"""Disconnect wipes a connection's secrets (tokens, and the password of a package signed into
with a form) and keeps what the history needs: which organisation it was, and the short code
that "Open in Xero" names it by. Real sign-in against the sandbox Xero over HTTP, the
disconnect pressed as an admin presses it, the stored row read back and decrypted."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest

import connectors
from app.crypto import decrypt
from app.extensions import db
from app.models import Connection
from connectors.base import Credentials
from tests.connections import connect, org_name, signed_in, text
from tests.ui import add_invoice, add_transfer, csrf_from


@pytest.fixture
def admin(app, live_url, make_company):  # type: ignore[no-untyped-def]
    made = make_company()
    return made, signed_in(app, made)


@dataclass(frozen=True)
class Stored:
    id: int
    package: str
    status: str
    tenant_name: str
    raw: str  # the credentials exactly as stored, decrypted
    credentials: Credentials


def _stored(app, company_id: int) -> Stored:  # type: ignore[no-untyped-def]
    """The company's latest connection as the database holds it."""
    with app.app_context():
        conn = db.session.execute(db.select(Connection).filter_by(company_id=company_id)
                                  .order_by(Connection.id.desc())).scalars().first()
        found = Stored(conn.id, conn.package, conn.status, conn.tenant_name,
                       decrypt(conn.credentials_encrypted), conn.credentials)
        db.session.remove()
        return found


def _disconnect(client, connection_id: int) -> str:  # type: ignore[no-untyped-def]
    page = text(client.get(f"/connections/{connection_id}/disconnect"))
    done = client.post(f"/connections/{connection_id}/disconnect",
                       data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert done.status_code == 200
    return text(done)


def _open_in_xero(client, transfer_id: int) -> str:  # type: ignore[no-untyped-def]
    page = text(client.get(f"/records/{transfer_id}"))
    found = re.search(r'<a class="package-link" href="([^"]+)"', page)
    assert found, page
    return html.unescape(found.group(1))


def test_disconnect_wipes_the_tokens_and_keeps_the_organisation_and_its_links(app, admin):
    made, client = admin
    assert connect(client, org_name("Wipe")).status_code == 302
    conn = _stored(app, made.company_id)
    before = conn.credentials
    assert before.access_token and before.refresh_token and before.extra.get("short_code")
    assert before.extra.get("scope")  # granted scopes: nothing the history needs
    with app.app_context():
        invoice = add_invoice(made.company_id, "INV-W1", "Wiped Ltd")
        transfer = add_transfer(made.company_id, conn.id, invoice, "sent", external_id="x-w1")
    link_before = _open_in_xero(client, transfer)

    assert "Its history, mapping and links are kept" in _disconnect(client, conn.id)

    row = _stored(app, made.company_id)
    assert row.status == "disconnected"
    for secret in (before.access_token, before.refresh_token):
        assert secret not in row.raw
    after = row.credentials
    assert (after.access_token, after.refresh_token, after.expires_at) == ("", "", 0.0)
    assert (after.tenant_id, after.tenant_name) == (before.tenant_id, before.tenant_name)
    assert dict(after.extra) == {"short_code": before.extra["short_code"]}
    # The history still opens each record in the organisation it was sent to.
    assert _open_in_xero(client, transfer) == link_before
    assert f"shortcode={before.extra['short_code']}" in link_before.replace("%21", "!")


@pytest.fixture
def login_package(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(connectors._REGISTRY, "xero_login",
                        "tests.connections.packages:LoginXero")


def test_disconnect_wipes_a_stored_password(app, admin, login_package):
    made, client = admin
    organisation, password = org_name("Login"), "correct horse battery staple"
    page = text(client.get("/connections/new/xero_login"))
    assert 'type="password"' in page
    signed = client.post("/connections/new/xero_login", data={
        "csrf_token": csrf_from(page), "username": organisation, "password": password})
    assert signed.status_code == 302, text(signed)[:500]
    conn = _stored(app, made.company_id)
    assert conn.package == "xero_login" and conn.tenant_name == organisation
    assert password in conn.raw  # kept while connected: the package is signed into with it

    _disconnect(client, conn.id)

    row = _stored(app, made.company_id)
    assert row.status == "disconnected" and row.tenant_name == organisation
    assert password not in row.raw and organisation in row.raw
    assert "password" not in row.credentials.extra
    assert "username" not in row.credentials.extra  # not declared public: wiped with the rest
