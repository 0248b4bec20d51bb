"""python-quickbooks (with Intuit's intuit-oauth), the most used QuickBooks Online client for
Python, third-party code nobody here wrote, run against our QuickBooks Online sandbox over real
HTTP.

It must read back what our connector sent (numbers, totals, VAT, customers, payments and the
credit memos applied through them), create records the way an integrator's code does (its
objects, `save()`, batch operations, `filter`/`where`/`count`/`all` with paging), and Intuit's
own OAuth client must work against the sandbox's identity endpoints. Where the library sends
what the real QuickBooks Online accepts and the sandbox refused it, or the sandbox answered in a
shape the library could not parse, the sandbox was fixed (see the git log of
sandboxes/quickbooks_online/), never the test.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip(
    "quickbooks", reason="python-quickbooks is not installed: pip install -r requirements-dev.txt")
pytest.importorskip(
    "intuitlib", reason="intuit-oauth is not installed: pip install -r requirements-dev.txt")

from intuitlib.client import AuthClient  # noqa: E402 - only once the library is there
from intuitlib.enums import Scopes  # noqa: E402
from quickbooks import QuickBooks  # noqa: E402
from quickbooks.batch import batch_create, batch_update  # noqa: E402
from quickbooks.exceptions import QuickbooksException, ValidationException  # noqa: E402
from quickbooks.objects.account import Account  # noqa: E402
from quickbooks.objects.base import (  # noqa: E402
    Address,
    EmailAddress,
    PhoneNumber,
    Ref,
)
from quickbooks.objects.creditmemo import CreditMemo  # noqa: E402
from quickbooks.objects.customer import Customer  # noqa: E402
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail  # noqa: E402
from quickbooks.objects.invoice import Invoice  # noqa: E402
from quickbooks.objects.item import Item  # noqa: E402
from quickbooks.objects.payment import Payment, PaymentLine  # noqa: E402
from quickbooks.objects.taxcode import TaxCode  # noqa: E402

from app.demo_records import invoice_total  # noqa: E402
from connectors.base import Allocation, ContactRecord, DocumentRecord, PaymentRecord  # noqa: E402
from connectors.quickbooks_online import QuickBooksOnlineConnector  # noqa: E402
from connectors.quickbooks_online.demo import DEMO  # noqa: E402
from tests.sdk.conftest import Tenant, connection_tenant  # noqa: E402
from tests.sync.test_pipeline import invoice_tax  # noqa: E402

PACKAGE = "quickbooks_online"
MINOR_VERSION = 75


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # python-quickbooks talks through requests-oauthlib, which refuses plain http unless told
    # otherwise: the sandbox is served on 127.0.0.1 without TLS.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def discovery_url(config: dict[str, Any]) -> str:
    """Where the sandbox serves Intuit's OpenID discovery document; intuit-oauth reads its
    endpoints from there (the environment argument may be that document's URL)."""
    return f"{config['QBO_API_URL']}/.well-known/openid_configuration"


def auth_client(config: dict[str, Any], **tokens: Any) -> AuthClient:
    return AuthClient(config["QBO_CLIENT_ID"], config["QBO_CLIENT_SECRET"],
                      f"{config['BASE_URL']}/connections/oauth/callback", discovery_url(config),
                      **tokens)


def quickbooks(config: dict[str, Any], client: AuthClient, realm: str) -> QuickBooks:
    """The library's client as its README sets it up, its API base pointed at the sandbox (the
    one change an integrator makes to test against another host)."""
    qb = QuickBooks(auth_client=client, refresh_token=client.refresh_token, company_id=realm,
                    minorversion=MINOR_VERSION, use_decimal=True)
    qb.api_url_v3 = f"{config['QBO_API_URL']}/v3"
    return qb


def for_tenant(tenant: Tenant) -> QuickBooks:
    """The library on a connection's tokens. Only the access token is handed over: a refresh
    here would rotate the refresh token under the connection's feet."""
    client = auth_client(tenant.config, access_token=tenant.creds.access_token,
                         realm_id=tenant.creds.tenant_id)
    return quickbooks(tenant.config, client, tenant.creds.tenant_id)


def ref(value: str) -> Ref:
    made = Ref()
    made.value = value
    return made


# --------------------------------------------------------------------------- reading back
def test_the_library_reads_back_what_our_engine_sent(app, pushed_books) -> None:  # type: ignore[no-untyped-def]
    books, payloads = pushed_books(PACKAGE, customers=4, invoices=8, payments=3, credit_notes=2)
    qb = for_tenant(connection_tenant(app, books.connection_id))
    customers = {b["name"]: b for p, b in payloads if p == "customers"}
    invoices = {b["number"]: b for p, b in payloads if p == "invoices"}
    credits = {b["number"]: b for p, b in payloads if p == "credit-notes"}
    payments = {b["source_id"]: b for p, b in payloads if p == "payments"}

    found = Customer.all(qb=qb)
    assert sorted(c.DisplayName for c in found) == sorted(customers)
    customer_id = {}
    for customer in found:
        body = customers[customer.DisplayName]
        customer_id[body["source_id"]] = customer.Id
        assert customer.PrimaryEmailAddr.Address == body["email"]
        assert customer.PrimaryPhone.FreeFormNumber == body["phone"]
        assert (customer.BillAddr.City, customer.BillAddr.PostalCode) == (
            body["address"]["city"], body["address"]["postcode"])

    read = Invoice.query("SELECT * FROM Invoice ORDERBY DocNumber", qb=qb)
    assert [i.DocNumber for i in read] == sorted(invoices)
    invoice_id = {}
    for invoice in read:
        body = invoices[invoice.DocNumber]
        invoice_id[body["source_id"]] = invoice.Id
        assert invoice.CustomerRef.value == customer_id[body["customer_source_id"]]
        assert (invoice.TxnDate, invoice.DueDate) == (body["date"], body["due_date"])
        assert invoice.GlobalTaxCalculation == (
            "TaxInclusive" if body["amounts_are"] == "inclusive" else "TaxExcluded")
        assert invoice.TotalAmt == invoice_total(body)
        assert invoice.TxnTaxDetail.TotalTax == invoice_tax(body)
        sales = [ln for ln in invoice.Line if ln.DetailType == "SalesItemLineDetail"]
        assert [ln.Description for ln in sales] == [ln["description"] for ln in body["lines"]]
        for theirs, ours in zip(sales, body["lines"], strict=True):
            detail = theirs.SalesItemLineDetail
            assert detail.ItemRef.value == DEMO.accounts[ours["account"]]
            assert detail.TaxCodeRef.value == DEMO.tax_rates[ours["tax_rate"]]
            assert detail.Qty == Decimal(str(ours["quantity"]))
        net = sum((ln.Amount for ln in sales), Decimal(0))
        assert net + invoice.TxnTaxDetail.TotalTax == invoice.TotalAmt

    memos = CreditMemo.all(qb=qb)
    assert sorted(m.DocNumber for m in memos) == sorted(credits)
    for memo in memos:
        body = credits[memo.DocNumber]
        assert memo.CustomerRef.value == customer_id[body["customer_source_id"]]
        assert memo.TotalAmt == invoice_total(body)
        assert memo.TxnTaxDetail.TotalTax == invoice_tax(body)
        assert (memo.Balance, memo.RemainingCredit) == (0, 0)
        invoice = Invoice.get(invoice_id[body["invoice_source_id"]], qb=qb)
        assert invoice.Balance == invoice.TotalAmt - memo.TotalAmt

    # Money received: one Payment per payment of ours, a line per invoice it pays. A credit
    # memo reaches its invoice through a zero Payment linking both (QBO's own way).
    received = Payment.filter(qb=qb)
    money = [p for p in received if p.TotalAmt != 0]
    credit_links = [p for p in received if p.TotalAmt == 0]
    assert len(money) == len(payments) and len(credit_links) == len(credits)
    bank = DEMO.accounts["bank"]
    for payment in money:
        source_id = next(s for s in payments if payment.PrivateNote.endswith(s)
                         or f"({s})" in payment.PrivateNote)
        body = payments[source_id]
        assert payment.TotalAmt == Decimal(str(body["amount"]))
        assert (payment.TxnDate, payment.DepositToAccountRef.value) == (body["date"], bank)
        assert payment.CustomerRef.value == customer_id[body["customer_source_id"]]
        assert {(ln.LinkedTxn[0].TxnId, ln.Amount) for ln in payment.Line} == {
            (invoice_id[a["invoice_source_id"]], Decimal(str(a["amount"])))
            for a in body["allocations"]}
        for line in payment.Line:
            assert Invoice.get(line.LinkedTxn[0].TxnId, qb=qb).Balance == 0
    for link in credit_links:
        kinds = sorted(ln.LinkedTxn[0].TxnType for ln in link.Line)
        assert kinds == ["CreditMemo", "Invoice"]
        assert link.Line[0].Amount == link.Line[1].Amount


# --------------------------------------------------------------------------- creating
def _customer(name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    customer.CompanyName = name
    customer.GivenName, customer.FamilyName = "Sam", "Integrator"
    email = EmailAddress()
    email.Address = f"{uuid.uuid4().hex[:6]}@example.test"
    customer.PrimaryEmailAddr = email
    phone = PhoneNumber()
    phone.FreeFormNumber = "07700 900123"
    customer.PrimaryPhone = phone
    address = Address()
    address.Line1, address.City, address.PostalCode = "2 Mill Lane", "York", "YO1 7HH"
    customer.BillAddr = address
    return customer


def _line(item_id: str, tax_code_id: str, qty: str, price: str) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    line.Description = "Labour"
    detail = SalesItemLineDetail()
    detail.ItemRef = ref(item_id)
    detail.TaxCodeRef = ref(tax_code_id)
    detail.Qty = Decimal(qty)
    detail.UnitPrice = Decimal(price)
    line.SalesItemLineDetail = detail
    return line


def _document(kind: str, number: str, customer_id: str) -> DocumentRecord:
    return DocumentRecord(
        key="k", kind=kind, reference=number, contact_external_id=customer_id, contact_name="",
        date=date(2026, 11, 2), due_date=None, their_reference="", amounts_are="exclusive",
        lines=(), subtotal=Decimal(0), tax_total=Decimal(0), total=Decimal(0),
    )


def test_an_integrator_creates_records_and_our_connector_finds_them(sandbox_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = sandbox_tenant(PACKAGE)
    qb = for_tenant(tenant)
    tag = uuid.uuid4().hex[:6].upper()

    # What an integrator reads first: items, VAT codes and the bank account.
    items = Item.all(qb=qb)
    service = next(i for i in items if i.Type == "Service")
    standard = next(c for c in TaxCode.all(qb=qb) if c.Name.startswith("20.0% S"))
    bank = Account.filter(AccountType="Bank", qb=qb)[0]

    customer = _customer(f"Mill {tag}").save(qb=qb)
    assert customer.Id and customer.DisplayName == f"Mill {tag}"

    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.DocNumber = f"I-{tag}"
    invoice.TxnDate = "2026-11-02"
    invoice.Line = [_line(service.Id, standard.Id, "2", "10.00"),
                    _line(service.Id, standard.Id, "3", "33.33")]
    invoice = invoice.save(qb=qb, request_id=f"inv-{tag}")
    assert (invoice.TotalAmt, invoice.TxnTaxDetail.TotalTax) == (Decimal("143.99"),
                                                                Decimal("24.00"))
    assert invoice.DueDate == "2026-12-02"  # 30 days, as QBO's default terms

    memo = CreditMemo()
    memo.CustomerRef = customer.to_ref()
    memo.DocNumber = f"C-{tag}"
    memo.TxnDate = "2026-11-03"
    memo.Line = [_line(service.Id, standard.Id, "1", "10.00")]
    memo = memo.save(qb=qb)
    assert (memo.TotalAmt, memo.RemainingCredit) == (Decimal("12.00"), Decimal("12.00"))

    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = Decimal("131.99")
    payment.TxnDate = "2026-11-20"
    payment.DepositToAccountRef = bank.to_ref()
    payment.PrivateNote = f"Card payment {tag}"
    payment.PaymentRefNum = tag
    paid, credited = PaymentLine(), PaymentLine()
    paid.Amount, paid.LinkedTxn = Decimal("143.99"), [invoice.to_linked_txn()]
    credited.Amount, credited.LinkedTxn = Decimal("12.00"), [memo.to_linked_txn()]
    payment.Line = [paid, credited]
    payment = payment.save(qb=qb)
    assert (payment.TotalAmt, payment.UnappliedAmt) == (Decimal("131.99"), 0)

    # Read back with the library ...
    assert Invoice.get(invoice.Id, qb=qb).Balance == 0
    assert CreditMemo.get(memo.Id, qb=qb).RemainingCredit == 0
    assert [p.Id for p in Payment.filter(CustomerRef=customer.Id, qb=qb)] == [payment.Id]

    # ... and with our connector's find(), which must see what another app created.
    ours = QuickBooksOnlineConnector(tenant.config, tenant.creds)
    assert ours.find(ContactRecord(key="k", kind="customer", reference="x",
                                   name=f"Mill {tag}")) == customer.Id
    assert ours.find(_document("invoice", f"I-{tag}", customer.Id)) == invoice.Id
    assert ours.find(_document("credit_note", f"C-{tag}", customer.Id)) == memo.Id
    assert ours.find(PaymentRecord(
        key="k", kind="payment", reference=f"Card payment {tag}", contact_external_id=customer.Id,
        contact_name="", date=date(2026, 11, 20), amount=Decimal("131.99"),
        bank_account_code=bank.Id, allocations=(Allocation(invoice.Id, f"I-{tag}",
                                                            Decimal("143.99")),),
    )) == payment.Id


def test_batch_operations_and_the_query_helpers(sandbox_tenant) -> None:  # type: ignore[no-untyped-def]
    qb = for_tenant(sandbox_tenant(PACKAGE))
    made = batch_create([_customer(f"Batch {i:02d}") for i in range(35)], qb=qb)  # 30 + 5
    assert (len(made.successes), len(made.faults)) == (35, 0)
    again = batch_create([_customer("Batch 00"), _customer("Batch 99")], qb=qb)
    assert [s.DisplayName for s in again.successes] == ["Batch 99"]
    (fault,) = again.faults
    assert fault.original_object.DisplayName == "Batch 00"
    assert fault.Error[0].code == "6240"

    assert Customer.count(qb=qb) == 36
    assert Customer.count("DisplayName LIKE 'Batch 1%'", qb=qb) == 10
    page = Customer.all(order_by="DisplayName DESC", start_position=3, max_results=5, qb=qb)
    assert [c.DisplayName for c in page] == [f"Batch {i:02d}" for i in (33, 32, 31, 30, 29)]
    assert [c.DisplayName for c in Customer.filter(DisplayName="Batch 07", qb=qb)] == \
        ["Batch 07"]
    chosen = [made.successes[i].Id for i in (3, 4)]
    assert sorted(c.Id for c in Customer.choose(chosen, qb=qb)) == sorted(chosen)
    where = Customer.where("Active = true AND DisplayName LIKE 'Batch 2%'", order_by="Id",
                           max_results=3, qb=qb)
    assert [c.DisplayName for c in where] == ["Batch 20", "Batch 21", "Batch 22"]

    # Invoices in one batch, one of them refused for a number already used.
    first, second, again = Invoice(), Invoice(), Invoice()
    for invoice, number in ((first, "B-1"), (second, "B-2"), (again, "B-1")):
        invoice.CustomerRef = made.successes[1].to_ref()
        invoice.DocNumber = number
        invoice.Line = [_line("1", "2", "1", "50.00")]
    done = batch_create([first, second], qb=qb)
    assert [(i.DocNumber, i.TotalAmt) for i in done.successes] == [("B-1", Decimal("60.00")),
                                                                    ("B-2", Decimal("60.00"))]
    refused = batch_create([again], qb=qb)
    assert (refused.successes, refused.faults[0].Error[0].code) == ([], "6140")
    assert Invoice.count(qb=qb) == 2

    # Credit memos made without a number (the library sends DocNumber ""): numbered by QBO.
    unnumbered = []
    for _ in range(2):
        memo = CreditMemo()
        memo.CustomerRef = made.successes[1].to_ref()
        memo.Line = [_line("1", "2", "1", "5.00")]
        unnumbered.append(memo.save(qb=qb))
    numbers = [m.DocNumber for m in unnumbered]
    assert all(numbers) and len(set(numbers)) == 2 and unnumbered[0].TotalAmt == Decimal("6.00")

    # Updates: a sparse save, a batch update, then a full save of a stale copy refused.
    sparse = Customer.get(made.successes[2].Id, qb=qb)
    sparse.sparse, sparse.Notes = True, "Sparse note"
    assert sparse.save(qb=qb).Notes == "Sparse note"
    fresh = Customer.get(made.successes[2].Id, qb=qb)
    fresh.Notes = "Batch note"
    assert [c.Notes for c in batch_update([fresh], qb=qb).successes] == ["Batch note"]
    assert Customer.get(fresh.Id, qb=qb).SyncToken == "2"

    # Update through the library: a full save of what it read back, then a stale one refused.
    customer = Customer.get(made.successes[0].Id, qb=qb)
    customer.Notes = "Prefers mornings"
    updated = customer.save(qb=qb)
    assert (updated.Notes, updated.SyncToken) == ("Prefers mornings", "1")
    customer.Notes = "Stale edit"
    with pytest.raises(QuickbooksException) as stale:
        customer.save(qb=qb)
    assert stale.value.error_code == 5010


def test_errors_reach_the_library_as_its_own_exceptions(sandbox_tenant) -> None:  # type: ignore[no-untyped-def]
    qb = for_tenant(sandbox_tenant(PACKAGE))
    customer = _customer("Taken Name").save(qb=qb)
    with pytest.raises(QuickbooksException) as duplicate:
        _customer("Taken Name").save(qb=qb)
    assert duplicate.value.error_code == 6240
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    line = _line("1", "2", "1", "10.00")
    line.SalesItemLineDetail.TaxCodeRef = None
    invoice.Line = [line]
    with pytest.raises(QuickbooksException) as no_vat:
        invoice.save(qb=qb)
    assert no_vat.value.error_code == 6000
    assert "VAT rate" in no_vat.value.detail
    invoice.Line = [_line("999", "2", "1", "10.00")]
    with pytest.raises(ValidationException) as unknown_item:
        invoice.save(qb=qb)
    assert unknown_item.value.error_code == 2500


def test_a_throttled_call_reaches_the_library_as_an_error(sandbox_tenant, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_online import limits, store

    qb = for_tenant(sandbox_tenant(PACKAGE))
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", True)
    monkeypatch.setattr(limits, "MINUTE_LIMIT", 5)  # connecting made a call or two already
    moment = store.now()
    monkeypatch.setattr(store, "now", lambda: moment)  # every call in one minute
    with pytest.raises(QuickbooksException) as throttled:
        for _ in range(6):
            assert Customer.count(qb=qb) == 0
    assert throttled.value.error_code == 3001
    assert "ThrottleExceeded" in throttled.value.message


def test_intuit_oauth_client_works_against_the_sandbox_identity_endpoints(app, live_url) -> None:  # type: ignore[no-untyped-def]
    from app.connections.sandbox_consent import consent_callback

    config = dict(app.config)
    client = auth_client(config)
    url = client.get_authorization_url([Scopes.ACCOUNTING])
    callback = consent_callback(url, organisation=f"OAuth Co {uuid.uuid4().hex[:6]}")
    assert callback["state"] == client.state_token
    client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    assert client.access_token and client.refresh_token and client.expires_in == 3600
    qb = quickbooks(config, client, callback["realmId"])
    info = qb.get_single_object("CompanyInfo", callback["realmId"])["CompanyInfo"]
    assert info["CompanyName"].startswith("OAuth Co ")

    first_refresh = client.refresh_token
    client.refresh()
    assert client.refresh_token != first_refresh  # the newest must always be kept
    qb = quickbooks(config, client, callback["realmId"])
    assert Customer.count(qb=qb) == 0

    assert client.revoke() is True
    with pytest.raises(QuickbooksException) as refused:
        Customer.count(qb=qb)
    assert refused.value.error_code == 401
