"""QuickBooks Online request bodies against Intuit's Finance.xsd, and QBO's faults -> outcomes.

No HTTP here. Every entity we send is checked, as it goes on the wire, with the XSD reader in
sandboxes/quickbooks_online/schema.py (element names of each type, required elements);
skipped only where ../shared/specs is absent.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.base import (
    Address,
    Allocation,
    AuthLost,
    AuthLostError,
    BadReplyError,
    ContactRecord,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
    RateLimitedError,
    Rejected,
    RetryLater,
    Uncertain,
    batch_idempotency_key,
)
from connectors.quickbooks_online import payloads
from connectors.quickbooks_online.errors import (
    FaultError,
    MaybeSentError,
    QboRequestError,
    QboUnavailableError,
    batch_outcome,
    classify,
    fault_errors,
    raise_for_status,
)
from connectors.quickbooks_online.pushing import request_id

XSD = Path(__file__).resolve().parents[3] / "shared" / "specs" / "quickbooks-online" / "Finance.xsd"


def violations(entity: str, body: dict) -> list[str]:
    if not XSD.exists():
        pytest.skip(f"Intuit's XSD {XSD} is absent: cannot check against it")
    from sandboxes.quickbooks_online.schema import violations as xsd_violations

    return xsd_violations(str(XSD), entity, wire(body))


def wire(body: dict) -> dict:
    """What goes on the wire, decoded as QBO would decode it."""
    return json.loads(payloads.dumps(body))


def contact(**kw) -> ContactRecord:
    base = dict(
        key="t-c1", kind="customer", reference="CUST-001", name="A. Smith Plumbing",
        email="a.smith@example.test", phone="01632 960001",
        address=Address("1 High St", "Flat 2", "Leeds", "LS1 1AA", "United Kingdom"),
    )
    base.update(kw)
    return ContactRecord(**base)


def line(qty: str, price: str, rate: str = "20", code: str = "3", inclusive: bool = False
         ) -> DocumentLine:
    amount = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    divisor = (100 + Decimal(rate)) if inclusive else Decimal(100)
    tax = (amount * Decimal(rate) / divisor).quantize(Decimal("0.01"))
    return DocumentLine("Boiler service", Decimal(qty), Decimal(price), "11", code,
                        Decimal(rate), amount, tax)


def document(kind: str = "invoice", **kw) -> DocumentRecord:
    inclusive = kw.get("amounts_are") == "inclusive"
    lines = kw.pop("lines", (line("1", "85.00", inclusive=inclusive),
                             line("3", "12.35", "5", "5", inclusive=inclusive)))
    amounts = sum((ln.line_amount for ln in lines), Decimal("0"))
    tax = sum((ln.tax_amount for ln in lines), Decimal("0"))
    base = dict(
        key="t-i1", kind=kind, reference="INV-1001", contact_external_id="58",
        contact_name="A. Smith Plumbing", date=date(2025, 3, 14), due_date=date(2025, 4, 13),
        their_reference="JOB-77", amounts_are="exclusive", lines=lines,
        subtotal=amounts - tax if inclusive else amounts, tax_total=tax,
        total=amounts if inclusive else amounts + tax,
    )
    base.update(kw)
    return DocumentRecord(**base)


def payment(*amounts: str, **kw) -> PaymentRecord:
    allocations = tuple(
        Allocation(str(100 + i), f"INV-{1001 + i}", Decimal(a)) for i, a in enumerate(amounts)
    )
    base = dict(
        key="t-p1", kind="payment", reference="BACS 14/03 (PAY-000123)",
        contact_external_id="58", contact_name="A. Smith Plumbing", date=date(2025, 3, 20),
        amount=sum((a.amount for a in allocations), Decimal("0")), bank_account_code="35",
        allocations=allocations,
    )
    base.update(kw)
    return PaymentRecord(**base)


# --------------------------------------------------------------------------- bodies vs XSD
def test_customer_and_vendor_match_the_xsd() -> None:
    customer = payloads.contact_payload(contact())
    assert violations("Customer", customer) == []
    assert customer["DisplayName"] == "A. Smith Plumbing"
    assert customer["PrimaryEmailAddr"] == {"Address": "a.smith@example.test"}
    assert customer["BillAddr"]["PostalCode"] == "LS1 1AA"
    assert "AcctNum" not in customer  # a QBW-only field on customers: not sent to QBO
    vendor = payloads.contact_payload(contact(kind="supplier", reference="SUP-9"))
    assert violations("Vendor", vendor) == []
    assert vendor["AcctNum"] == "SUP-9"
    too_long = payloads.contact_payload(contact(kind="supplier", reference="S" * 16))
    assert "AcctNum" not in too_long  # QBO keeps 15 characters: found by DisplayName instead


def test_minimal_contact_and_names_qbo_would_refuse() -> None:
    body = payloads.contact_payload(contact(email="", phone="", address=Address()))
    assert set(body) == {"DisplayName", "CompanyName"}
    # A colon separates sub-customers in QBO: refused in a DisplayName.
    assert payloads.contact_payload(contact(name="Smith: Leeds\tSite"))["DisplayName"] == (
        "Smith - Leeds - Site")
    with pytest.raises(payloads.PayloadError):
        payloads.contact_payload(contact(name="  "))


def test_invoice_matches_the_xsd_and_carries_our_number_items_and_vat_codes() -> None:
    record = document()
    body = payloads.invoice_payload(record)
    assert violations("Invoice", body) == []
    sent = wire(body)
    assert sent["DocNumber"] == "INV-1001" and sent["CustomerRef"] == {"value": "58"}
    assert sent["GlobalTaxCalculation"] == "TaxExcluded"
    assert (sent["TxnDate"], sent["DueDate"]) == ("2025-03-14", "2025-04-13")
    assert sent["PrivateNote"] == "Your ref: JOB-77"
    first, second = sent["Line"]
    assert first["DetailType"] == "SalesItemLineDetail" and first["Amount"] == 85.0
    assert first["SalesItemLineDetail"]["ItemRef"] == {"value": "11"}
    assert first["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "3"}
    assert second["SalesItemLineDetail"]["Qty"] == 3
    # Qty x UnitPrice = Amount on every line (QBO's 6070 otherwise)
    for ln in sent["Line"]:
        detail = ln["SalesItemLineDetail"]
        assert Decimal(str(detail["Qty"])) * Decimal(str(detail["UnitPrice"])) == Decimal(
            str(ln["Amount"]))


def test_inclusive_lines_send_net_amounts_and_the_gross_as_tax_inclusive_amount() -> None:
    record = document(amounts_are="inclusive", lines=(line("3", "10.00", inclusive=True),))
    body = payloads.invoice_payload(record)
    assert violations("Invoice", body) == []
    sent = wire(body)
    assert sent["GlobalTaxCalculation"] == "TaxInclusive"
    (only,) = sent["Line"]
    assert only["Amount"] == 25.0  # 30.00 gross less 5.00 VAT
    assert only["SalesItemLineDetail"]["TaxInclusiveAmt"] == 30.0
    # Net unit price to QBO's 7 places: Qty x UnitPrice rounds to the net Amount.
    unit = Decimal(str(only["SalesItemLineDetail"]["UnitPrice"]))
    assert unit == Decimal("8.3333333") and (unit * 3).quantize(Decimal("0.01")) == Decimal("25")


def test_due_date_defaults_to_the_invoice_date() -> None:
    body = payloads.invoice_payload(document(due_date=None, their_reference=""))
    assert body["DueDate"] == "2025-03-14" and "PrivateNote" not in body


def test_money_goes_on_the_wire_digit_for_digit() -> None:
    text = payloads.dumps(payloads.invoice_payload(document(lines=(line("3", "33.333"),))))
    assert '"UnitPrice":33.333' in text and '"Amount":100.00' in text


def test_credit_memo_and_its_application_match_the_xsd() -> None:
    credit = document("credit_note", reference="CN-1", invoice_external_id="130",
                      invoice_reference="INV-1001")
    body = payloads.credit_memo_payload(credit)
    assert violations("CreditMemo", body) == []
    assert "DueDate" not in body
    apply = payloads.apply_credit_payload(credit, "131", Decimal("12.5"))
    assert violations("Payment", apply) == []
    sent = wire(apply)
    assert sent["TotalAmt"] == 0
    assert [ln["LinkedTxn"][0] for ln in sent["Line"]] == [
        {"TxnId": "130", "TxnType": "Invoice"}, {"TxnId": "131", "TxnType": "CreditMemo"}]
    assert [ln["Amount"] for ln in sent["Line"]] == [12.5, 12.5]


def test_payment_links_each_invoice_and_keeps_our_whole_reference() -> None:
    record = payment("60.00", "40.00")
    body = payloads.payment_payload(record)
    assert violations("Payment", body) == []
    sent = wire(body)
    assert sent["TotalAmt"] == 100.0 and sent["DepositToAccountRef"] == {"value": "35"}
    assert [ln["LinkedTxn"] for ln in sent["Line"]] == [
        [{"TxnId": "100", "TxnType": "Invoice"}], [{"TxnId": "101", "TxnType": "Invoice"}]]
    # PaymentRefNum holds 21 characters; the whole reference (how find() knows it) is kept.
    assert sent["PaymentRefNum"] == "BACS 14/03 (PAY-00012"
    assert sent["PrivateNote"] == "BACS 14/03 (PAY-000123)"


def test_service_item_and_batch_envelope() -> None:
    item = payloads.service_item_payload("Labour: call-out", "79")
    assert violations("Item", item) == []
    assert item == {"Name": "Labour - call-out", "Type": "Service",
                    "IncomeAccountRef": {"value": "79"}}
    body = payloads.batch_body("Invoice", [{"DocNumber": "1"}, {"DocNumber": "2"}])
    assert body == {"BatchItemRequest": [
        {"bId": "0", "operation": "create", "Invoice": {"DocNumber": "1"}},
        {"bId": "1", "operation": "create", "Invoice": {"DocNumber": "2"}}]}
    with pytest.raises(ValueError, match="at most 10"):
        payloads.batch_body("Invoice", [{}] * 11)


def test_the_xsd_check_does_catch_a_bad_body() -> None:
    # Guards the guard: unknown elements must be reported, or the checks above prove nothing.
    bad = {"Bogus": 1, "Line": [{"Amount": 1, "SalesItemLineDetail": {"ItemCode": "1"}}]}
    found = violations("Invoice", bad)
    assert any("Bogus" in v for v in found) and any("ItemCode" in v for v in found)


@pytest.mark.parametrize(
    ("build", "record", "field"),
    [
        (payloads.invoice_payload, document(reference="INV-" + "9" * 18), "DocNumber"),
        (payloads.invoice_payload, document(reference=" "), "DocNumber"),
        (payloads.invoice_payload, document(contact_external_id=""), "CustomerRef"),
        (payloads.invoice_payload, document(lines=()), "Line"),
        (payloads.credit_memo_payload,
         document(lines=(DocumentLine("x", Decimal(1), Decimal(1), "", "3", Decimal(20),
                                      Decimal(1), Decimal("0.2")),)), "ItemRef"),
        (payloads.invoice_payload,
         document(lines=(DocumentLine("x", Decimal(1), Decimal(1), "11", "", Decimal(20),
                                      Decimal(1), Decimal("0.2")),)), "TaxCodeRef"),
        (payloads.payment_payload, payment(), "Line"),
        (payloads.payment_payload, payment("5", bank_account_code=""), "DepositToAccountRef"),
        (payloads.payment_payload, payment("-5"), "Amount"),
    ],
)
def test_records_qbo_must_refuse_are_caught_before_sending(build, record, field) -> None:
    with pytest.raises(payloads.PayloadError) as caught:
        build(record)
    assert caught.value.field == field


def test_requestid_is_stable_short_and_per_batch() -> None:
    a, b = contact(key="k-1"), contact(key="k-2")
    first = request_id(batch_idempotency_key([a, b]))
    assert first == request_id(batch_idempotency_key([b, a]))  # same records, same id
    assert first != request_id(batch_idempotency_key([a]))
    assert len(first) <= 50  # Intuit's limit on requestid


# --------------------------------------------------------------------------- QBO's faults
def fault(code: str, message: str, detail: str, element: str = "") -> dict:
    error = {"Message": message, "Detail": detail, "code": code}
    if element:
        error["element"] = element
    return {"Fault": {"Error": [error], "type": "ValidationFault"}, "time": "2025-03-14T10:00:00"}


INACTIVE = ("Object Not Found : Something you're trying to use has been made inactive. Check "
            "the fields with accounts, customers, items, vendors or employees.")


@pytest.mark.parametrize(
    ("body", "record", "reason", "details"),
    [
        (fault("610", "Object Not Found", INACTIVE), document(), "contact_archived",
         {"contact_name": "A. Smith Plumbing"}),
        (fault("610", "Object Not Found", INACTIVE, "ItemRef"), document(), "account_archived",
         {"account_code": "11"}),
        (fault("6240", "Duplicate Name Exists Error",
               "The name supplied already exists. : Another customer, vendor or employee is "
               "already using this name. Please use a different name."), contact(),
         "duplicate_name", {"contact_name": "A. Smith Plumbing"}),
        (fault("6140", "Duplicate Document Number Error",
               "Duplicate Document Number Error : You must specify a different number. This "
               "number has already been used. DocNumber=INV-1001 is assigned to TxnType=Invoice "
               "with TxnId=146"), document(), "duplicate_reference", {"reference": "INV-1001"}),
        (fault("6000", "A business validation error has occurred while processing your request",
               "Business Validation Error: Make sure all your transactions have a VAT rate "
               "before you save.", "TaxCodeRef"), document(), "tax_rate_unknown",
         {"tax_code": "3, 5"}),
        (fault("6000", "A business validation error has occurred while processing your request",
               "Business Validation Error: You can't create or modify a transaction with a date "
               "that comes before the closing date of the books."), document(),
         "locked_period", {"date": "2025-03-14"}),
        (fault("6210", "Account Period Closed",
               "The account period has closed and the account books cannot be updated through "
               "the QBO Services API. Please use the QBO website to make these changes."),
         document(), "locked_period", {"date": "2025-03-14"}),
        (fault("6210", "Duplicate Document Number Error",
               "Duplicate Document Number Error: You must specify a different number. This "
               "number has already been used."), document(), "duplicate_reference",
         {"reference": "INV-1001"}),
        (fault("2500", "Invalid Reference Id",
               "Invalid Reference Id : CustomerRef element id 99 not found", "CustomerRef"),
         document(), "contact_missing", {"contact_name": "A. Smith Plumbing"}),
        (fault("2500", "Invalid Reference Id",
               "Invalid Reference Id : ItemRef element id 77 not found", "ItemRef"),
         document(), "account_unknown", {"account_code": "11"}),
        (fault("2500", "Invalid Reference Id",
               "Invalid Reference Id : LinkedTxn element id 100 not found", "LinkedTxn"),
         payment("5"), "invoice_missing", {"invoice_reference": "INV-1001"}),
        (fault("2500", "Invalid Reference Id",
               "Invalid Reference Id : DepositToAccountRef element id 3 not found",
               "DepositToAccountRef"), payment("5"), "account_unknown", {"account_code": "35"}),
        (fault("5010", "Stale Object Error",
               "Stale Object Error : You and Jane were working on this at the same time."),
         contact(), "validation", {}),
        (fault("6070", "Amount is not equal to UnitPrice * Qty",
               "Amount is not equal to UnitPrice * Qty. Supplied value:12.34"), document(),
         "validation", {}),
    ],
)
def test_faults_are_classified(body, record, reason, details) -> None:
    outcome = classify(fault_errors(body), record)
    assert isinstance(outcome, Rejected)
    assert outcome.reason == reason
    error = body["Fault"]["Error"][0]
    assert error["Detail"] in outcome.package_message  # QBO's own words, for support
    for key, value in details.items():
        assert outcome.details[key] == value


def test_a_replayed_request_fault_is_uncertain_not_failed() -> None:
    body = fault("600", "Duplicate request", "A request with this requestid was already made")
    assert isinstance(classify(fault_errors(body), document()), Uncertain)
    assert isinstance(classify([], document()), Rejected)
    assert fault_errors({"Fault": "nonsense"}) == [] and fault_errors("garbage") == []
    assert FaultError("1", "", "", "").text == "error 1"


AUTH_401 = {"warnings": None, "intuitObject": None, "fault": {"error": [{
    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
    "detail": "Token expired: Fri Mar 14 10:00:00 UTC 2025", "code": "3200",
    "element": None}], "type": "AUTHENTICATION"}}
THROTTLED = {"Fault": {"Error": [{
    "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
    "Detail": "The request limit was reached.", "code": "3001"}], "type": "SERVICE"}}


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (401, {}, AUTH_401, AuthLost),
        (403, {}, fault("3100", "ApplicationAuthorizationFailed", "no access"), AuthLost),
        (429, {}, THROTTLED, RetryLater),
        (500, {}, None, RetryLater),
        (503, {}, {"html": True}, RetryLater),
        (400, {}, fault("2010", "Request has invalid or unsupported property", "x"), Rejected),
        (200, {}, fault("6000", "A business validation error", "whole request"), Rejected),
        (200, {}, AUTH_401, AuthLost),
    ],
)
def test_http_replies_to_outcomes(status, headers, body, expected) -> None:
    with pytest.raises(Exception) as caught:  # noqa: B017 - the type is checked just below
        raise_for_status(status, headers, body, json.dumps(body))
    outcome = batch_outcome(caught.value)
    assert isinstance(outcome, expected)
    if status == 401:
        assert isinstance(caught.value, AuthLostError)
        assert "Token expired" in str(caught.value)
    if status == 429:
        assert isinstance(caught.value, RateLimitedError)
        assert outcome.after == 60.0  # Intuit: wait 60 seconds
    if expected is Rejected:
        assert isinstance(caught.value, QboRequestError) and caught.value.errors


def test_network_trouble_after_sending_is_uncertain_before_sending_retry_later() -> None:
    assert isinstance(batch_outcome(MaybeSentError("read timeout")), Uncertain)
    assert isinstance(batch_outcome(BadReplyError("not json")), Uncertain)
    assert isinstance(batch_outcome(QboUnavailableError("refused", 30)), RetryLater)
    assert isinstance(batch_outcome(RuntimeError("our own bug")), Uncertain)
    raise_for_status(200, {}, {"BatchItemResponse": []}, "")  # a clean 2xx raises nothing
    with pytest.raises(RateLimitedError) as caught:
        raise_for_status(429, {"Retry-After": "7"}, THROTTLED, "")
    assert caught.value.after == 7.0  # a Retry-After, when given, is honoured
