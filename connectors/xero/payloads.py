"""Canonical records -> Xero Accounting API JSON bodies.

Pure functions, no HTTP: the tests validate every body built here against Xero's official
OpenAPI document. Money stays Decimal until `dumps` (connectors/wire.py), which writes it as a
JSON number literal with exactly the digits we computed (never through float).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from connectors import wire
from connectors.base import (
    Allocation,
    ContactRecord,
    DocumentRecord,
    PaymentRecord,
)
from connectors.money import credit_to_apply, to_pennies
from connectors.money_hook import MoneyKind, PackageRefs, PayloadRequest

CONTACT_NUMBER_MAX = 50  # Xero's ContactNumber limit (spec: maxLength 50)
NAME_MAX = 255
INVOICE_NUMBER_MAX = 255
# Xero keeps a unit price to 2 dp unless the request asks for 4 ("By default, the API accepts
# unit prices (UnitAmount) to two decimals places ... opt-in to 4 decimal places by adding the
# querystring parameter unitdp=4", developer.xero.com, Rounding in Xero). Ours have 4, so a
# price of 12.345 would become 12.35 and the line a penny more than ours.
LINE_ITEM_PARAMS = {"unitdp": "4"}
LINE_ITEM_COLLECTIONS = ("Invoices", "CreditNotes")


class PayloadError(ValueError):
    """A record Xero is certain to refuse; reported as Rejected without calling Xero."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- JSON boundary
dumps = wire.dumps  # exact Decimal digits on the wire (connectors/wire.py)


def money(value: Decimal) -> Decimal:
    """To the penny by the one rule (connectors/money.py), never the default half-even."""
    return to_pennies(value)


def ymd(value: date) -> str:
    return value.isoformat()


# --------------------------------------------------------------------------- contacts
def contact_payload(record: ContactRecord) -> dict[str, Any]:
    """One Xero Contact. Customers and suppliers are the same object in Xero: IsCustomer and
    IsSupplier cannot be set (Xero derives them from the documents raised against the contact)."""
    reference = record.reference.strip()
    name = record.name.strip()
    if not reference:
        raise PayloadError("ContactNumber", "The contact has no reference (Xero ContactNumber).")
    if len(reference) > CONTACT_NUMBER_MAX:
        raise PayloadError(
            "ContactNumber",
            f"The contact reference '{reference}' is longer than Xero's limit of "
            f"{CONTACT_NUMBER_MAX} characters.",
        )
    if not name:
        raise PayloadError("Name", "The contact has no name; Xero requires one.")
    if len(name) > NAME_MAX:
        raise PayloadError("Name", f"The contact name is longer than Xero's {NAME_MAX} characters.")
    body: dict[str, Any] = {"ContactNumber": reference, "Name": name}
    if record.email:
        body["EmailAddress"] = record.email.strip()
    if record.phone:
        body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": record.phone.strip()[:50]}]
    a = record.address
    if any((a.line1, a.line2, a.city, a.postcode, a.country)):
        fields = {
            "AddressLine1": a.line1,
            "AddressLine2": a.line2,
            "City": a.city,
            "PostalCode": a.postcode[:50],
            "Country": a.country[:50],
        }
        fields = {k: v for k, v in fields.items() if v}
        # POBOX is the postal address Xero prints on invoices; STREET the physical one. The job
        # system has one address for the customer, which serves as both.
        body["Addresses"] = [
            {"AddressType": "POBOX", **fields},
            {"AddressType": "STREET", **fields},
        ]
    return body


# --------------------------------------------------------------------------- documents
def _line_items(record: DocumentRecord) -> list[dict[str, Any]]:
    lines = []
    for line in record.lines:
        lines.append(
            {
                "Description": line.description or "-",
                "Quantity": line.quantity,
                "UnitAmount": line.unit_price,
                "AccountCode": line.account_code,
                "TaxType": line.tax_code,
                # Our own per-line rounding, sent explicitly: Xero then stores the line and its
                # tax exactly as the job system printed them instead of recomputing (its docs say
                # TaxAmount "can be overriden if the calculated TaxAmount is not correct").
                "LineAmount": money(line.line_amount),
                "TaxAmount": money(line.tax_amount),
            }
        )
    return lines


def _document_checks(record: DocumentRecord, number_field: str) -> None:
    if not record.reference.strip():
        raise PayloadError(number_field, "The document has no number.")
    if len(record.reference) > INVOICE_NUMBER_MAX:
        raise PayloadError(number_field, f"The number is longer than {INVOICE_NUMBER_MAX}.")
    if not record.contact_external_id:
        raise PayloadError("Contact", f"Customer '{record.contact_name}' is not in Xero yet.")
    if not record.lines:
        raise PayloadError("LineItems", "The document has no lines.")


def _amounts_are(record: DocumentRecord) -> str:
    return "Inclusive" if record.amounts_are == "inclusive" else "Exclusive"


