"""The Xero connector against the Xero sandbox, over real HTTP.

Each test connects a fresh sandbox organisation through the full OAuth code flow (consent page,
code, token exchange), so tests neither share books nor each other's rate-limit budget.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import uuid
from datetime import date
from decimal import Decimal
from html import unescape
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.base import (
    Address,
    Allocation,
    AuthLost,
    AuthLostError,
    BadReplyError,
    ContactRecord,
    Credentials,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
    RateLimitedError,
    Rejected,
    RetryLater,
    Sent,
    Uncertain,
)
from connectors.xero import XeroConnector

# The app's own callback, the only one the sandbox accepts; never followed here: the code is
# read from Location.
REDIRECT_URI = os.environ["BASE_URL"] + "/connections/oauth/callback"
TWO_DP = Decimal("0.01")


# --------------------------------------------------------------------------- helpers
@pytest.fixture
def settings(app, live_url) -> dict:  # type: ignore[no-untyped-def]
    return dict(app.config)


def authorize(settings: dict, org_name: str, session: requests.Session) -> str:
    """Walk the consent page like a browser; return the authorization code."""
    url = XeroConnector.authorization_url(settings, REDIRECT_URI, "state-123")
    query = parse_qs(urlsplit(url).query)
    assert "offline_access" in query["scope"][0].split()
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text
    form = {
        name: unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text
        )
    }
    assert form["client_id"] == settings["XERO_CLIENT_ID"]
    form.update(new_organisation=org_name, decision="allow")
    answer = session.post(url, data=form, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/connections/oauth/callback"
    params = parse_qs(location.query)
    assert params["state"] == ["state-123"]
    return params["code"][0]


def connect(settings: dict, org_name: str | None = None) -> Credentials:
    org_name = org_name or f"Test Org {uuid.uuid4().hex[:8]}"
    session = requests.Session()
    code = authorize(settings, org_name, session)
    creds = XeroConnector.exchange_code(settings, code, REDIRECT_URI, session=session)
    tenants = XeroConnector(settings, creds, session=session).tenants()
    tenant = next(t for t in tenants if t.name == org_name)
    return creds.with_tokens(tenant_id=tenant.id, tenant_name=tenant.name)


@pytest.fixture
def creds(settings) -> Credentials:  # type: ignore[no-untyped-def]
    return connect(settings)


def raw(settings: dict, creds: Credentials, method: str, path: str, **kw) -> requests.Response:
    """Read or change the sandbox's books directly, the way a Xero user would."""
    return requests.request(
        method, f"{settings['XERO_API_URL']}/api.xro/2.0{path}",
        headers={"Authorization": f"Bearer {creds.access_token}",
                 "xero-tenant-id": creds.tenant_id, "Accept": "application/json"},
        timeout=10, **kw,
    )


def customer(ref: str, name: str | None = None) -> ContactRecord:
    return ContactRecord(
        key=f"k-{ref}", kind="customer", reference=ref, name=name or f"Customer {ref}",
        email=f"{ref.lower()}@example.test", phone="01632 960123",
        address=Address("1 High St", "", "Leeds", "LS1 1AA", "GB"),
    )


def document(kind: str, ref: str, contact_id: str, prices: tuple[str, ...],
             invoice: tuple[str, str] | None = None, key: str | None = None) -> DocumentRecord:
    lines = []
    for price in prices:
        amount = (Decimal("3") * Decimal(price)).quantize(TWO_DP)
        tax = (amount * Decimal("0.2")).quantize(TWO_DP)
        lines.append(DocumentLine("Labour", Decimal("3"), Decimal(price), "200", "OUTPUT2",
                                  Decimal("20"), amount, tax))
    subtotal = sum((ln.line_amount for ln in lines), Decimal("0"))
    tax = sum((ln.tax_amount for ln in lines), Decimal("0"))
    return DocumentRecord(
        key=key or f"k-{ref}", kind=kind, reference=ref, contact_external_id=contact_id,
        contact_name="Customer", date=date(2025, 6, 2), due_date=None, their_reference="JOB-1",
        amounts_are="exclusive", lines=tuple(lines), subtotal=subtotal, tax_total=tax,
        total=subtotal + tax, invoice_external_id=invoice[0] if invoice else None,
        invoice_reference=invoice[1] if invoice else None,
    )


