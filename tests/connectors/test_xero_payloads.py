"""Xero request bodies against Xero's official OpenAPI spec, and Xero's error replies -> outcomes.

No HTTP here: what is built is validated with sandboxes/kit/openapi.py against
../shared/specs/xero/xero_accounting.yaml (skipped only where that folder is absent).
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
)
from connectors.xero import payloads
from connectors.xero.errors import (
    MaybeSentError,
    XeroRequestError,
    XeroUnavailableError,
    batch_outcome,
    classify,
    elements_of,
    raise_for_status,
    validation_messages,
)

SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "xero" / "xero_accounting.yaml"
INVOICE_ID = "4a4b2b3c-1d2e-4f50-8a9b-0c1d2e3f4a5b"
CONTACT_ID = "9c8b7a65-4321-4fed-8cba-0987654321ab"


def violations(method: str, path: str, body: dict) -> list[str]:
    if not SPEC.parent.exists():
        pytest.skip(f"Xero spec folder {SPEC.parent} is absent: cannot check against the spec")
    from sandboxes.kit.openapi import request_violations

    # What goes on the wire, decoded as Xero would decode it.
    return request_violations(str(SPEC), method, path, json.loads(payloads.dumps(body)))


def contact(**kw) -> ContactRecord:
    base = dict(
        key="t-c1", kind="customer", reference="CUST-001", name="A. Smith Plumbing",
        email="a.smith@example.test", phone="01632 960001",
        address=Address("1 High St", "Flat 2", "Leeds", "LS1 1AA", "United Kingdom"),
    )
    base.update(kw)
    return ContactRecord(**base)


def line(qty: str, price: str, rate: str = "20", code: str = "OUTPUT2") -> DocumentLine:
    amount = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    tax = (amount * Decimal(rate) / 100).quantize(Decimal("0.01"))
    return DocumentLine("Boiler service", Decimal(qty), Decimal(price), "200", code,
                        Decimal(rate), amount, tax)


def document(kind: str = "invoice", **kw) -> DocumentRecord:
    lines = kw.pop("lines", (line("1", "85.00"), line("3", "12.35", "5", "RROUTPUT")))
    subtotal = sum((ln.line_amount for ln in lines), Decimal("0"))
    tax = sum((ln.tax_amount for ln in lines), Decimal("0"))
    base = dict(
        key="t-i1", kind=kind, reference="INV-1001", contact_external_id=CONTACT_ID,
        contact_name="A. Smith Plumbing", date=date(2025, 3, 14), due_date=date(2025, 4, 13),
        their_reference="JOB-77", amounts_are="exclusive", lines=lines, subtotal=subtotal,
        tax_total=tax, total=subtotal + tax,
    )
    base.update(kw)
    return DocumentRecord(**base)


def payment(*amounts: str) -> PaymentRecord:
    allocations = tuple(
        Allocation(f"{INVOICE_ID[:-1]}{i}", f"INV-{1001 + i}", Decimal(a))
        for i, a in enumerate(amounts)
    )
    return PaymentRecord(
        key="t-p1", kind="payment", reference="PAY-9", contact_external_id=CONTACT_ID,
        contact_name="A. Smith Plumbing", date=date(2025, 3, 20),
        amount=sum((a.amount for a in allocations), Decimal("0")), bank_account_code="090",
        allocations=allocations,
    )


# --------------------------------------------------------------------------- payloads vs spec
def test_contact_payload_matches_spec_and_carries_our_reference() -> None:
    body = payloads.contact_payload(contact())
    assert body["ContactNumber"] == "CUST-001"
    assert body["Phones"] == [{"PhoneType": "DEFAULT", "PhoneNumber": "01632 960001"}]
    assert {a["AddressType"] for a in body["Addresses"]} == {"POBOX", "STREET"}
    assert body["Addresses"][0]["PostalCode"] == "LS1 1AA"
    assert violations("PUT", "/Contacts", payloads.wrap("Contacts", [body])) == []


def test_contact_without_optional_fields_is_minimal() -> None:
    body = payloads.contact_payload(contact(email="", phone="", address=Address()))
    assert body == {"ContactNumber": "CUST-001", "Name": "A. Smith Plumbing"}
    assert violations("PUT", "/Contacts", payloads.wrap("Contacts", [body])) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"reference": "C" * 51}, "ContactNumber"), ({"reference": " "}, "ContactNumber"),
     ({"name": ""}, "Name")],
)
def test_contact_xero_would_refuse_is_caught_before_sending(changes: dict, field: str) -> None:
    with pytest.raises(payloads.PayloadError) as caught:
        payloads.contact_payload(contact(**changes))
    assert caught.value.field == field


def test_invoice_payload_matches_spec_with_our_rounding() -> None:
    record = document()
    body = payloads.invoice_payload(record)
    assert violations("PUT", "/Invoices", payloads.wrap("Invoices", [body])) == []
    assert body["Type"] == "ACCREC" and body["Status"] == "AUTHORISED"
    assert body["Contact"] == {"ContactID": CONTACT_ID}
    assert (body["InvoiceNumber"], body["Reference"]) == ("INV-1001", "JOB-77")
    assert (body["Date"], body["DueDate"], body["LineAmountTypes"]) == (
        "2025-03-14", "2025-04-13", "Exclusive")
    second = body["LineItems"][1]
    assert (second["AccountCode"], second["TaxType"]) == ("200", "RROUTPUT")
    # 3 x 12.35 = 37.05, 5% tax = 1.8525 -> 1.85: our per-line rounding goes to Xero as is.
    assert (second["LineAmount"], second["TaxAmount"]) == (Decimal("37.05"), Decimal("1.85"))
    sent = sum(li["LineAmount"] + li["TaxAmount"] for li in body["LineItems"])
    assert sent == record.total


def test_invoice_due_date_defaults_to_the_invoice_date_and_inclusive_is_kept() -> None:
    body = payloads.invoice_payload(document(due_date=None, their_reference="",
                                             amounts_are="inclusive"))
    assert body["DueDate"] == body["Date"] == "2025-03-14"
    assert body["LineAmountTypes"] == "Inclusive"
    assert "Reference" not in body
    assert violations("PUT", "/Invoices", payloads.wrap("Invoices", [body])) == []


def test_money_goes_on_the_wire_digit_for_digit() -> None:
    body = payloads.invoice_payload(document(lines=(line("1", "0.10"), line("2.5", "1.30"))))
    text = payloads.dumps(body)
    assert '"UnitAmount":1.30' in text and '"Quantity":2.5' in text
    assert '"LineAmount":3.25' in text and '"TaxAmount":0.65' in text
    assert "0.30000000000000004" not in payloads.dumps({"x": Decimal("0.1") + Decimal("0.2")})


def test_credit_note_and_its_allocation_match_spec() -> None:
    record = document("credit_note", reference="CN-5", invoice_external_id=INVOICE_ID,
                      invoice_reference="INV-1001")
    body = payloads.credit_note_payload(record)
    assert body["Type"] == "ACCRECCREDIT" and body["CreditNoteNumber"] == "CN-5"
    assert "Allocations" not in body  # Xero ignores inline allocations: a separate call
    assert violations("PUT", "/CreditNotes", payloads.wrap("CreditNotes", [body])) == []
    allocation = payloads.allocation_payload(INVOICE_ID, Decimal("50"), date(2025, 3, 15))
    assert allocation["Allocations"][0]["Amount"] == Decimal("50.00")
    path = "/CreditNotes/0d0e0f10-1112-4314-9516-171819202122/Allocations"
    assert violations("PUT", path, allocation) == []


def test_payment_against_several_invoices_is_one_xero_payment_each() -> None:
    bodies = payloads.payment_payloads(payment("100.00", "20.50"))
    assert [b["Amount"] for b in bodies] == [Decimal("100.00"), Decimal("20.50")]
    assert {b["Reference"] for b in bodies} == {"PAY-9"}
    assert all(b["Account"] == {"Code": "090"} and b["Date"] == "2025-03-20" for b in bodies)
    assert bodies[1]["Invoice"] == {"InvoiceID": f"{INVOICE_ID[:-1]}1"}
    assert violations("PUT", "/Payments", payloads.wrap("Payments", bodies)) == []


def test_spec_check_does_catch_a_bad_body() -> None:
    # Guards the guard: a wrong type must be reported, or the checks above prove nothing.
    bad = {"Invoices": [{"Type": "ACCREC", "LineItems": "not a list", "Date": 20250314}]}
    assert len(violations("PUT", "/Invoices", bad)) >= 2


# --------------------------------------------------------------------------- Xero's errors
ARCHIVED = ("The contact with the specified contact details has been archived. The contact must "
            "be un-archived before creating new invoices or credit notes.")


@pytest.mark.parametrize(
    ("message", "record", "reason", "details"),
    [
        (ARCHIVED, document(), "contact_archived", {"contact_name": "A. Smith Plumbing"}),
        ("The contact name Buzz Lightyear is already assigned to another contact. The contact "
         "name must be unique across all active contacts.", contact(), "duplicate_name",
         {"contact_name": "Buzz Lightyear"}),
        ("Account code '476' has been archived or deleted. Each line item must reference a "
         "valid account.", document(), "account_archived", {"account_code": "476"}),
        ("Account code ''476'' has been removed as it does not match a recognised account.",
         document(), "account_unknown", {"account_code": "476"}),
        ("The TaxType code 'OUTPUT9' does not exist or cannot be used for this type of "
         "transaction.", document(), "tax_rate_unknown", {"tax_code": "OUTPUT9"}),
        ("The document date cannot be before the end of year lock date, 31/03/2024",
         document(), "locked_period", {"date": "2025-03-14", "lock_date": "31/03/2024"}),
        ("The document date cannot be before the period lock date", document(),
         "locked_period", {"date": "2025-03-14"}),
        ("The document date cannot be before the end of year lock date, currently set at "
         "31-Jul-2013", document(), "locked_period", {"lock_date": "31-Jul-2013"}),
        ("The contact with the specified contact details could not be found.", document(),
         "contact_missing", {"contact_name": "A. Smith Plumbing"}),
        ("Invoice # must be unique.", document(), "duplicate_reference",
         {"reference": "INV-1001"}),
        ("Payment amount exceeds the amount outstanding on this document", payment("10"),
         "amount_exceeds_due", {"invoice_reference": "INV-1001"}),
        ("Line Items must have a Description", document(), "validation", {}),
    ],
)
def test_validation_errors_are_classified(message, record, reason, details) -> None:
    rejected = classify([message], record)
    assert rejected.reason == reason
    assert rejected.package_message == message  # Xero's own words, for support
    for key, value in details.items():
        assert rejected.details[key] == value


def test_the_field_follows_the_record() -> None:
    assert classify(["Invoice # must be unique."], document()).field == "InvoiceNumber"
    cn = document("credit_note", reference="CN-1")
    assert classify(["Invoice # must be unique."], cn).field == "CreditNoteNumber"


def test_elements_of_a_real_400_body() -> None:
    body = {
        "ErrorNumber": 10, "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"Type": "ACCREC", "InvoiceNumber": "INV-1001",
                      "ValidationErrors": [{"Message": ARCHIVED}]}],
    }
    elements = elements_of(body)
    assert elements is not None and validation_messages(elements[0]) == [ARCHIVED]
    with pytest.raises(XeroRequestError) as caught:
        raise_for_status(400, {}, body, json.dumps(body))
    assert caught.value.body == body


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (401, {}, AuthLost), (403, {}, AuthLost),
        (429, {"Retry-After": "42", "X-Rate-Limit-Problem": "minute"}, RetryLater),
        (503, {}, RetryLater), (500, {"Retry-After": "garbage"}, RetryLater),
        (413, {}, Rejected),
    ],
)
def test_http_status_to_batch_outcome(status: int, headers: dict, expected: type) -> None:
    with pytest.raises(Exception) as caught:  # noqa: B017 - the type is checked just below
        raise_for_status(status, headers, {"Title": "x"}, "")
    outcome = batch_outcome(caught.value)
    assert isinstance(outcome, expected)
    if status == 429:
        assert isinstance(caught.value, RateLimitedError)
        assert (outcome.after, outcome.problem) == (42.0, "minute")
    if status in (401, 403):
        assert isinstance(caught.value, AuthLostError)
    if status == 500:
        assert outcome.after == 60.0


def test_network_trouble_after_sending_is_uncertain_before_sending_retry_later() -> None:
    assert isinstance(batch_outcome(MaybeSentError("read timeout")), Uncertain)
    assert isinstance(batch_outcome(BadReplyError("not json")), Uncertain)
    assert isinstance(batch_outcome(XeroUnavailableError("refused", 30)), RetryLater)
    raise_for_status(200, {}, {}, "")  # a 2xx raises nothing
