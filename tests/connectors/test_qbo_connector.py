"""The QuickBooks Online connector against the QBO sandbox, over real HTTP.

Each test connects a fresh sandbox company through the full OAuth code flow (consent page, code
with realmId, token exchange), so tests share neither books nor rate-limit budgets.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.connections.sandbox_consent import consent_callback
from connectors import connector_class
from connectors.base import (
    Address,
    Allocation,
    AuthLost,
    AuthLostError,
    ContactRecord,
    Credentials,
    DocumentLine,
    DocumentRecord,
    PackageError,
    PaymentRecord,
    Rejected,
    RetryLater,
    Sent,
    Uncertain,
)
from connectors.quickbooks_online import QuickBooksOnlineConnector as QBO
from connectors.quickbooks_online.payloads import quote

# The app's own callback, the only one the sandbox accepts; never followed here: the code is
# read from Location.
REDIRECT_URI = os.environ["BASE_URL"] + "/connections/oauth/callback"
TWO_DP = Decimal("0.01")
SERVICES, CALL_OUT, RETIRED_ITEM = "1", "3", "4"  # the sandbox's seeded items
VAT20, VAT5 = "2", "3"  # tax code ids
BANK = "35"


# --------------------------------------------------------------------------- helpers
@pytest.fixture
def settings(app, live_url) -> dict:  # type: ignore[no-untyped-def]
    return dict(app.config)


def connect(settings: dict, company: str | None = None) -> Credentials:
    company = company or f"Test Co {uuid.uuid4().hex[:8]}"
    url = QBO.authorization_url(settings, REDIRECT_URI, "state-123")
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    callback = consent_callback(url, organisation=company, timeout=10)
    assert callback["state"] == "state-123" and callback["realmId"]
    creds = QBO.exchange_code(settings, callback["code"], REDIRECT_URI,
                              session=requests.Session(), callback=callback)
    assert creds.tenant_id == callback["realmId"]
    tenants = QBO(settings, creds).tenants()
    assert [t.name for t in tenants] == [company]
    return creds.with_tokens(tenant_id=tenants[0].id, tenant_name=tenants[0].name)


@pytest.fixture
def creds(settings) -> Credentials:  # type: ignore[no-untyped-def]
    return connect(settings)


def raw(settings: dict, creds: Credentials, method: str, path: str, **kw) -> requests.Response:
    """Read or change the sandbox's books directly, the way a QBO user (or app) would."""
    return requests.request(
        method, f"{settings['QBO_API_URL']}/v3/company/{creds.tenant_id}/{path}",
        headers={"Authorization": f"Bearer {creds.access_token}", "Accept": "application/json"},
        timeout=10, **kw,
    )