def receipt(ref: str, contact_id: str, *allocations: Allocation) -> PaymentRecord:
    return PaymentRecord(
        key=f"k-{ref}", kind="payment", reference=ref, contact_external_id=contact_id,
        contact_name="Customer", date=date(2025, 6, 10),
        amount=sum((a.amount for a in allocations), Decimal("0")), bank_account_code="090",
        allocations=allocations,
    )


def sent_ids(outcomes: list) -> list[str]:
    assert all(isinstance(o, Sent) for o in outcomes), outcomes
    return [o.external_id for o in outcomes]


# --------------------------------------------------------------------------- OAuth
def test_code_flow_gives_tokens_and_tenants(settings) -> None:  # type: ignore[no-untyped-def]
    creds = connect(settings, "Flow Test Ltd")
    assert creds.access_token and creds.refresh_token
    assert not creds.expires_within(25 * 60) and creds.expires_within(31 * 60)
    assert creds.tenant_name == "Flow Test Ltd"


def test_refresh_rotates_and_a_dead_token_means_auth_lost(settings, creds) -> None:  # type: ignore[no-untyped-def]
    fresh = XeroConnector.refresh(settings, creds, session=requests.Session())
    assert fresh.refresh_token != creds.refresh_token  # rotated: store the new one
    assert fresh.access_token != creds.access_token
    assert fresh.tenant_id == creds.tenant_id  # the connection's tenant is kept
    again = XeroConnector.refresh(settings, fresh)
    assert XeroConnector(settings, again).accounts()  # the newest token works
    with pytest.raises(AuthLostError):
        XeroConnector.refresh(settings, creds.with_tokens(refresh_token="not-a-real-token"))


