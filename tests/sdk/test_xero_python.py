"""Xero's official Python SDK (xero-python), third-party code nobody here wrote, run against our
Xero sandbox over real HTTP.

It must read back what our connector sent (numbers, totals, VAT, contacts, allocations,
payments), create records the way an integrator's code does (SDK model objects, idempotency
keys, paging, where/order queries, per-item validation errors), and its own token helpers must
work against the sandbox's identity service. Where the SDK sends what real Xero accepts and the
sandbox refused it, or the sandbox answered in a shape the SDK could not parse, the sandbox was
fixed (see the git log of sandboxes/xero/), never the test.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip(
    "xero_python", reason="xero-python is not installed: pip install -r requirements-dev.txt")

from xero_python.accounting import (  # noqa: E402 - only once the SDK is known to be there
    Account,
    AccountingApi,
    Address,
    Allocation,
    Allocations,
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    CurrencyCode,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    Payment,
    Payments,
    Phone,
)
from xero_python.api_client import ApiClient  # noqa: E402
from xero_python.api_client.configuration import Configuration  # noqa: E402
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi  # noqa: E402
from xero_python.exceptions import (  # noqa: E402
    AccountingBadRequestException,
    RateLimitException,
)
from xero_python.identity import IdentityApi  # noqa: E402

from app.demo_records import RATES, invoice_total  # noqa: E402
from connectors.base import (  # noqa: E402
    Allocation as OurAllocation,
)
from connectors.base import (  # noqa: E402
    ContactRecord,
    DocumentRecord,
    PaymentRecord,
)
from connectors.money import to_pennies  # noqa: E402
from connectors.xero import XeroConnector  # noqa: E402
from connectors.xero.demo import DEMO  # noqa: E402
from tests.sdk.conftest import Tenant  # noqa: E402
from tests.sync.test_pipeline import invoice_tax  # noqa: E402

PACKAGE = "xero"


# --------------------------------------------------------------------------- the SDK, set up
class Sdk:
    """xero-python set up as its README does (ApiClient + OAuth2Token, a token getter and
    saver), with the base URLs pointed at the sandbox: the one change a real integrator makes
    to test against another host."""

    def __init__(self, tenant: Tenant, token: dict[str, Any] | None = None) -> None:
        config = tenant.config
        self.tenant_id = tenant.creds.tenant_id
        self.token: dict[str, Any] = token or {
            "access_token": tenant.creds.access_token, "token_type": "Bearer",
            "expires_in": 1800, "scope": config["XERO_SCOPES"].split(),
        }
        self.client = ApiClient(
            Configuration(oauth2_token=OAuth2Token(
                client_id=config["XERO_CLIENT_ID"], client_secret=config["XERO_CLIENT_SECRET"])),
            pool_threads=1,
            oauth2_token_getter=lambda: self.token,
            oauth2_token_saver=self._save,
        )
        self.accounting = AccountingApi(self.client, base_url=f"{config['XERO_API_URL']}"
                                                              "/api.xro/2.0")
        self.identity = IdentityApi(self.client, base_url=config["XERO_API_URL"])

    def _save(self, token: dict[str, Any]) -> None:
        self.token = token


@pytest.fixture
def identity_urls(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The SDK's TokenApi keeps Xero's identity URLs as class attributes: the only way to point
    its refresh and revoke helpers at the sandbox's identity service is to set them."""
    base = app.config["XERO_IDENTITY_URL"]
    monkeypatch.setattr(TokenApi, "refresh_token_url", f"{base}/connect/token")
    monkeypatch.setattr(TokenApi, "revoke_token_url", f"{base}/connect/revocation")


def connector(tenant: Tenant) -> XeroConnector:
    return XeroConnector(tenant.config, tenant.creds)


def every(read, field: str, **kwargs: Any) -> list[Any]:  # type: ignore[no-untyped-def]
    """All pages of an SDK list call (Xero's page=N, 100 a page)."""
    found: list[Any] = []
    page = 1
    while True:
        items = getattr(read(page=page, **kwargs), field) or []
        found += items
        if len(items) < 100:
            return found
        page += 1


def pennies(value: Any) -> Decimal:
    return to_pennies(Decimal(str(value)))  # half up, as Xero rounds