def invoice_payload(record: DocumentRecord) -> dict[str, Any]:
    """A sales invoice (ACCREC): authorised, so it reaches the ledger and can take payments, or
    a draft when the connection chose drafts (someone approves it in Xero; until then Xero
    refuses payments against it)."""
    _document_checks(record, "InvoiceNumber")
    body: dict[str, Any] = {
        "Type": "ACCREC",
        "Contact": {"ContactID": record.contact_external_id},
        "InvoiceNumber": record.reference.strip(),
        "Date": ymd(record.date),
        # Xero refuses an AUTHORISED invoice without a due date; "due on the invoice date" is
        # what a missing due date means in the job system.
        "DueDate": ymd(record.due_date or record.date),
        "LineAmountTypes": _amounts_are(record),
        "Status": "DRAFT" if record.as_draft else "AUTHORISED",
        "LineItems": _line_items(record),
    }
    if record.their_reference:
        body["Reference"] = record.their_reference
    return body


def credit_note_payload(record: DocumentRecord) -> dict[str, Any]:
    """A sales credit note (ACCRECCREDIT). Allocation to the invoice is a separate call: Xero
    ignores allocations given inline when a credit note is created."""
    _document_checks(record, "CreditNoteNumber")
    body: dict[str, Any] = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": record.contact_external_id},
        "CreditNoteNumber": record.reference.strip(),
        "Date": ymd(record.date),
        "LineAmountTypes": _amounts_are(record),
        "Status": "AUTHORISED",
        "LineItems": _line_items(record),
    }
    if record.their_reference:
        body["Reference"] = record.their_reference
    return body


def allocation_payload(invoice_id: str, amount: Decimal, on: date) -> dict[str, Any]:
    return {
        "Allocations": [
            {"Invoice": {"InvoiceID": invoice_id}, "Amount": money(amount), "Date": ymd(on)}
        ]
    }


# --------------------------------------------------------------------------- payments
def payment_payloads(record: PaymentRecord) -> list[dict[str, Any]]:
    """One Xero Payment per allocation, each carrying our reference.

    A receipt against several invoices becomes several Xero payments (Xero's Payment applies to
    one invoice). BatchPayments would keep them as one bank line, but its Reference is NZ-only
    and the UK field (Narrative) holds 18 characters, so a batch could not be found again by
    our reference after an uncertain send; per-allocation payments can (find() by Reference).
    """
    if not record.allocations:
        raise PayloadError("Allocations", "The payment is not allocated to any invoice.")
    if not record.bank_account_code:
        raise PayloadError("Account", "The payment has no bank account code.")
    return [_payment(record, allocation) for allocation in record.allocations]


def _payment(record: PaymentRecord, allocation: Allocation) -> dict[str, Any]:
    if not allocation.invoice_external_id:
        raise PayloadError(
            "Invoice", f"Invoice {allocation.invoice_reference} is not in Xero yet."
        )
    if allocation.amount <= 0:
        raise PayloadError("Amount", "A payment allocation must be a positive amount.")
    body: dict[str, Any] = {
        "Invoice": {"InvoiceID": allocation.invoice_external_id},
        "Account": {"Code": record.bank_account_code},
        "Date": ymd(record.date),
        "Amount": money(allocation.amount),
    }
    if record.reference:
        body["Reference"] = record.reference
    return body


def wrap(collection: str, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The envelope Xero expects for a batch create, e.g. {"Invoices": [...]}."""
    return {collection: list(items)}


def params_for(collection: str) -> dict[str, str]:
    """The query parameters a create of `collection` needs besides the batch ones."""
    return dict(LINE_ITEM_PARAMS) if collection in LINE_ITEM_COLLECTIONS else {}


# --------------------------------------------------------------------------- money hook
def document_payload(kind: MoneyKind, record: Any, refs: PackageRefs
                     ) -> PayloadRequest | None:
    """What the connector sends for the money of `record` (connectors/money_hook.py), as
    pushing.py sends it: documents in their batch envelope with unitdp=4, the credit note's
    allocation for what the invoice still owes (refs.invoice_due), a receipt as its Payments."""
    if kind == "invoice":
        body = wrap("Invoices", [invoice_payload(record)])
        return PayloadRequest("PUT", "/Invoices", body, params_for("Invoices"))
    if kind == "credit_note":
        body = wrap("CreditNotes", [credit_note_payload(record)])
        return PayloadRequest("PUT", "/CreditNotes", body, params_for("CreditNotes"))
    if kind == "credit_applied":
        if refs.invoice_due is None or not refs.credit_note_id:
            raise ValueError("credit_applied needs refs.credit_note_id and refs.invoice_due")
        amount = credit_to_apply(record.total, refs.invoice_due)
        if amount is None:
            return None
        return PayloadRequest(
            "PUT", f"/CreditNotes/{refs.credit_note_id}/Allocations",
            allocation_payload(record.invoice_external_id or "", amount, record.date),
        )
    if kind == "payment":
        return PayloadRequest("PUT", "/Payments", wrap("Payments", payment_payloads(record)))
    raise ValueError(f"unknown money kind {kind!r}")
