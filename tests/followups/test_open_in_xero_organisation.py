""""Open in Xero" opens the record in the organisation it was sent to, for a person with several
Xero organisations: the link names the organisation by the ShortCode Xero's /Organisation gives,
read on connecting and on reconnecting. Real OAuth path and the Xero sandbox over HTTP, a real
RQ worker, the record page as a bookkeeper sees it."""

from __future__ import annotations

import html
import re
import uuid
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from tests.sync.conftest import Books
from tests.sync.test_engine_scenarios import _customer, _invoice, _send_and_wait, _transfer
from tests.ui import sign_in


def _link(client, tid: int) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/records/{tid}").get_data(as_text=True)
    found = re.search(r'<a class="package-link" href="([^"]+)"[^>]*>Open in Xero</a>', page)
    assert found, page
    return html.unescape(found.group(1))


def _short_code(books: Books) -> str:
    answer = books.package_api("GET", "Organisation")
    assert answer.status_code == 200, answer.text
    return answer.json()["Organisations"][0]["ShortCode"]


def _reconnect(app, company_id: int, tenant_id: str) -> None:  # type: ignore[no-untyped-def]
    """Consent again, choosing this organisation, then the connection is stored again the way
    the wizard's reconnect stores it."""
    from app.connections import oauth_state
    from app.connections.sandbox_consent import _FormFields, with_login_hint
    from app.connections.service import exchange_code, list_tenants, save_connection
    from app.demo import redirect_uri
    from connectors import connector_class

    with app.app_context():
        state = oauth_state.remember(company_id, "xero")
        url = with_login_hint(
            connector_class("xero").authorization_url(app.config, redirect_uri(), state),
            company_id)
        session = requests.Session()
        form = _FormFields()
        form.feed(session.get(url, timeout=30).text)
        data = {**form.fields, "decision": "allow", "tenant_id": tenant_id}
        answer = session.post(urljoin(url, form.action or ""), data=data,
                              allow_redirects=False, timeout=30)
        code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
        creds = exchange_code("xero", code, redirect_uri())
        tenant = next(t for t in list_tenants("xero", creds) if t.id == tenant_id)
        save_connection(company_id, "xero", creds, tenant)
        from app.extensions import db

        db.session.remove()


def _forget_short_code(app, connection_id: int) -> None:  # type: ignore[no-untyped-def]
    """As a connection made before short codes were kept."""
    from app.extensions import db
    from app.models import Connection

    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        creds = connection.credentials
        connection.credentials = creds.with_tokens(
            extra={k: v for k, v in creds.extra.items() if k != "short_code"})
        db.session.commit()
        db.session.remove()


def test_open_in_xero_names_the_organisation_the_record_went_to(
    app, client, live_url, make_company, worker_process
) -> None:
    from app.demo import connect_sandbox
    from app.extensions import db

    made = make_company()
    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        plumbing = connect_sandbox("xero", made.company_id, f"Plumbing {tag}")
        heating = connect_sandbox("xero", made.company_id, f"Heating {tag}")
        for connection in (plumbing, heating):
            connection.schedule = "manual"
        db.session.commit()
        ids = (plumbing.id, heating.id)
        tenant_of_heating = heating.tenant_id
        db.session.remove()
    first, second = (Books(app, live_url, made.company_id, made.api_key, i) for i in ids)
    codes = {b.connection_id: _short_code(b) for b in (first, second)}
    assert all(re.fullmatch(r"![A-Za-z0-9-]{5}", c) for c in codes.values()), codes
    assert codes[first.connection_id] != codes[second.connection_id]

    p = f"OX{made.company_id}-"
    second.post_all([_customer(f"{p}C1", f"Hot Water {p}"),
                     _invoice(f"{p}I1", f"{p}INV-7", f"{p}C1")])
    worker_process()
    assert _send_and_wait(second)["status"] == "finished"
    invoice = _transfer(second, "invoice", f"{p}I1")
    assert invoice.state == "sent" and invoice.external_id
    sign_in(client, made.email, made.password)

    link = urlsplit(_link(client, invoice.id))
    query = parse_qs(link.query)
    assert f"{link.scheme}://{link.netloc}{link.path}" == \
        "https://go.xero.com/organisationlogin/default.aspx"
    assert query["shortcode"] == [codes[second.connection_id]]  # the heating organisation
    assert query["redirecturl"] == [f"/AccountsReceivable/View.aspx?InvoiceID="
                                    f"{invoice.external_id}"]

    # A connection made before this release has no short code: today's plain link, until the
    # next reconnect reads it.
    _forget_short_code(app, second.connection_id)
    assert _link(client, invoice.id) == (
        f"https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={invoice.external_id}")
    _reconnect(app, made.company_id, tenant_of_heating)
    assert parse_qs(urlsplit(_link(client, invoice.id)).query)["shortcode"] == [
        codes[second.connection_id]]
