"""Connecting Xero through the wizard, against the sandbox's consent page over real HTTP."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Connection
from tests.connections import (
    answer_consent,
    callback,
    connect,
    org_name,
    signed_in,
    start,
    text,
)
from tests.ui import csrf_from


def _connections(app, company_id: int) -> list[Connection]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.execute(
            db.select(Connection).filter_by(company_id=company_id).order_by(Connection.id)
        ).scalars().all()
        db.session.expunge_all()
        return list(rows)


@pytest.fixture
def admin(app, live_url, make_company):  # type: ignore[no-untyped-def]
    made = make_company()
    return made, signed_in(app, made)


def test_connect_xero_saves_the_connection(app, admin) -> None:
    made, client = admin
    name = org_name("Plumb")
    url = start(client)
    assert "/sandbox/xero/identity/connect/authorize" in url and "state=" in url
    answer = callback(client, answer_consent(url, organisation=name))
    [conn] = _connections(app, made.company_id)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/connections/{conn.id}/import")
    assert (conn.package, conn.tenant_name, conn.status) == ("xero", name, "connected")
    # Nothing goes before the import and the mapping: a new connection starts manual.
    assert conn.schedule == "manual" and conn.imported_at is None
    with app.app_context():
        creds = db.session.get(Connection, conn.id).credentials
    assert creds.access_token and creds.access_token not in conn.credentials_encrypted
    # The session cookie never carries the tokens, even encrypted-looking.
    cookie = client.get_cookie("session")
    serializer = app.session_interface.get_signing_serializer(app)
    assert creds.access_token not in str(serializer.loads(cookie.value))
    page = text(client.get(answer.headers["Location"]))
    assert f"Connected to Xero: {name}." in page
    assert "Import customers and suppliers" in page
    listing = text(client.get("/connections"))
    assert name in listing and "Not imported" in listing and "Connect Xero" in listing


def test_state_mismatch_saves_nothing(app, admin) -> None:
    made, client = admin
    params = answer_consent(start(client), organisation=org_name())
    tampered = dict(params, state=params["state"] + "x")
    answer = callback(client, tampered)
    assert answer.status_code == 400
    assert "does not match a connection started from this browser" in text(answer)
    # The real answer is no good either now: the state was used up by the first callback.
    assert callback(client, params).status_code == 400
    # Nor from a browser that never started connecting.
    other = signed_in(app, made)
    assert callback(other, answer_consent(start(client), organisation=org_name())).status_code \
        == 400
    assert _connections(app, made.company_id) == []


def test_access_denied_explains_and_offers_try_again(app, admin) -> None:
    made, client = admin
    params = answer_consent(start(client), decision="deny")
    assert params["error"] == "access_denied"
    answer = callback(client, params)
    page = text(answer)
    assert answer.status_code == 400
    assert "You chose not to allow access at Xero" in page
    assert ">Try again</button>" in page
    # Try again starts a fresh sign-in.
    again = client.post("/connections/new/xero", data={"csrf_token": csrf_from(page)})
    assert again.status_code == 302 and "/identity/connect/authorize" in again.headers["Location"]
    assert _connections(app, made.company_id) == []


def test_replayed_code_is_refused(app, admin) -> None:
    made, client = admin
    params = answer_consent(start(client), organisation=org_name())
    assert callback(client, params).status_code == 302
    # The same code again, under a state this browser really did start.
    url = start(client)
    state = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))["state"]
    answer = callback(client, dict(params, state=state))
    assert answer.status_code == 400
    assert "Xero did not accept the authorisation" in text(answer)
    assert len(_connections(app, made.company_id)) == 1


def test_several_organisations_ask_which(app, admin) -> None:
    from app.connections.sandbox_consent import login_hint
    from sandboxes.kit import store as kit_store
    from sandboxes.xero import store as store

    made, client = admin
    names = [org_name("North"), org_name("South")]
    with app.app_context():
        # Owned by the company's sandbox account: the one its sign-ins name.
        owner = login_hint(made.company_id)
        ids = [store.create_organisation(n, owner)["OrganisationID"] for n in names]
        kit_store.commit()
    answer = callback(client, answer_consent(start(client), tenant_ids=ids))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/connections/choose")
    page = text(client.get("/connections/choose"))
    assert names[0] in page and names[1] in page
    assert _connections(app, made.company_id) == []  # nothing saved before the choice
    token = csrf_from(page)
    missing = client.post("/connections/choose", data={"csrf_token": token})
    assert missing.status_code == 400 and "Choose the organisation" in text(missing)
    forged = client.post("/connections/choose", data={"csrf_token": token, "tenant_id": "nope"})
    assert forged.status_code == 400
    chosen = client.post("/connections/choose", data={"csrf_token": token, "tenant_id": ids[1]})
    assert chosen.status_code == 302
    [conn] = _connections(app, made.company_id)
    assert (conn.tenant_id, conn.tenant_name) == (ids[1], names[1])
    # The waiting credentials are gone once used.
    assert client.get("/connections/choose").status_code == 410


def test_connect_twice_to_one_organisation_keeps_one_row(app, admin) -> None:
    made, client = admin
    name = org_name()
    assert connect(client, name).status_code == 302
    [first] = _connections(app, made.company_id)
    again = callback(client, answer_consent(start(client), tenant_ids=[first.tenant_id]))
    assert again.status_code == 302
    assert [c.id for c in _connections(app, made.company_id)] == [first.id]
