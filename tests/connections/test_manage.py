"""After connecting: who may change what, other companies' ids, schedule and cut-off,
disconnect and reconnect keeping the same connection and its transfers."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from app.extensions import db
from app.models import Connection, Transfer
from tests.connections import (
    answer_consent,
    callback,
    connect,
    org_name,
    reconnect,
    signed_in,
    text,
)
from tests.ui import add_connection, add_invoice, add_transfer, csrf_from


def _connection(app, connection_id: int) -> Connection:  # type: ignore[no-untyped-def]
    with app.app_context():
        conn = db.session.get(Connection, connection_id)
        db.session.expunge(conn)
        return conn


def _connected(app, client, company_id: int, name: str | None = None) -> int:  # type: ignore[no-untyped-def]
    assert connect(client, name or org_name()).status_code == 302
    with app.app_context():
        return db.session.execute(
            db.select(Connection.id).filter_by(company_id=company_id)
            .order_by(Connection.id.desc())
        ).scalars().first()


PAGES = ("reconnect", "disconnect", "import", "mapping-step", "schedule")


def test_another_companys_connection_is_not_found(app, make_company) -> None:
    ours, theirs = make_company(), make_company()
    with app.app_context():
        their_conn = add_connection(theirs.company_id, tenant_name="Their Org")
    client = signed_in(app, ours)
    token = csrf_from(text(client.get("/connections")) + text(client.get("/connections/new/xero")))
    for page in PAGES:
        assert client.get(f"/connections/{their_conn}/{page}").status_code == 404, page
        posted = client.post(f"/connections/{their_conn}/{page}", data={"csrf_token": token})
        assert posted.status_code in (404, 405), page
    progress = client.get(f"/connections/{their_conn}/import/progress?job=x",
                          headers={"HX-Request": "true"})
    assert progress.status_code == 404
    assert "Their Org" not in text(client.get("/connections"))
    assert _connection(app, their_conn).status == "connected"
    assert client.get("/connections/new/nonsense").status_code == 404


def test_bookkeeper_sees_but_cannot_change(app, make_company) -> None:
    made = make_company(role="bookkeeper")
    with app.app_context():
        conn = add_connection(made.company_id, tenant_name="Books Org", schedule="manual")
        revoked = add_connection(made.company_id, tenant_name="Revoked Org",
                                 status="reconnect_needed")
    client = signed_in(app, made)
    listing = text(client.get("/connections"))
    assert "Books Org" in listing and "Only an admin of this company" in listing
    assert "Reconnect needed" in listing
    # No button that would end in a refusal: connecting and changing are an admin's.
    for button in (f"/connections/{revoked}/reconnect", f"/connections/{conn}/disconnect",
                   f"/connections/{conn}/schedule", "/connections/new/xero"):
        assert f'href="{button}"' not in listing, button
    assert "An admin of this company can connect Xero." in listing
    page = text(client.get(f"/connections/{revoked}/reconnect"))
    assert "stopped accepting Ledgerlink" in page and "Sign in to Xero</button>" not in page
    token = csrf_from(text(client.get("/connections/new/xero")))
    for path, data in (
        ("/connections/new/xero", {}),
        (f"/connections/{conn}/disconnect", {}),
        (f"/connections/{conn}/reconnect", {}),
        (f"/connections/{conn}/import", {}),
        (f"/connections/{conn}/schedule", {"schedule": "automatic"}),
    ):
        answer = client.post(path, data={"csrf_token": token, **data})
        assert answer.status_code == 403, path
        assert "Only an admin of this company can connect" in text(answer)
    assert client.get("/connections/oauth/callback?code=x&state=y").status_code == 403
    row = _connection(app, conn)
    assert (row.status, row.schedule) == ("connected", "manual")


def test_schedule_and_cutoff(app, make_company) -> None:
    made = make_company()
    with app.app_context():
        conn = add_connection(made.company_id, schedule="manual")
    client = signed_in(app, made)
    page = text(client.get(f"/connections/{conn}/schedule"))
    assert "Records dated before the cut-off date are never sent to Xero." in page
    assert 'aria-invalid="false"' in page and "None" not in page
    token = csrf_from(page)
    for bad, words in (("31/02/2026", "Enter the cut-off date as a date"),
                       ("soon", "Enter the cut-off date as a date"),
                       ("2999-01-01", "more than a year away")):
        answer = client.post(f"/connections/{conn}/schedule",
                             data={"csrf_token": token, "schedule": "automatic",
                                   "cutoff_date": bad})
        assert answer.status_code == 400 and words in text(answer), bad
        assert 'aria-invalid="true"' in text(answer)
    wrong = client.post(f"/connections/{conn}/schedule",
                        data={"csrf_token": token, "schedule": "hourly"})
    assert wrong.status_code == 400
    assert _connection(app, conn).schedule == "manual"  # nothing half-saved
    saved = client.post(f"/connections/{conn}/schedule",
                        data={"csrf_token": token, "schedule": "automatic",
                              "cutoff_date": "01/04/2026"}, follow_redirects=True)
    assert "Records dated before 01/04/2026 are never sent." in text(saved)
    row = _connection(app, conn)
    assert (row.schedule, row.cutoff_date) == ("automatic", date(2026, 4, 1))
    cleared = client.post(f"/connections/{conn}/schedule",
                          data={"csrf_token": token, "schedule": "manual", "cutoff_date": ""})
    assert cleared.status_code == 303
    row = _connection(app, conn)
    assert (row.schedule, row.cutoff_date) == ("manual", None)


@pytest.fixture
def admin(app, live_url, make_company):  # type: ignore[no-untyped-def]
    made = make_company()
    return made, signed_in(app, made)


def test_disconnect_and_reconnect_keep_the_connection(app, admin) -> None:
    made, client = admin
    conn = _connected(app, client, made.company_id)
    with app.app_context():
        invoice = add_invoice(made.company_id, "INV-DR1", "Keep Me Ltd")
        transfer = add_transfer(made.company_id, conn, invoice, "sent", external_id="x-1")
        old_access = db.session.get(Connection, conn).credentials.access_token
    page = text(client.get(f"/connections/{conn}/disconnect"))
    assert "Nothing is deleted" in page
    done = client.post(f"/connections/{conn}/disconnect", data={"csrf_token": csrf_from(page)},
                       follow_redirects=True)
    assert "Its history, mapping and links are kept" in text(done)
    assert "We could not reach" not in text(done)
    row = _connection(app, conn)
    assert row.status == "disconnected" and row.tenant_id
    with app.app_context():
        assert db.session.get(Connection, conn).credentials.access_token == ""
    # Xero really withdrew the grant: the old token no longer works.
    base = app.config["BASE_URL"]
    gone = requests.get(f"{base}/sandbox/xero/connections", timeout=30,
                        headers={"Authorization": f"Bearer {old_access}"})
    assert gone.status_code == 401

    params = answer_consent(reconnect(client, conn), tenant_ids=[row.tenant_id])
    back = callback(client, params)
    assert back.status_code == 302
    with app.app_context():
        rows = db.session.execute(
            db.select(Connection).filter_by(company_id=made.company_id)).scalars().all()
        assert [(c.id, c.status) for c in rows] == [(conn, "connected")]
        assert db.session.get(Transfer, transfer).external_id == "x-1"
        assert db.session.get(Connection, conn).credentials.access_token


def test_disconnect_when_the_package_is_unreachable_says_so(app, admin) -> None:
    made, client = admin
    conn = _connected(app, client, made.company_id)
    page = text(client.get(f"/connections/{conn}/disconnect"))
    saved = app.config["XERO_IDENTITY_URL"]
    app.config["XERO_IDENTITY_URL"] = "http://127.0.0.1:9"  # nothing listens there
    try:
        done = client.post(f"/connections/{conn}/disconnect",
                           data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    finally:
        app.config["XERO_IDENTITY_URL"] = saved
    assert "We could not reach Xero to withdraw Ledgerlink&#39;s access" in text(done)
    assert _connection(app, conn).status == "disconnected"


def test_reconnect_to_another_organisation_warns_before_replacing(app, admin) -> None:
    made, client = admin
    first_name, other_name = org_name("First"), org_name("Other")
    conn = _connected(app, client, made.company_id, first_name)
    answer = callback(client, answer_consent(reconnect(client, conn), organisation=other_name))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/choose")
    warning = text(client.get("/connections/choose"))
    assert f"This connection sends to {first_name}, but you chose {other_name}." in warning
    assert _connection(app, conn).status == "connected"  # nothing changed yet
    replaced = client.post("/connections/choose", data={
        "csrf_token": csrf_from(warning), "tenant_id": _tenant_in(warning), "replace": "yes"})
    assert replaced.status_code == 302
    with app.app_context():
        rows = db.session.execute(db.select(Connection).filter_by(
            company_id=made.company_id).order_by(Connection.id)).scalars().all()
        assert [(r.tenant_name, r.status) for r in rows] == [
            (first_name, "disconnected"), (other_name, "connected")]


def _tenant_in(page: str) -> str:
    import re

    match = re.search(r'name="tenant_id" value="([^"]+)"', page)
    assert match
    return match.group(1)
