"""Words on the dashboard: connections named by organisation, a disconnected connection that
offers nothing to press, lost access said once, and no symbol that depends on the reader's
fonts anywhere in the templates."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.models import utcnow
from tests.helpers import add_member
from tests.ui import add_connection, add_invoice, add_transfer, page_token, runs_of, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def signed_in(client, make_company):
    made = make_company(name="Acme Group")
    sign_in(client, made.email, made.password)
    return made


def test_two_connections_to_one_package_are_told_apart(client, data, signed_in):
    cid = signed_in.company_id
    heating = data(add_connection, cid, tenant_name="Acme Heating Ltd")
    plumbing = data(add_connection, cid, tenant_name="Acme Plumbing Ltd")
    one = data(add_invoice, cid, "INV-1", "A. Smith")
    two = data(add_invoice, cid, "INV-2", "B. Jones")
    data(add_transfer, cid, heating, one, "failed", explanation="Refused.")
    data(add_transfer, cid, plumbing, two, "failed", explanation="Refused.")
    text = _text(client.get("/").get_data(as_text=True))
    # The count tiles' headings and each attention row say which organisation.
    assert "Xero · Acme Heating Ltd Pending" in text
    assert "Xero · Acme Plumbing Ltd Pending" in text
    assert re.search(r"Invoice INV-1 .*? to Xero · Acme Heating Ltd", text)
    assert re.search(r"Invoice INV-2 .*? to Xero · Acme Plumbing Ltd", text)


def test_disconnected_connection_offers_no_send_and_no_next_run(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid, status="disconnected", schedule="automatic",
                next_run_at=utcnow() + timedelta(hours=1))
    html = client.get("/").get_data(as_text=True)
    card = html[html.index(f'id="conn-{conn}"'):]
    card = card[:card.index("</section>")]
    assert "Send Data" not in card
    assert "next " not in _text(card)
    assert "Automatic every" not in card
    assert "Disconnected: nothing is sent." in _text(card)
    # Pressed anyway (a stale page): refused in words, and no run starts.
    token = page_token(client, "/records")
    refused = client.post(f"/connections/{conn}/send", data={"csrf_token": token},
                          headers={"HX-Request": "true"})
    assert "is disconnected, so nothing is sent to it" in refused.get_data(as_text=True)
    assert data(runs_of, conn) == []


def test_bookkeeper_is_told_to_ask_an_admin_to_reconnect(app, client, data, make_company):
    made = make_company(name="Acme Heating Ltd")
    data(add_connection, made.company_id, status="reconnect_needed",
         status_detail="Xero no longer accepts Ledgerlink's access: invalid_grant")
    email, password = add_member(app, made.company_id, "bookkeeper", password="pw-book-long-1")
    sign_in(client, email, password)
    text = _text(client.get("/").get_data(as_text=True))
    assert text.count("Xero has stopped accepting Ledgerlink’s access to Demo Org.") == 1
    assert "Ask an admin of this company to reconnect it" in text
    assert "Reconnect Xero" not in text and "invalid_grant" not in text


# Latin-1, general punctuation (quotes, dashes, the ellipsis), arrows and the euro sign are in
# every font a browser or mail client has; anything else may show as an empty box.
SAFE = re.compile(r"[\u0000-\u00ff\u2010-\u2027\u2030-\u205e\u20ac\u2190-\u2195\u2212]")


def test_no_template_uses_a_symbol_that_depends_on_fonts():
    found = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for ch in line:
                if not SAFE.match(ch):
                    found.append(f"{path.relative_to(TEMPLATES)}:{n}: {ch!r}")
    assert found == []


def test_dashboard_says_who_gets_failure_emails(app, client, make_company):
    from app.models import DigestRecipient, DigestState

    made = make_company(name="Told Heating Ltd")
    sign_in(client, made.email, made.password)
    text = _text(client.get("/").get_data(as_text=True))
    # Until an admin chooses, the admins get it, daily.
    assert f"Failure emails go to {made.email} , once a day" in text
    assert 'href="/settings/notifications">Change who gets them' in client.get("/").get_data(
        as_text=True)

    with app.app_context():
        db.session.add(DigestState(company_id=made.company_id, frequency="weekly",
                                   recipients_chosen=True, last_transfer_event_id=0))
        db.session.add(DigestRecipient(company_id=made.company_id, user_id=None,
                                       email="accounts@outside.test"))
        db.session.commit()
    text = _text(client.get("/").get_data(as_text=True))
    assert "Failure emails go to accounts@outside.test , once a week" in text

    email, password = add_member(app, made.company_id, "bookkeeper", password="pw-bk-long-33")
    other = app.test_client()
    sign_in(other, email, password)
    html = other.get("/").get_data(as_text=True)
    assert "An admin can change who gets them." in _text(html)
    assert "/settings/notifications" not in html

    with app.app_context():
        db.session.get(DigestState, made.company_id).frequency = "never"
        db.session.commit()
    assert "Nobody is emailed when records fail" in _text(client.get("/").get_data(
        as_text=True))


def test_connectors_declare_their_web_pages():
    from connectors.quickbooks_online import QuickBooksOnlineConnector as Qbo
    from connectors.xero import XeroConnector as Xero

    real = {"QBO_API_URL": "https://quickbooks.api.intuit.com"}
    dev = {"QBO_API_URL": "https://sandbox-quickbooks.api.intuit.com"}
    assert Qbo.web_page(real, "invoice", "145") == "https://app.qbo.intuit.com/app/invoice?txnId=145"
    assert Qbo.web_page(dev, "customer", "58") == \
        "https://app.sandbox.qbo.intuit.com/app/customerdetail?nameId=58"
    assert Qbo.web_page(real, "supplier", "7").endswith("/app/vendordetail?nameId=7")
    assert Qbo.web_page(real, "credit_note", "9").endswith("/app/creditmemo?txnId=9")
    assert Qbo.web_page(real, "payment", "11").endswith("/app/recvpayment?txnId=11")
    # A Xero payment split over two invoices opens at its first part.
    assert Xero.web_page({}, "payment", "p-1,p-2") == \
        "https://go.xero.com/Bank/ViewTransaction.aspx?bankTransactionID=p-1"
    assert Xero.web_page({}, "credit_note", "cn-1").endswith("creditNoteID=cn-1")
    assert Xero.web_page({}, "invoice", "") is None


def test_bookkeeper_gets_no_reconnect_link_on_a_record(app, client, data, make_company):
    made = make_company(name="Acme Heating Ltd")
    conn = data(add_connection, made.company_id, status="reconnect_needed")
    inv = data(add_invoice, made.company_id, "INV-9", "A. Smith")
    tid = data(add_transfer, made.company_id, conn, inv, "failed", explanation="Refused.",
               fix_hint="Reconnect, then press Retry.")
    email, password = add_member(app, made.company_id, "bookkeeper", password="pw-bk-long-44")
    sign_in(client, email, password)
    for page in (f"/records/{tid}", "/"):
        html = client.get(page).get_data(as_text=True)
        assert f"/connections/{conn}/reconnect" not in html, page