def test_identity_server_down_is_not_auth_lost(settings, creds) -> None:  # type: ignore[no-untyped-def]
    dead = dict(settings, XERO_IDENTITY_URL=f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(Exception) as caught:  # noqa: B017 - the type is checked just below
        XeroConnector.refresh(dead, creds)
    assert not isinstance(caught.value, AuthLostError)


# --------------------------------------------------------------------------- lists
def test_accounts_tax_rates_and_contacts(settings, creds) -> None:  # type: ignore[no-untyped-def]
    xero = XeroConnector(settings, creds)
    accounts = {a.code: a for a in xero.accounts()}
    assert (accounts["200"].kind, accounts["200"].type) == ("sales", "REVENUE")
    assert accounts["090"].kind == "bank" and accounts["429"].kind == "expense"
    assert accounts["610"].kind == "other"
    assert accounts["200"].active and not accounts["205"].active
    rates = {r.code: r for r in xero.tax_rates()}
    assert rates["OUTPUT2"].rate == Decimal("20") and rates["RROUTPUT"].rate == Decimal("5")
    assert list(xero.contacts()) == []
    ids = sent_ids(xero.push("customer", [customer("C-1"), customer("C-2")]))
    found = {c.reference: c for c in xero.contacts()}
    assert found["C-1"].external_id == ids[0] and found["C-2"].external_id == ids[1]
    assert found["C-1"].email == "c-1@example.test" and found["C-1"].address.postcode == "LS1 1AA"
    assert found["C-1"].active


# --------------------------------------------------------------------------- push and find
def test_push_every_kind_and_read_it_back(settings, creds) -> None:  # type: ignore[no-untyped-def]
    xero = XeroConnector(settings, creds)
    batch = [customer("C-1", "Alpha Heating"), customer("C-2", "Beta Electrics")]
    alpha, beta = sent_ids(xero.push("customer", batch))
    assert xero.client.calls == 1  # one request for the whole batch

    invoices = [document("invoice", "INV-1", alpha, ("33.33", "0.07")),
                document("invoice", "INV-2", beta, ("100.00",))]
    inv1, inv2 = sent_ids(xero.push("invoice", invoices))
    stored = raw(settings, creds, "GET", f"/Invoices/{inv1}").json()["Invoices"][0]
    assert Decimal(str(stored["Total"])).quantize(TWO_DP) == invoices[0].total
    assert Decimal(str(stored["TotalTax"])).quantize(TWO_DP) == invoices[0].tax_total
    assert stored["Status"] == "AUTHORISED" and stored["DueDate"] is not None

    credit = document("credit_note", "CN-1", beta, ("10.00",), invoice=(inv2, "INV-2"))
    [cn1] = sent_ids(xero.push("credit_note", [credit]))
    after = raw(settings, creds, "GET", f"/Invoices/{inv2}").json()["Invoices"][0]
    assert Decimal(str(after["AmountDue"])).quantize(TWO_DP) == invoices[1].total - credit.total

    single = receipt("PAY-1", alpha, Allocation(inv1, "INV-1", Decimal("50.00")))
    split = receipt("PAY-2", beta, Allocation(inv2, "INV-2", Decimal("200.00")),
                    Allocation(inv1, "INV-1", Decimal("10.00")))
    pay1, pay2 = sent_ids(xero.push("payment", [single, split]))
    assert "," not in pay1 and len(pay2.split(",")) == 2
    paid = raw(settings, creds, "GET", f"/Invoices/{inv1}").json()["Invoices"][0]
    assert Decimal(str(paid["AmountPaid"])).quantize(TWO_DP) == Decimal("60.00")

    assert xero.find(batch[0]) == alpha
    assert xero.find(invoices[1]) == inv2
    assert xero.find(credit) == cn1
    assert xero.find(single) == pay1 and xero.find(split) == pay2
    assert xero.find(customer("C-404")) is None
    assert xero.find(document("invoice", "INV-404", alpha, ("1",))) is None


def test_rejections_are_per_record_and_classified(settings, creds) -> None:  # type: ignore[no-untyped-def]
    xero = XeroConnector(settings, creds)
    [alpha] = sent_ids(xero.push("customer", [customer("C-1", "Alpha Heating")]))
    outcomes = xero.push("customer", [customer("C-2", "Alpha Heating"), customer("C-3"),
                                      customer("C" * 51)])
    assert isinstance(outcomes[0], Rejected) and outcomes[0].reason == "duplicate_name"
    assert outcomes[0].details["contact_name"] == "Alpha Heating"
    assert isinstance(outcomes[1], Sent)
    assert isinstance(outcomes[2], Rejected) and outcomes[2].field == "ContactNumber"

    bad_account = document("invoice", "INV-9", alpha, ("5.00",))
    bad_account = DocumentRecord(**{**bad_account.__dict__, "lines": tuple(
        DocumentLine(**{**ln.__dict__, "account_code": "205"}) for ln in bad_account.lines)})
    good = document("invoice", "INV-10", alpha, ("5.00",))
    first, second = xero.push("invoice", [bad_account, good])
    assert isinstance(first, Rejected) and first.reason == "account_archived"
    assert first.details["account_code"] == "205" and "205" in first.package_message
    assert isinstance(second, Sent)
    again = xero.push("invoice", [document("invoice", "INV-10", alpha, ("5.00",), key="other")])
    assert isinstance(again[0], Rejected) and again[0].reason == "duplicate_reference"


def test_archived_contact_rejects_its_invoice(settings, creds) -> None:  # type: ignore[no-untyped-def]
    xero = XeroConnector(settings, creds)
    gone, kept = sent_ids(xero.push("customer", [customer("C-1", "Archie Archived"),
                                                 customer("C-2", "Kept Ltd")]))
    answer = raw(settings, creds, "POST", f"/Contacts/{gone}",
                 json={"Contacts": [{"ContactID": gone, "ContactStatus": "ARCHIVED"}]})
    assert answer.status_code == 200, answer.text
    first, second = xero.push("invoice", [document("invoice", "INV-1", gone, ("9.99",)),
                                          document("invoice", "INV-2", kept, ("9.99",))])
    assert isinstance(first, Rejected) and first.reason == "contact_archived"
    assert first.details["contact_name"] == "Customer"  # the name on our record
    assert "archived" in first.package_message
    assert isinstance(second, Sent)


def test_idempotency_key_replay_gives_the_same_ids(settings, creds) -> None:  # type: ignore[no-untyped-def]
    xero = XeroConnector(settings, creds)
    batch = [customer("C-1"), customer("C-2")]
    first = sent_ids(xero.push("customer", batch))
    assert sent_ids(xero.push("customer", batch)) == first  # replayed, not created again
    listed = raw(settings, creds, "GET", "/Contacts").json()["Contacts"]
    assert sorted(c["ContactNumber"] for c in listed) == ["C-1", "C-2"]


# --------------------------------------------------------------------------- failures
def test_revoked_access_is_auth_lost_everywhere(settings, creds) -> None:  # type: ignore[no-untyped-def]
    XeroConnector.revoke(settings, creds)
    xero = XeroConnector(settings, creds)
    outcomes = xero.push("customer", [customer("C-1"), customer("C-2")])
    assert all(isinstance(o, AuthLost) for o in outcomes)
    with pytest.raises(AuthLostError):
        xero.accounts()
    with pytest.raises(AuthLostError):
        XeroConnector.refresh(settings, creds)


def test_throttle_runs_before_every_request(settings, creds) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def spent() -> None:
        calls.append(1)
        raise RateLimitedError(17, "minute")

    xero = XeroConnector(settings, creds, throttle=spent)
    outcomes = xero.push("invoice", [document("invoice", "INV-1", "x", ("1",))] * 2)
    assert outcomes == [RetryLater(17, "minute")] * 2
    assert xero.client.calls == 0  # nothing reached Xero
    with pytest.raises(RateLimitedError):
        xero.accounts()
    assert len(calls) == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Misbehaving(BaseHTTPRequestHandler):
    """A 'Xero' that answers garbage, or hangs up after reading the request."""

    def do_PUT(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if "hangup" in self.path:
            self.connection.close()
            return
        self._garbage()

    def do_GET(self) -> None:  # noqa: N802
        self._garbage()

    def _garbage(self) -> None:
        body = b"<html>Service temporarily in a good mood</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def misbehaving_url():  # type: ignore[no-untyped-def]
    server = HTTPServer(("127.0.0.1", 0), _Misbehaving)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_untrusted_replies_never_escape_push(settings, misbehaving_url) -> None:  # type: ignore[no-untyped-def]
    creds = Credentials(access_token="t", tenant_id="x")
    garbage = XeroConnector(dict(settings, XERO_API_URL=misbehaving_url), creds)
    assert all(isinstance(o, Uncertain) for o in garbage.push("customer", [customer("C-1")]))
    with pytest.raises(BadReplyError):
        garbage.accounts()
    hangup = XeroConnector(dict(settings, XERO_API_URL=f"{misbehaving_url}/hangup"), creds)
    assert isinstance(hangup.push("customer", [customer("C-1")])[0], Uncertain)
    refused = XeroConnector(dict(settings, XERO_API_URL=f"http://127.0.0.1:{_closed_port()}"),
                            creds)
    assert isinstance(refused.push("customer", [customer("C-1")])[0], RetryLater)


def test_contacts_are_read_page_by_page(settings, creds) -> None:  # type: ignore[no-untyped-def]
    xero = XeroConnector(settings, creds)
    records = [customer(f"P-{i:03d}") for i in range(120)]
    for start in range(0, 120, XeroConnector.limits.batch_size["customer"]):
        sent_ids(xero.push("customer", records[start:start + 50]))
    before = xero.client.calls
    found = [c.reference for c in xero.contacts()]
    assert sorted(found) == sorted(r.reference for r in records)  # each exactly once
    assert xero.client.calls - before == 2  # a full page of 100, then a short one