# --------------------------------------------------------------------------- reading back
def test_the_sdk_reads_back_what_our_engine_sent(app, pushed_books) -> None:  # type: ignore[no-untyped-def]
    books, payloads = pushed_books(PACKAGE, customers=4, invoices=8, payments=3, credit_notes=2)
    from tests.sdk.conftest import connection_tenant

    sdk = Sdk(connection_tenant(app, books.connection_id))
    api, tenant_id = sdk.accounting, sdk.tenant_id
    customers = {b["source_id"]: b for p, b in payloads if p == "customers"}
    invoices = {b["number"]: b for p, b in payloads if p == "invoices"}
    credits = {b["number"]: b for p, b in payloads if p == "credit-notes"}
    payments = {b["source_id"]: b for p, b in payloads if p == "payments"}

    # Contacts: each of ours once, by ContactNumber, with what we sent.
    contacts = every(lambda **kw: api.get_contacts(tenant_id, **kw), "contacts")
    by_number = {c.contact_number: c for c in contacts}
    assert len(contacts) == len(by_number) == len(customers)
    for source_id, body in customers.items():
        contact = by_number[source_id]
        assert (contact.name, contact.email_address) == (body["name"], body["email"])
        assert contact.contact_status == "ACTIVE" and contact.is_customer is True
        street = {a.address_type: a for a in contact.addresses}["STREET"]
        assert (street.city, street.postal_code) == (body["address"]["city"],
                                                     body["address"]["postcode"])
        assert contact.phones[0].phone_number == body["phone"]
    contact_of = {source_id: by_number[source_id].contact_id for source_id in customers}

    # Invoices: numbers, dates, every line, totals and VAT to the penny.
    read = every(lambda **kw: api.get_invoices(tenant_id, **kw), "invoices",
                 where='Type=="ACCREC"', order="InvoiceNumber ASC")
    assert [i.invoice_number for i in read] == sorted(invoices)
    invoice_of = {}
    for invoice in read:
        body = invoices[invoice.invoice_number]
        invoice_of[body["source_id"]] = invoice
        assert invoice.contact.contact_id == contact_of[body["customer_source_id"]]
        assert (invoice.date, invoice.due_date) == (date.fromisoformat(body["date"]),
                                                   date.fromisoformat(body["due_date"]))
        assert invoice.reference == body["reference"]
        expected_types = (LineAmountTypes.INCLUSIVE if body["amounts_are"] == "inclusive"
                          else LineAmountTypes.EXCLUSIVE)
        assert invoice.line_amount_types == expected_types
        assert invoice.status in ("AUTHORISED", "PAID")
        assert (invoice.total, invoice.total_tax) == (invoice_total(body), invoice_tax(body))
        assert invoice.sub_total == invoice.total - invoice.total_tax
        assert len(invoice.line_items) == len(body["lines"])
        for theirs, ours in zip(invoice.line_items, body["lines"], strict=True):
            assert theirs.description == ours["description"]
            assert theirs.quantity == Decimal(str(ours["quantity"]))
            assert theirs.unit_amount == Decimal(str(ours["unit_price"]))
            assert theirs.account_code == DEMO.accounts[ours["account"]]
            assert theirs.tax_type == DEMO.tax_rates[ours["tax_rate"]]
            assert theirs.line_amount == pennies(theirs.quantity * theirs.unit_amount)
            net = theirs.line_amount
            if expected_types == LineAmountTypes.INCLUSIVE:
                net = theirs.line_amount - theirs.tax_amount
            assert theirs.tax_amount == pennies(net * RATES[ours["tax_rate"]] / 100)

    # Credit notes: totals, and allocated in full to their invoice.
    notes = every(lambda **kw: api.get_credit_notes(tenant_id, **kw), "credit_notes")
    assert sorted(n.credit_note_number for n in notes) == sorted(credits)
    for note in notes:
        body = credits[note.credit_note_number]
        assert note.type == "ACCRECCREDIT"
        assert note.contact.contact_id == contact_of[body["customer_source_id"]]
        assert (note.total, note.total_tax) == (invoice_total(body), invoice_tax(body))
        assert note.remaining_credit == 0 and note.status == "PAID"
        (allocation,) = note.allocations
        target = invoice_of[body["invoice_source_id"]]
        assert (allocation.invoice.invoice_id, allocation.amount) == (target.invoice_id,
                                                                      note.total)
        one = api.get_invoice(tenant_id, target.invoice_id).invoices[0]
        assert one.amount_credited == note.total
        assert one.amount_due == one.total - note.total
        assert [c.credit_note_id for c in one.credit_notes] == [note.credit_note_id]

    # Payments: one Xero payment per allocation, into the mapped bank account.
    read_payments = api.get_payments(tenant_id).payments
    expected = {(source_id, a["invoice_source_id"]): Decimal(str(a["amount"]))
                for source_id, body in payments.items() for a in body["allocations"]}
    seen = {}
    for payment in read_payments:
        source_id = next(s for s in payments if payment.reference.endswith(s)
                         or f"({s})" in payment.reference)
        invoice_source = next(k for k, v in invoice_of.items()
                              if v.invoice_id == payment.invoice.invoice_id)
        seen[(source_id, invoice_source)] = payment.amount
        assert payment.account.code == DEMO.accounts["bank"]
        assert payment.date == date.fromisoformat(payments[source_id]["date"])
        assert payment.status == "AUTHORISED" and payment.payment_type == "ACCRECPAYMENT"
    assert seen == expected
    for _payment, invoice_source in expected:
        paid = api.get_invoice(tenant_id, invoice_of[invoice_source].invoice_id).invoices[0]
        assert (paid.status, paid.amount_due) == ("PAID", 0)
        assert paid.amount_paid == paid.total


