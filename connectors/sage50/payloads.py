"""Our canonical records as the agent's writer-ready payloads (the agent API's
`records[].payload`): what the agent's SDO writer sets on SalesRecord / PurchaseRecord and
TransactionPost, and what its CSV writer puts in Sage 50's import files.

Amounts are strings with 2 decimal places, never floats. A contact's account ref is the one the
engine chose and keeps (PullItem.reference); a document names its customer by the account ref
the customer was written with (its external id). An allocation names the invoice both ways:
`invoice_tran`, Sage's audit-trail number (the invoice's external id), and
`invoice_reference`, our number (Sage's INV_REF), for a writer that can only look it up.

Also the money property test's hook (connectors/money_hook.py): `document_payload`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.base import ContactRecord, DocumentRecord, PaymentRecord, Record
from connectors.capabilities import PullItem
from connectors.money_hook import MoneyKind, PackageRefs, PayloadRequest
from connectors.sage50.checks import money_refusal

# Sage Data Objects' transaction types, as Sage writes them (the SDO writer maps them to
# TransactionPost's TYPE numbers; the CSV writer writes them in the Type column).
SALES_INVOICE, SALES_CREDIT, SALES_RECEIPT = "SI", "SC", "SR"
# Not an HTTP path: the agent carries the payload; "agent" names what the body holds.
PATH = "agent"


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):.2f}"


def address_lines(record: ContactRecord) -> list[str]:
    """Sage's five address lines: street, street, town, county (our country), postcode."""
    a = record.address
    return [a.line1, a.line2, a.city, a.country, a.postcode]


def contact_payload(record: ContactRecord, reference: str) -> dict[str, Any]:
    return {"account_ref": reference, "name": record.name, "address": address_lines(record),
            "contact_name": "", "telephone": record.phone, "email": record.email,
            "vat_number": ""}


def _details(record: DocumentRecord) -> str:
    """The header's details: the customer's own reference where there is one, else the first
    line's description (each already within Sage's 60, checked in pre-flight)."""
    return record.their_reference or (record.lines[0].description if record.lines else "")


def document_payload_of(record: DocumentRecord) -> dict[str, Any]:
    credit = record.kind == "credit_note"
    return {
        "type": SALES_CREDIT if credit else SALES_INVOICE,
        "account_ref": record.contact_external_id,
        "date": record.date.isoformat(),
        "reference": record.reference,
        "details": _details(record),
        "invoice_reference": (record.invoice_reference or "") if credit else "",
        "invoice_tran": (record.invoice_external_id or "") if credit else "",
        "lines": [{"nominal_code": line.account_code, "tax_code": line.tax_code,
                   "net": money(_net(record, line.line_amount, line.tax_amount)),
                   "tax": money(line.tax_amount), "details": line.description,
                   "department": 0} for line in record.lines],
        "net": money(record.subtotal), "tax": money(record.tax_total),
        "gross": money(record.total),
    }


def _net(record: DocumentRecord, line_amount: Decimal, tax: Decimal) -> Decimal:
    """Sage posts each split's net and tax: an inclusive line's amount holds its VAT."""
    return line_amount - tax if record.amounts_are == "inclusive" else line_amount


def payment_payload_of(record: PaymentRecord) -> dict[str, Any]:
    return {
        "type": SALES_RECEIPT,
        "account_ref": record.contact_external_id,
        "bank_nominal": record.bank_account_code,
        "date": record.date.isoformat(),
        "reference": record.reference,
        "details": f"Payment from {record.contact_name}"[:60],
        "amount": money(record.amount),
        "allocations": [{"invoice_tran": a.invoice_external_id,
                         "invoice_reference": a.invoice_reference, "amount": money(a.amount)}
                        for a in record.allocations],
    }


def payload(kind: str, item: PullItem) -> dict[str, Any]:
    record: Record = item.record
    if isinstance(record, ContactRecord):
        return contact_payload(record, item.reference)
    if isinstance(record, DocumentRecord):
        return document_payload_of(record)
    if isinstance(record, PaymentRecord):
        return payment_payload_of(record)
    raise TypeError(f"Sage 50 takes no {kind}")


def document_payload(kind: MoneyKind, record: Any, refs: PackageRefs) -> PayloadRequest | None:
    """The money property test's hook. A credit note is allocated to its invoice as it is
    posted (its payload names the invoice), so putting it against the invoice sends nothing
    more."""
    if kind in ("invoice", "credit_note"):
        return PayloadRequest("POST", PATH, document_payload_of(record))
    if kind == "payment":
        return PayloadRequest("POST", PATH, payment_payload_of(record))
    if kind == "credit_applied":
        return None
    raise ValueError(f"unknown money kind {kind!r}")


def money_refused(kind: str, record: Any) -> str | None:
    """The money property test's third hook: why pre-flight refuses this record's money
    (amounts Sage 50 cannot post), in words; None when Sage can post it."""
    body = payment_payload_of(record) if kind == "payment" else document_payload_of(record)
    found = money_refusal(body, kind.replace("_", " "))
    return found.package_message if found else None
