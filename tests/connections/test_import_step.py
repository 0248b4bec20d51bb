"""The one-time import step: a real RQ worker reads the sandbox Xero's contacts while the
page's fragment polls, and stops polling (HTTP 286) when the job is over."""

from __future__ import annotations

import re
import time

import requests

from app.extensions import db
from app.models import Connection
from tests.connections import connect, org_name, signed_in, text
from tests.ui import csrf_from

HX = {"HX-Request": "true"}


def _xero(app, connection_id: int, method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
    with app.app_context():
        from app.sync.tokens import fresh_credentials

        creds = fresh_credentials(db.session.get(Connection, connection_id))
        db.session.remove()
    return requests.request(
        method, f"{app.config['BASE_URL']}/sandbox/xero/api.xro/2.0/{path}", timeout=30,
        headers={"Authorization": f"Bearer {creds.access_token}",
                 "xero-tenant-id": creds.tenant_id, "Accept": "application/json"}, **kwargs)


def _poll(client, url: str, timeout: float = 60) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(url, headers=HX)
        assert answer.status_code in (200, 286), text(answer)
        assert "HX-Request" in answer.headers.get("Vary", "")
        if answer.status_code == 286:
            return text(answer), 286
        time.sleep(0.3)
    raise AssertionError("the import never finished")


def test_import_through_a_worker(app, live_url, make_company, worker_process) -> None:
    made = make_company()
    client = signed_in(app, made)
    assert connect(client, org_name("Import")).status_code == 302
    with app.app_context():
        conn = db.session.execute(db.select(Connection.id).filter_by(
            company_id=made.company_id)).scalar_one()
    made_contacts = _xero(app, conn, "PUT", "Contacts", json={"Contacts": [
        {"Name": "Existing Plumbing Ltd", "ContactNumber": "EX-1"},
        {"Name": "Boiler Parts Wholesale"},
        {"Name": "Gone Away Ltd", "ContactNumber": "EX-3"},
    ]})
    assert made_contacts.status_code == 200, made_contacts.text
    gone = {c["Name"]: c["ContactID"] for c in made_contacts.json()["Contacts"]}["Gone Away Ltd"]
    archived = _xero(app, conn, "POST", f"Contacts/{gone}", json={"Contacts": [
        {"ContactID": gone, "ContactStatus": "ARCHIVED"}]})
    assert archived.status_code == 200, archived.text

    page = text(client.get(f"/connections/{conn}/import"))
    assert "Nothing is changed in Xero: we only read." in page and ">Skip</a>" in page
    started = client.post(f"/connections/{conn}/import", data={"csrf_token": csrf_from(page)},
                          headers=HX)
    assert started.status_code == 200
    fragment = text(started)
    assert 'hx-trigger="every 1s"' in fragment and "Waiting for a worker" in fragment
    poll_url = re.search(r'hx-get="([^"]+)"', fragment).group(1).replace("&amp;", "&")
    # A second click joins the same job rather than queueing another.
    again = client.post(f"/connections/{conn}/import", data={"csrf_token": csrf_from(page)},
                        headers=HX)
    assert re.search(r'hx-get="([^"]+)"', text(again)).group(1).replace("&amp;", "&") == poll_url

    worker_process()
    final, _ = _poll(client, poll_url)
    assert "Import finished: 2 customers and 0 suppliers added from Xero." in final
    assert "<strong>1</strong> archived, left out" in final
    assert "hx-trigger" not in final  # the finished fragment does not poll again
    # The back button / a reload gets the full page, not a bare fragment.
    full = client.get(poll_url)
    assert full.status_code == 302

    # Never offered again for this connection.
    page = text(client.get(f"/connections/{conn}/import"))
    assert "were imported from" in page and "it is not offered again" in page
    with app.app_context():
        assert db.session.get(Connection, conn).imported_at is not None
    repeat = client.post(f"/connections/{conn}/import", data={"csrf_token": csrf_from(page)},
                         follow_redirects=True)
    assert "already imported from this connection" in text(repeat)
    assert "Import customers and suppliers</button>" not in text(repeat)


def test_a_failed_import_is_told_in_words(app, live_url, make_company, worker_process) -> None:
    made = make_company()
    client = signed_in(app, made)
    assert connect(client, org_name("Revoked")).status_code == 302
    with app.app_context():
        conn_row = db.session.execute(db.select(Connection).filter_by(
            company_id=made.company_id)).scalar_one()
        conn, creds = conn_row.id, conn_row.credentials
        from connectors.xero import XeroConnector

        XeroConnector.revoke(app.config, creds)  # access withdrawn at Xero's end
        conn_row.credentials = creds.with_tokens(expires_at=0.0)  # forces a refresh
        db.session.commit()
    page = text(client.get(f"/connections/{conn}/import"))
    started = client.post(f"/connections/{conn}/import", data={"csrf_token": csrf_from(page)})
    assert started.status_code == 303
    job_url = started.headers["Location"]
    assert "job=" in job_url
    worker_process()
    job = job_url.split("job=", 1)[1]
    final, _ = _poll(client, f"/connections/{conn}/import/progress?job={job}")
    assert "Xero no longer accepts Ledgerlink&#39;s access, so the import stopped." in final
    assert "Reconnect Xero, then import again." in final
    # Another connection's job id is not shown through this connection.
    assert client.get(f"/connections/{conn}/import/progress?job=nope", headers=HX)\
        .status_code == 404