# --------------------------------------------------------------------------- creating
def _contact(number: str, name: str) -> Contact:
    return Contact(
        name=name, contact_number=number, email_address=f"{number.lower()}@example.test",
        first_name="Sam", last_name="Integrator",
        addresses=[Address(address_type="POBOX", address_line1="2 Mill Lane", city="York",
                           postal_code="YO1 7HH", country="GB")],
        phones=[Phone(phone_type="MOBILE", phone_number="07700 900123")],
    )


def _lines(*prices: str) -> list[LineItem]:
    return [LineItem(description=f"Part {i}", quantity=Decimal("2"), unit_amount=Decimal(p),
                     account_code="200", tax_type="OUTPUT2") for i, p in enumerate(prices)]


def test_an_integrator_creates_records_and_our_connector_finds_them(
        sandbox_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = sandbox_tenant(PACKAGE)
    sdk = Sdk(tenant)
    api, tid = sdk.accounting, sdk.tenant_id
    tag = uuid.uuid4().hex[:6].upper()

    # What an integrator reads first: the organisation, its bank accounts and VAT rates.
    (org,) = api.get_organisations(tid).organisations
    assert org.base_currency.value == "GBP" and org.organisation_id == tid
    banks = api.get_accounts(tid, where='Type=="BANK"').accounts
    assert banks and all(a.type.value == "BANK" for a in banks)
    rate = next(r for r in api.get_tax_rates(tid).tax_rates if r.tax_type == "OUTPUT2")
    assert rate.effective_rate == 20

    made = api.create_contacts(tid, Contacts(contacts=[_contact(f"SDK-{tag}", f"Mill {tag}")]),
                               summarize_errors=False, idempotency_key=f"c-{tag}").contacts[0]
    assert made.has_validation_errors is False and made.contact_id

    invoice = Invoice(
        type="ACCREC", contact=Contact(contact_id=made.contact_id), line_items=_lines(
            "10.00", "33.33"), date=date(2026, 11, 2), due_date=date(2026, 12, 2),
        line_amount_types=LineAmountTypes.EXCLUSIVE, invoice_number=f"SDK-INV-{tag}",
        reference="Boiler", status="AUTHORISED", currency_code=CurrencyCode.GBP,
    )
    inv = api.create_invoices(tid, Invoices(invoices=[invoice]),
                              idempotency_key=f"i-{tag}").invoices[0]
    assert (inv.sub_total, inv.total_tax, inv.total) == (Decimal("86.66"), Decimal("17.33"),
                                                         Decimal("103.99"))
    assert inv.date == date(2026, 11, 2) and inv.status == "AUTHORISED"

    note = api.create_credit_notes(tid, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=Contact(contact_id=made.contact_id),
        line_items=_lines("5.00"), date=date(2026, 11, 3), status="AUTHORISED",
        line_amount_types=LineAmountTypes.EXCLUSIVE, credit_note_number=f"SDK-CN-{tag}",
    )])).credit_notes[0]
    assert note.total == Decimal("12.00")
    allocated = api.create_credit_note_allocation(tid, note.credit_note_id, Allocations(
        allocations=[Allocation(invoice=Invoice(invoice_id=inv.invoice_id),
                                amount=Decimal("12.00"), date=date(2026, 11, 3))]))
    assert allocated.allocations[0].amount == Decimal("12.00")

    paid = api.create_payments(tid, Payments(payments=[Payment(
        invoice=Invoice(invoice_id=inv.invoice_id), account=Account(code=banks[0].code),
        amount=Decimal("91.99"), date=date(2026, 11, 20), reference=f"SDK-PAY-{tag}",
    )])).payments[0]
    assert paid.amount == Decimal("91.99") and paid.status == "AUTHORISED"

    # Read back with the SDK: the invoice is settled by the credit and the payment.
    again = api.get_invoice(tid, inv.invoice_id).invoices[0]
    assert (again.status, again.amount_due, again.amount_paid, again.amount_credited) == (
        "PAID", 0, Decimal("91.99"), Decimal("12.00"))
    assert [p.payment_id for p in again.payments] == [paid.payment_id]
    noted = api.get_credit_note(tid, note.credit_note_id).credit_notes[0]
    assert (noted.status, noted.remaining_credit) == ("PAID", 0)
    assert api.get_payment(tid, paid.payment_id).payments[0].invoice.invoice_id == inv.invoice_id

    # ... and with our connector's find(), which must see what another app created.
    ours = connector(tenant)
    assert ours.find(ContactRecord(key="k", kind="customer", reference=f"SDK-{tag}",
                                   name=f"Mill {tag}")) == made.contact_id
    assert ours.find(_document("invoice", f"SDK-INV-{tag}", made.contact_id)) == inv.invoice_id
    assert ours.find(_document("credit_note", f"SDK-CN-{tag}", made.contact_id)) == \
        note.credit_note_id
    assert ours.find(PaymentRecord(
        key="k", kind="payment", reference=f"SDK-PAY-{tag}", contact_external_id=made.contact_id,
        contact_name="", date=date(2026, 11, 20), amount=Decimal("91.99"),
        bank_account_code=banks[0].code,
        allocations=(OurAllocation(inv.invoice_id, f"SDK-INV-{tag}", Decimal("91.99")),),
    )) == paid.payment_id