def read(settings: dict, creds: Credentials, entity: str, object_id: str) -> dict:
    answer = raw(settings, creds, "GET", f"{entity.lower()}/{object_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()[entity]


def customer(ref: str, name: str | None = None, kind: str = "customer") -> ContactRecord:
    return ContactRecord(
        key=f"k-{ref}", kind=kind, reference=ref, name=name or f"Customer {ref}",
        email=f"{ref.lower()}@example.test", phone="01632 960123",
        address=Address("1 High St", "", "Leeds", "LS1 1AA", "GB"),
    )


def document(kind: str, ref: str, contact_id: str, prices: tuple[str, ...],
             invoice: tuple[str, str] | None = None, item: str = SERVICES,
             tax_code: str = VAT20) -> DocumentRecord:
    lines = []
    for price in prices:
        amount = (Decimal("3") * Decimal(price)).quantize(TWO_DP)
        tax = (amount * Decimal("0.2")).quantize(TWO_DP)
        lines.append(DocumentLine("Labour", Decimal("3"), Decimal(price), item, tax_code,
                                  Decimal("20"), amount, tax))
    subtotal = sum((ln.line_amount for ln in lines), Decimal("0"))
    tax = sum((ln.tax_amount for ln in lines), Decimal("0"))
    return DocumentRecord(
        key=f"k-{ref}", kind=kind, reference=ref, contact_external_id=contact_id,
        contact_name="Customer", date=date(2025, 6, 2), due_date=None, their_reference="JOB-1",
        amounts_are="exclusive", lines=tuple(lines), subtotal=subtotal, tax_total=tax,
        total=subtotal + tax, invoice_external_id=invoice[0] if invoice else None,
        invoice_reference=invoice[1] if invoice else None,
    )


def receipt(ref: str, contact_id: str, *allocations: Allocation) -> PaymentRecord:
    return PaymentRecord(
        key=f"k-{ref}", kind="payment", reference=f"BACS ({ref})", contact_external_id=contact_id,
        contact_name="Customer", date=date(2025, 6, 10),
        amount=sum((a.amount for a in allocations), Decimal("0")), bank_account_code=BANK,
        allocations=allocations,
    )


def sent_ids(outcomes: list) -> list[str]:
    assert all(isinstance(o, Sent) for o in outcomes), outcomes
    return [o.external_id for o in outcomes]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- OAuth
def test_registered_and_code_flow_gives_tokens_and_the_company(settings) -> None:  # type: ignore[no-untyped-def]
    assert connector_class("quickbooks_online") is QBO
    creds = connect(settings, "Flow Test Ltd")
    assert creds.access_token and creds.refresh_token
    assert not creds.expires_within(55 * 60) and creds.expires_within(61 * 60)
    assert creds.tenant_name == "Flow Test Ltd"
    with pytest.raises(Exception, match="realmId"):
        QBO.exchange_code(settings, "code", REDIRECT_URI, callback={"code": "code"})


def test_refresh_keeps_the_newest_token_and_a_dead_one_means_auth_lost(settings, creds) -> None:  # type: ignore[no-untyped-def]
    fresh = QBO.refresh(settings, creds, session=requests.Session())
    assert fresh.refresh_token != creds.refresh_token  # changed: the new one must be stored
    assert fresh.access_token != creds.access_token
    assert fresh.tenant_id == creds.tenant_id and fresh.extra["refresh_expires_at"] > 0
    again = QBO.refresh(settings, fresh)
    assert QBO(settings, again).tax_rates()  # the newest token works
    with pytest.raises(AuthLostError):
        QBO.refresh(settings, creds)  # the first one was used up
    # A revoked grant: the API answers 401 and a push says AuthLost (nothing was created).
    QBO.revoke(settings, again)
    outcomes = QBO(settings, again).push("customer", [customer("C-1")])
    assert all(isinstance(o, AuthLost) for o in outcomes)
    with pytest.raises(AuthLostError):
        QBO(settings, again).accounts()


def test_token_endpoint_down_is_not_auth_lost(settings, creds) -> None:  # type: ignore[no-untyped-def]
    dead = dict(settings, QBO_TOKEN_URL=f"http://127.0.0.1:{_closed_port()}/token")
    with pytest.raises(Exception) as caught:  # noqa: B017 - the type is checked just below
        QBO.refresh(dead, creds)
    assert not isinstance(caught.value, AuthLostError)


# --------------------------------------------------------------------------- lists
def test_accounts_items_tax_codes_and_contacts(settings, creds) -> None:  # type: ignore[no-untyped-def]
    qbo = QBO(settings, creds)
    found = qbo.accounts()
    sales = {a.code: a for a in found if a.kind == "sales"}
    assert sales[SERVICES].name == "Item: Services (→ Sales)"
    assert sales[CALL_OUT].type == "Item:Service" and sales[CALL_OUT].name.endswith("(→ Services)")
    assert RETIRED_ITEM not in sales  # QBO lists only active items
    banks = {a.code for a in found if a.kind == "bank"}
    assert banks == {"35", "36"}
    assert {a.code for a in found if a.kind == "expense"} == {"50", "51", "52"}
    income = {a.code for a in found if a.type == "Income"}
    assert {"1", "2", "3"} <= income and all(
        a.kind == "other" for a in found if a.type == "Income")
    rates = {r.code: r for r in qbo.tax_rates()}
    assert rates[VAT20].rate == Decimal("20") and rates[VAT5].rate == Decimal("5")
    assert rates["4"].rate == Decimal("0") and rates[VAT20].name == "20.0% S"
    assert list(qbo.contacts()) == []
    alpha, beta = sent_ids(qbo.push("customer", [customer("C-1"), customer("C-2")]))
    (supplier,) = sent_ids(qbo.push("supplier", [customer("S-1", "Parts Ltd", "supplier")]))
    contacts = {c.external_id + c.name: c for c in qbo.contacts()}
    one = contacts[alpha + "Customer C-1"]
    assert one.is_customer and not one.is_supplier and one.active
    assert one.email == "c-1@example.test" and one.address.postcode == "LS1 1AA"
    assert contacts[beta + "Customer C-2"].is_customer
    parts = contacts[supplier + "Parts Ltd"]
    assert parts.is_supplier and not parts.is_customer and parts.reference == "S-1"


def test_create_service_item_for_the_mapping_page(settings, creds) -> None:  # type: ignore[no-untyped-def]
    qbo = QBO(settings, creds)
    item = qbo.create_service_item("Boiler servicing", "2")
    assert (item.kind, item.type, item.name) == (
        "sales", "Item:Service", "Item: Boiler servicing (→ Services)")
    assert item.code in {a.code for a in qbo.accounts() if a.kind == "sales"}
    stored = read(settings, creds, "Item", item.code)
    assert stored["IncomeAccountRef"]["value"] == "2" and stored["Type"] == "Service"
    # Pressing the button twice (same requestid) gives the same item, not a second one...
    assert qbo.create_service_item("Boiler servicing", "2") == item
    # ...while the name taken by another item is refused in QBO's words.
    with pytest.raises(PackageError, match="already"):
        qbo.create_service_item("Boiler servicing", "1")


# --------------------------------------------------------------------------- push and read back
def test_push_every_kind_in_batches_and_read_it_back(settings, creds) -> None:  # type: ignore[no-untyped-def]
    qbo = QBO(settings, creds)
    alpha, beta = sent_ids(qbo.push("customer", [customer("C-1", "Alpha Heating"),
                                                 customer("C-2", "Beta Electrics")]))
    assert qbo.client.calls == 1  # one batch request for both
    assert read(settings, creds, "Customer", alpha)["DisplayName"] == "Alpha Heating"

    invoices = [document("invoice", "INV-1", alpha, ("33.33", "0.07")),
                document("invoice", "INV-2", beta, ("100.00",))]
    inv1, inv2 = sent_ids(qbo.push("invoice", invoices))
    assert qbo.client.calls == 2
    stored = read(settings, creds, "Invoice", inv1)
    assert Decimal(str(stored["TotalAmt"])).quantize(TWO_DP) == invoices[0].total
    assert Decimal(str(stored["TxnTaxDetail"]["TotalTax"])).quantize(TWO_DP) == (
        invoices[0].tax_total)
    assert stored["DocNumber"] == "INV-1" and stored["CustomerRef"]["value"] == alpha
    assert stored["DueDate"] == "2025-06-02" and stored["PrivateNote"] == "Your ref: JOB-1"

    credit = document("credit_note", "CN-1", beta, ("10.00",), invoice=(inv2, "INV-2"))
    (cn,) = sent_ids(qbo.push("credit_note", [credit]))
    assert qbo.client.calls == 5  # create, invoice balance, apply
    memo = read(settings, creds, "CreditMemo", cn)
    assert Decimal(str(memo["TotalAmt"])) == Decimal("36.00")
    assert Decimal(str(memo["RemainingCredit"])) == 0  # applied to INV-2 in full
    assert Decimal(str(read(settings, creds, "Invoice", inv2)["Balance"])) == Decimal("324.00")

    pay = receipt("P-1", alpha, Allocation(inv1, "INV-1", Decimal("50.00")))
    split = receipt("P-2", beta, Allocation(inv2, "INV-2", Decimal("324.00")))
    p1, p2 = sent_ids(qbo.push("payment", [pay, split]))
    assert qbo.client.calls == 6
    stored = read(settings, creds, "Payment", p1)
    assert stored["DepositToAccountRef"]["value"] == BANK
    assert stored["Line"][0]["LinkedTxn"][0] == {"TxnId": inv1, "TxnType": "Invoice"}
    assert stored["PrivateNote"] == "BACS (P-1)"
    assert Decimal(str(read(settings, creds, "Invoice", inv2)["Balance"])) == 0
    assert p2


def test_credit_notes_beyond_one_batch_share_one_balance_query(settings, creds) -> None:  # type: ignore[no-untyped-def]
    """The engine hands credit notes over 50 at a time: created and applied 10 per batch, with
    one query for every invoice's balance (calls per record stay near the batch floor)."""
    qbo = QBO(settings, creds)
    assert QBO.limits.batch_size["credit_note"] > 10
    (alpha,) = sent_ids(qbo.push("customer", [customer("C-1")]))
    invoices = [document("invoice", f"INV-{i}", alpha, ("20.00",)) for i in range(12)]
    ids = sent_ids(qbo.push("invoice", invoices))
    before = qbo.client.calls
    credits = [document("credit_note", f"CN-{i}", alpha, ("1.00",), invoice=(ids[i], f"INV-{i}"))
               for i in range(12)]
    memos = sent_ids(qbo.push("credit_note", credits))
    assert qbo.client.calls - before == 5  # 2 create batches, 1 balance query, 2 apply batches
    for memo_id, invoice_id in zip(memos, ids, strict=True):
        assert Decimal(str(read(settings, creds, "CreditMemo", memo_id)["RemainingCredit"])) == 0
        # 3 x 20.00 + 20% = 72.00, less the 3.60 credit
        assert Decimal(str(read(settings, creds, "Invoice", invoice_id)["Balance"])) == Decimal(
            "68.40")


def test_batch_faults_come_back_per_item(settings, creds) -> None:  # type: ignore[no-untyped-def]
    qbo = QBO(settings, creds)
    (alpha,) = sent_ids(qbo.push("customer", [customer("C-1", "Alpha Heating")]))
    # Names are unique across customers, vendors and employees (the sandbox seeds one employee).
    outcomes = qbo.push("supplier", [customer("S-1", "Alpha Heating", "supplier"),
                                     customer("S-2", "Sam Employee", "supplier"),
                                     customer("S-3", "Gamma Parts", "supplier")])
    assert [type(o) for o in outcomes] == [Rejected, Rejected, Sent]
    assert outcomes[0].reason == "duplicate_name"
    assert outcomes[0].details["contact_name"] == "Alpha Heating"
    assert outcomes[1].reason == "duplicate_name"

    good = document("invoice", "INV-1", alpha, ("10.00",))
    no_vat = document("invoice", "INV-2", alpha, ("10.00",), tax_code="")
    bad_item = document("invoice", "INV-3", alpha, ("10.00",), item="999")
    retired = document("invoice", "INV-4", alpha, ("10.00",), item=RETIRED_ITEM)
    calls = qbo.client.calls
    outcomes = qbo.push("invoice", [good, no_vat, bad_item, retired])
    assert qbo.client.calls == calls + 1  # the refused-before-sending one costs nothing
    assert isinstance(outcomes[0], Sent)
    assert (outcomes[1].reason, outcomes[1].field) == ("validation", "TaxCodeRef")
    assert (outcomes[2].reason, outcomes[2].details["account_code"]) == ("account_unknown", "999")
    assert outcomes[3].reason == "account_archived"
    # The same number again: QBO refuses duplicate DocNumbers.
    (dup,) = qbo.push("invoice", [document("invoice", "INV-1", alpha, ("5.00",))])
    assert isinstance(dup, Rejected) and dup.reason == "duplicate_reference"


def test_vat_code_missing_in_a_uk_company_is_tax_rate_unknown(settings, creds) -> None:  # type: ignore[no-untyped-def]
    qbo = QBO(settings, creds)
    (alpha,) = sent_ids(qbo.push("customer", [customer("C-1")]))
    record = document("invoice", "INV-1", alpha, ("10.00",))
    body = {"CustomerRef": {"value": alpha}, "DocNumber": "INV-9", "Line": [{
        "DetailType": "SalesItemLineDetail", "Amount": 10,
        "SalesItemLineDetail": {"ItemRef": {"value": SERVICES}, "Qty": 1, "UnitPrice": 10}}]}
    answer = raw(settings, creds, "POST", "invoice", json=body)
    assert answer.status_code == 400
    from connectors.quickbooks_online.errors import classify, fault_errors

    outcome = classify(fault_errors(answer.json()), record)
    assert isinstance(outcome, Rejected) and outcome.reason == "tax_rate_unknown"


def test_inactive_customer_is_contact_archived(settings, creds) -> None:  # type: ignore[no-untyped-def]
    qbo = QBO(settings, creds)
    (alpha,) = sent_ids(qbo.push("customer", [customer("C-1", "Alpha Heating")]))
    current = read(settings, creds, "Customer", alpha)
    made_inactive = raw(settings, creds, "POST", "customer", json={
        "Id": alpha, "SyncToken": current["SyncToken"], "sparse": True, "Active": False})
    assert made_inactive.status_code == 200, made_inactive.text
    (outcome,) = qbo.push("invoice", [document("invoice", "INV-1", alpha, ("10.00",))])
    assert isinstance(outcome, Rejected) and outcome.reason == "contact_archived"
    assert outcome.details["contact_name"] == "Customer"


def test_requestid_replays_the_first_answer_and_find_looks_up(settings, creds) -> None:  # type: ignore[no-untyped-def]
    qbo = QBO(settings, creds)
    batch = [customer("C-1", "Alpha Heating"), customer("C-2", "Beta Electrics")]
    first = sent_ids(qbo.push("customer", batch))
    # The same batch again (e.g. after a lost answer): the same requestid, the same answer,
    # and no duplicates.
    assert sent_ids(qbo.push("customer", batch)) == first
    rows = raw(settings, creds, "GET", "query", params={
        "query": "select * from Customer"}).json()["QueryResponse"]["Customer"]
    assert len(rows) == 2
    alpha = first[0]
    assert qbo.find(batch[0]) == alpha
    assert qbo.find(customer("C-9", "Nobody Ltd")) is None

    invoice = document("invoice", "INV-1", alpha, ("10.00",))
    (inv,) = sent_ids(qbo.push("invoice", [invoice]))
    assert qbo.find(invoice) == inv
    assert qbo.find(document("invoice", "INV-1", first[1], ("10.00",))) is None  # not ours
    assert qbo.find(document("invoice", "INV-404", alpha, ("1.00",))) is None
    pay = receipt("P-1", alpha, Allocation(inv, "INV-1", Decimal("12.00")))
    assert qbo.find(pay) is None
    (paid,) = sent_ids(qbo.push("payment", [pay]))
    assert qbo.find(pay) == paid
    other = receipt("P-2", alpha, Allocation(inv, "INV-1", Decimal("12.00")))
    assert qbo.find(other) is None  # same customer, day and amount, different reference


def test_credit_note_application_is_completed_after_an_interruption(settings, creds) -> None:  # type: ignore[no-untyped-def]
    qbo = QBO(settings, creds)
    (alpha,) = sent_ids(qbo.push("customer", [customer("C-1")]))
    (inv,) = sent_ids(qbo.push("invoice", [document("invoice", "INV-1", alpha, ("10.00",))]))
    credit = document("credit_note", "CN-1", alpha, ("5.00",), invoice=(inv, "INV-1"))
    # The memo goes in through the API directly, as if our application call had been lost.
    body = {"DocNumber": "CN-1", "CustomerRef": {"value": alpha}, "TxnDate": "2025-06-02",
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 15,
                      "SalesItemLineDetail": {"ItemRef": {"value": SERVICES}, "Qty": 3,
                                              "UnitPrice": 5, "TaxCodeRef": {"value": VAT20}}}]}
    made = raw(settings, creds, "POST", "creditmemo", json=body)
    assert made.status_code == 200, made.text
    memo_id = qbo.find(credit)
    assert memo_id == made.json()["CreditMemo"]["Id"]
    assert qbo.complete(credit, memo_id) == Sent(memo_id)
    assert Decimal(str(read(settings, creds, "Invoice", inv)["Balance"])) == Decimal("18.00")
    assert qbo.complete(credit, memo_id) == Sent(memo_id)  # idempotent: applied once only
    assert Decimal(str(read(settings, creds, "Invoice", inv)["Balance"])) == Decimal("18.00")


