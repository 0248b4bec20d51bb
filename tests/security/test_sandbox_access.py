"""Issue 8, item 2: the sandboxes' consent pages, redirect URIs and tokens, probed over real
HTTP the way an attacker did (a plain requests session: no Ledgerlink sign-in)."""

from __future__ import annotations

import base64
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.models import Connection
from sandboxes.kit import db as kit_db
from sandboxes.kit.db import KitObject
from tests.connections import answer_consent, callback, org_name, signed_in, start

PACKAGES = ["xero", "quickbooks_online"]
TIMEOUT = 30


def _with(url: str, **params: str | None) -> str:
    """`url` with these query parameters replaced (None removes one)."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in params.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def _hidden_fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)}


def _connected(app, made, package: str, name: str) -> Connection:  # type: ignore[no-untyped-def]
    client = signed_in(app, made)
    answer = callback(client, answer_consent(start(client, package), organisation=name))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    with app.app_context():
        conn = db.session.execute(db.select(Connection).filter_by(
            company_id=made.company_id, package=package)).scalar_one()
        db.session.expunge(conn)
        return conn


@pytest.mark.parametrize("package", PACKAGES)
def test_consent_shows_only_the_connecting_companys_organisations(
        app, live_url, make_company, package) -> None:  # type: ignore[no-untyped-def]
    theirs = make_company()
    their_org = org_name("Theirs")
    their_conn = _connected(app, theirs, package, their_org)

    mine = make_company()
    my_url = start(signed_in(app, mine), package)
    page = requests.get(my_url, timeout=TIMEOUT)
    assert page.status_code == 200
    assert their_org not in page.text and their_conn.tenant_id not in page.text
    # Another state, none, no account named, or an account named by a guess (a company id, a
    # pattern): never their organisation.
    for probe in (_with(my_url, state="guessed-state"), _with(my_url, state=None),
                  _with(my_url, login_hint=None),
                  _with(my_url, login_hint=str(theirs.company_id)),
                  _with(my_url, login_hint=f"ledgerlink-{theirs.company_id}")):
        anonymous = requests.get(probe, timeout=TIMEOUT)
        assert their_org not in anonymous.text and their_conn.tenant_id not in anonymous.text
    # Naming their organisation by id in my consent is refused.
    form = _hidden_fields(page.text) | {"tenant_id": their_conn.tenant_id, "decision": "allow"}
    chose = requests.post(my_url, data=form, allow_redirects=False, timeout=TIMEOUT)
    assert chose.status_code == 400 and "code=" not in chose.headers.get("Location", "")


@pytest.mark.parametrize("package", PACKAGES)
def test_only_the_apps_own_callback_gets_the_code(app, live_url, make_company,
                                                  package) -> None:  # type: ignore[no-untyped-def]
    made = make_company()
    url = _with(start(signed_in(app, made), package),
                redirect_uri="https://attacker.example/callback")
    page = requests.get(url, timeout=TIMEOUT)
    assert page.status_code == 400 and "redirect_uri" in page.text
    assert "decision" not in page.text  # no consent form at all
    form = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(url, data=form | {"decision": "allow",
                                             "new_organisation": org_name()},
                           allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 400
    assert "attacker.example" not in answer.headers.get("Location", "")


def test_the_published_client_secret_reads_no_companys_books(app, live_url,
                                                             make_company) -> None:  # type: ignore[no-untyped-def]
    victim = make_company()
    victim_conn = _connected(app, victim, "xero", org_name("Victim"))
    base = f"{live_url}/sandbox/xero"
    callback_uri = f"{live_url}/connections/oauth/callback"
    params = {"response_type": "code", "client_id": app.config["XERO_CLIENT_ID"],
              "redirect_uri": callback_uri, "state": "attacker",
              "scope": "offline_access accounting.transactions accounting.contacts"}
    url = f"{base}/identity/connect/authorize?{urlencode(params)}"
    page = requests.get(url, timeout=TIMEOUT)
    form = _hidden_fields(page.text) | {"tenant_id": victim_conn.tenant_id, "decision": "allow"}
    chose = requests.post(url, data=form, allow_redirects=False, timeout=TIMEOUT)
    assert "code=" not in chose.headers.get("Location", "")
    # Whatever they can consent to is not the victim's organisation.
    form = _hidden_fields(page.text) | {"decision": "allow", "new_organisation": "Mine"}
    location = requests.post(url, data=form, allow_redirects=False,
                             timeout=TIMEOUT).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    secret = f"{app.config['XERO_CLIENT_ID']}:{app.config['XERO_CLIENT_SECRET']}"
    tokens = requests.post(f"{base}/identity/connect/token", timeout=TIMEOUT, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": callback_uri},
        headers={"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}).json()
    invoices = requests.get(f"{base}/api.xro/2.0/Invoices", timeout=TIMEOUT, headers={
        "Authorization": f"Bearer {tokens['access_token']}",
        "xero-tenant-id": victim_conn.tenant_id, "Accept": "application/json"})
    assert invoices.status_code == 403


@pytest.mark.parametrize("package", PACKAGES)
def test_sandbox_tokens_are_stored_hashed(app, live_url, make_company, package) -> None:  # type: ignore[no-untyped-def]
    made = make_company()
    conn = _connected(app, made, package, org_name("Hashed"))
    with app.app_context():
        creds = db.session.get(Connection, conn.id).credentials
        # One refresh too: Xero's sandbox keeps the answer it gave for its grace period.
        from connectors import connector_class

        fresh = connector_class(package).refresh(app.config, creds)
        rows = kit_db.session().execute(
            select(KitObject).filter_by(package=package)).scalars()
        stored = "\n".join(f"{r.object_id} {json.dumps(r.data)}" for r in rows)
    for token in (creds.access_token, creds.refresh_token, fresh.access_token,
                  fresh.refresh_token):
        assert token and token not in stored