def _document(kind: str, number: str, contact_id: str) -> DocumentRecord:
    return DocumentRecord(
        key="k", kind=kind, reference=number, contact_external_id=contact_id, contact_name="",
        date=date(2026, 11, 2), due_date=None, their_reference="", amounts_are="exclusive",
        lines=(), subtotal=Decimal(0), tax_total=Decimal(0), total=Decimal(0),
    )


def test_idempotency_keys_paging_and_queries(sandbox_tenant) -> None:  # type: ignore[no-untyped-def]
    sdk = Sdk(sandbox_tenant(PACKAGE))
    api, tid = sdk.accounting, sdk.tenant_id
    batch = Contacts(contacts=[_contact(f"P{i:03d}", f"Pager {i:03d}") for i in range(130)])
    first = api.create_contacts(tid, batch, idempotency_key="one-batch-of-130")
    replay = api.create_contacts(tid, batch, idempotency_key="one-batch-of-130")
    assert [c.contact_id for c in replay.contacts] == [c.contact_id for c in first.contacts]

    page1 = api.get_contacts(tid, page=1)
    page2 = api.get_contacts(tid, page=2)
    assert (len(page1.contacts), len(page2.contacts)) == (100, 30)
    assert (page2.pagination.page, page2.pagination.page_count,
            page2.pagination.item_count) == (2, 2, 130)
    sized = api.get_contacts(tid, page=3, page_size=50)
    assert [c.name for c in sized.contacts] == [f"Pager {i:03d}" for i in range(100, 130)]

    picked = api.get_contacts(tid, where='Name.StartsWith("Pager 12")', order="Name DESC")
    assert [c.name for c in picked.contacts] == [f"Pager {i}" for i in range(129, 119, -1)]
    found = api.get_contacts(tid, search_term="p007@example")
    assert [c.contact_number for c in found.contacts] == ["P007"]
    chosen = [c.contact_id for c in first.contacts[:3]]
    assert sorted(c.contact_id for c in api.get_contacts(tid, i_ds=chosen).contacts) == \
        sorted(chosen)

    # An incremental read, as integrators sync: only what changed since the last one.
    time.sleep(0.01)
    since = datetime.now(UTC)
    time.sleep(0.01)
    api.create_contacts(tid, Contacts(contacts=[_contact("LATE", "Late Joiner")]))
    changed = api.get_contacts(tid, if_modified_since=since).contacts
    assert [c.contact_number for c in changed] == ["LATE"]