def test_the_batch_limit_answers_retry_later(settings, creds) -> None:  # type: ignore[no-untyped-def]
    if not settings.get("SANDBOX_RATE_LIMITS"):
        pytest.skip("the sandbox's limits are switched off")
    qbo = QBO(settings, creds)
    for _ in range(40):  # QBO's 40 batch calls a minute, spent by someone else
        raw(settings, creds, "POST", "batch", json={"BatchItemRequest": []})
    outcomes = qbo.push("customer", [customer("C-1"), customer("C-2")])
    assert all(isinstance(o, RetryLater) and o.problem == "minute" for o in outcomes), outcomes
    assert 0 < outcomes[0].after <= 60
    assert qbo.tax_rates()  # ordinary calls still go through


def test_inclusive_invoice_totals_agree(settings, creds) -> None:  # type: ignore[no-untyped-def]
    """A tax-inclusive invoice lands with our total and VAT to the penny (app/money.py: VAT per
    line = gross x rate / (100 + rate), half-up, then summed), half-penny lines included."""
    from app.money import document_totals, line_amounts

    qbo = QBO(settings, creds)
    (alpha,) = sent_ids(qbo.push("customer", [customer("C-1")]))
    lines = []
    for qty, price, code, rate in (("3", "10.00", VAT20, "20"), ("1", "0.75", VAT20, "20"),
                                   ("1.5", "13.25", VAT5, "5"), ("2", "33.33", VAT20, "20")):
        amounts = line_amounts(Decimal(qty), Decimal(price), Decimal(rate), inclusive=True)
        lines.append(DocumentLine("Labour", Decimal(qty), Decimal(price), SERVICES, code,
                                  Decimal(rate), amounts.line_amount, amounts.tax))
    ours = document_totals([line_amounts(ln.quantity, ln.unit_price, ln.tax_rate, True)
                            for ln in lines], inclusive=True)
    assert lines[1].tax_amount == Decimal("0.13")  # 0.125: half-up, not banker's 0.12
    record = DocumentRecord(
        key="k-inc", kind="invoice", reference="INV-INC", contact_external_id=alpha,
        contact_name="Customer", date=date(2025, 6, 2), due_date=None, their_reference="",
        amounts_are="inclusive", lines=tuple(lines), subtotal=ours.subtotal, tax_total=ours.tax,
        total=ours.total,
    )
    (outcome,) = qbo.push("invoice", [record])
    assert isinstance(outcome, Sent), outcome
    invoice = read(settings, creds, "Invoice", outcome.external_id)
    assert invoice["GlobalTaxCalculation"] == "TaxInclusive"
    assert Decimal(str(invoice["TotalAmt"])) == ours.total
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == ours.tax
    assert Decimal(str(invoice["Balance"])) == ours.total


def test_unreachable_or_garbage_is_never_sent(settings, creds) -> None:  # type: ignore[no-untyped-def]
    dead = dict(settings, QBO_API_URL=f"http://127.0.0.1:{_closed_port()}")
    (outcome,) = QBO(dead, creds).push("customer", [customer("C-1")])
    assert not isinstance(outcome, Sent | Uncertain)  # nothing left: safe to send again
    garbage = dict(settings, QBO_API_URL=f"{settings['BASE_URL']}/no-such-thing")
    (outcome,) = QBO(garbage, creds).push("customer", [customer("C-1")])
    assert not isinstance(outcome, Sent)
    assert quote("O'Brien") == "'O\\'Brien'"