def test_validation_errors_reach_the_sdk_in_its_own_shapes(sandbox_tenant) -> None:  # type: ignore[no-untyped-def]
    sdk = Sdk(sandbox_tenant(PACKAGE))
    api, tid = sdk.accounting, sdk.tenant_id
    good, nameless = _contact("V1", "Valid One"), Contact(contact_number="V2", name="")
    mixed = api.create_contacts(tid, Contacts(contacts=[good, nameless]),
                                summarize_errors=False).contacts
    assert [c.has_validation_errors for c in mixed] == [False, True]
    assert mixed[1].validation_errors[0].message == "The contact name must be specified."

    bad = Invoice(type="ACCREC", contact=Contact(contact_id=mixed[0].contact_id),
                  line_items=[LineItem(description="x", quantity=Decimal(1),
                                       unit_amount=Decimal(1), account_code="205",
                                       tax_type="OUTPUT2")],
                  date=date(2026, 11, 2), due_date=date(2026, 11, 9), status="AUTHORISED")
    with pytest.raises(AccountingBadRequestException) as refused:
        api.create_invoices(tid, Invoices(invoices=[bad]))
    error = refused.value.error_data
    assert (error["ErrorNumber"], error["Type"]) == (10, "ValidationException")
    assert "has been archived or deleted" in refused.value.reason


def test_a_429_reaches_the_sdk_as_its_rate_limit_error(sandbox_tenant, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.xero import limits, store

    sdk = Sdk(sandbox_tenant(PACKAGE))
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", True)
    monkeypatch.setattr(limits, "MINUTE_LIMIT", 5)  # connecting made a call or two already
    moment = store.now()
    monkeypatch.setattr(store, "now", lambda: moment)  # every call in one minute
    # A POST: urllib3 under the SDK waits out a 429's Retry-After by itself on GET and PUT.
    with pytest.raises(RateLimitException) as limited:
        for i in range(6):
            sdk.accounting.update_or_create_contacts(
                sdk.tenant_id, Contacts(contacts=[_contact(f"R{i}", f"Rate Limited {i}")]))
    assert limited.value.rate_limit == "minute"
    assert limited.value.headers["Retry-After"] == "60"


def test_the_sdk_token_helpers_work_against_the_sandbox_identity_service(
        app, live_url, identity_urls) -> None:  # type: ignore[no-untyped-def]
    from authlib.integrations.requests_client import OAuth2Session

    from app.connections.sandbox_consent import consent_callback

    config = app.config
    redirect = f"{live_url}/connections/oauth/callback"
    oauth = OAuth2Session(config["XERO_CLIENT_ID"], config["XERO_CLIENT_SECRET"],
                          scope=config["XERO_SCOPES"], redirect_uri=redirect)
    url, _state = oauth.create_authorization_url(
        f"{config['XERO_LOGIN_URL']}/identity/connect/authorize")
    callback = consent_callback(url, organisation=f"Token Org {uuid.uuid4().hex[:6]}")
    token = dict(oauth.fetch_token(f"{config['XERO_IDENTITY_URL']}/connect/token",
                                   code=callback["code"]))
    token["scope"] = token["scope"].split()
    # An access token at the end of its life: the SDK's own refresh runs before the next call.
    token["expires_at"] = time.time() + 5
    sdk = Sdk(Tenant(dict(config), _NoCreds(), 0), token=token)
    (connection,) = sdk.identity.get_connections()
    assert connection.tenant_type == "ORGANISATION"
    assert sdk.token["access_token"] != token["access_token"], "the SDK did not refresh"
    assert sdk.token["refresh_token"] != token["refresh_token"], "refresh tokens rotate"
    sdk.tenant_id = str(connection.tenant_id)
    orgs = sdk.accounting.get_organisations(sdk.tenant_id).organisations
    assert orgs[0].name == connection.tenant_name

    assert sdk.client.revoke_oauth2_token()["access_token"] is None
    assert sdk.token["refresh_token"] is None
    gone = Sdk(Tenant(dict(config), _NoCreds(), 0), token=token | {"expires_at": None})
    with pytest.raises(Exception) as refused:  # noqa: B017 - the SDK's own 401 type
        gone.identity.get_connections()
    assert getattr(refused.value, "status", None) == 401


class _NoCreds:
    tenant_id = ""
    access_token = ""
