"""Canonical records -> Sage Accounting API v3.1 request bodies (POST /contacts,
/sales_invoices, /sales_credit_notes, /contact_allocations, /contact_payments).

Pure functions, no HTTP: the tests check every body against Sage's official Swagger spec. Money
stays Decimal until connectors/wire.py writes it as a JSON number with exactly its digits.

Our codes are what a bookkeeper sees in Sage (nominal codes "4000", "1200"; tax rate ids
"GB_STANDARD"); a body needs Sage's ids for the ledger and bank accounts, which the caller
resolves (`ids`) from Sage's own lists. Every create carries an `idempotency_id` inside the
resource, derived from our record's idempotency key, so a resend is replayed, not made twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from connectors import batching
from connectors.base import ContactRecord, DocumentLine, DocumentRecord, PaymentRecord
from connectors.money import credit_to_apply, to_pennies
from connectors.money_hook import MoneyKind, PackageRefs, PayloadRequest

# unverified: Sage's contact reference limit (wire contract: 50, as Sage's web form has it).
REFERENCE_MAX = 50
NAME_MAX = 255
Ids = Callable[[str], str]  # our code -> Sage's id (ledger or bank account)


class PayloadError(batching.BuildRefused):
    """A record Sage is certain to refuse; Rejected without calling Sage."""


def _same(code: str) -> str:
    return code


def idempotency_id(key: str, purpose: str = "") -> str:
    """Sage's idempotency_id: 32 hex characters (a GUID without hyphens), the same for every
    resend of one record (and of one follow-up step of it, named by `purpose`)."""
    seed = f"{key}:{purpose}" if purpose else key
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def ymd(value: date) -> str:
    return value.isoformat()


# --------------------------------------------------------------------------- contacts
CONTACT_TYPES = {"customer": "CUSTOMER", "supplier": "VENDOR"}


def contact_payload(record: ContactRecord) -> dict[str, Any]:
    """POST /contacts: one contact of one type, our code as its reference."""
    reference = record.reference.strip()
    name = record.name.strip()
    if not reference:
        raise PayloadError("reference", "The contact has no reference (our customer code).")
    if len(reference) > REFERENCE_MAX:
        raise PayloadError("reference", f"The contact reference '{reference}' is longer than "
                                        f"Sage's limit of {REFERENCE_MAX} characters.")
    if not name:
        raise PayloadError("name", "The contact has no name; Sage requires one.")
    contact: dict[str, Any] = {"name": name[:NAME_MAX],
                               "contact_type_ids": [CONTACT_TYPES[record.kind]],
                               "reference": reference}
    person = {k: v for k, v in (("email", record.email.strip()),
                                ("telephone", record.phone.strip())) if v}
    if person:
        contact["main_contact_person"] = {**person, "is_main_contact": True}
    a = record.address
    address = {k: v.strip() for k, v in (("address_line_1", a.line1), ("address_line_2", a.line2),
                                         ("city", a.city), ("postal_code", a.postcode)) if v}
    country = a.country.strip().upper()
    if len(country) == 2 and country.isalpha():
        # unverified: Sage's country ids are ISO 3166 alpha-2 codes ("GB"); a country given
        # in words is left out rather than refused.
        address["country_id"] = country
    if address:
        contact["main_address"] = address
    return {"contact": {**contact, "idempotency_id": idempotency_id(record.key)}}


# --------------------------------------------------------------------------- documents
ROOTS = {"invoice": ("sales_invoice", "invoice_lines", "sales_invoices"),
         "credit_note": ("sales_credit_note", "credit_note_lines", "sales_credit_notes")}


def collection(kind: str) -> str:
    return ROOTS[kind][2]


def _line(line: DocumentLine, inclusive: bool, ledger_ids: Ids) -> dict[str, Any]:
    body: dict[str, Any] = {
        # Sent as it is, blank too: Sage says "Description can't be blank" in its own words.
        "description": line.description.strip(),
        "ledger_account_id": ledger_ids(line.account_code),
        "quantity": line.quantity,
        # Our unit price as it is (up to 4 dp): Sage works the line out as round(quantity x
        # unit_price, 2), which is our line amount.
        "unit_price": line.unit_price,
        "tax_rate_id": line.tax_code,
        # Our own per-line VAT, which Sage takes as given (an adjusted tax amount): the
        # document's VAT is then ours to the penny.
        "tax_amount": to_pennies(line.tax_amount),
    }
    if inclusive:
        # The price is gross: Sage's net is the line amount less the VAT we send.
        body["unit_price_includes_tax"] = True
    return body


def document_payload_of(record: DocumentRecord, ledger_ids: Ids = _same) -> dict[str, Any]:
    """POST /sales_invoices or /sales_credit_notes. Sage numbers the document itself (SI-1,
    SCN-1); our number goes into `reference`, where find() looks for it."""
    root, lines_key, _ = ROOTS[record.kind]
    number = record.reference.strip()
    if not number:
        raise PayloadError("reference", "The document has no number.")
    if not record.contact_external_id:
        raise PayloadError("contact_id", f"Customer '{record.contact_name}' is not in Sage "
                                         "Accounting yet.")
    if not record.lines:
        raise PayloadError(lines_key, "The document has no lines.")
    inclusive = record.amounts_are == "inclusive"
    body: dict[str, Any] = {
        "contact_id": record.contact_external_id,
        "date": ymd(record.date),
        "reference": number,
        lines_key: [_line(line, inclusive, ledger_ids) for line in record.lines],
    }
    if record.kind == "invoice":
        body["due_date"] = ymd(record.due_date or record.date)
    notes = record.their_reference.strip()
    if record.kind == "credit_note" and record.invoice_reference:
        # The spec has no original_invoice_id (the wire contract's guess); the link to the
        # invoice is the allocation, and the notes say which invoice in words.
        notes = f"Credits invoice {record.invoice_reference}" + (f"; {notes}" if notes else "")
    if notes:
        body["notes"] = notes
    return {root: {**body, "idempotency_id": idempotency_id(record.key)}}


def allocation_payload(record: DocumentRecord, credit_note_id: str, amount: Decimal
                       ) -> dict[str, Any]:
    """POST /contact_allocations: `amount` of the credit note against its invoice (the
    invoice positive, the credit note negative: they sum to zero)."""
    return {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION",
        "contact_id": record.contact_external_id,
        "date": ymd(record.date),
        "allocated_artefacts": [
            {"artefact_id": record.invoice_external_id or "", "amount": to_pennies(amount)},
            {"artefact_id": credit_note_id, "amount": -to_pennies(amount)},
        ],
        "idempotency_id": idempotency_id(record.key, "allocation"),
    }}


# --------------------------------------------------------------------------- payments
def payment_payload(record: PaymentRecord, bank_ids: Ids = _same) -> dict[str, Any]:
    """POST /contact_payments: one customer receipt settling every invoice it pays (Sage
    allocates one receipt to many invoices; what they do not take is a payment on account)."""
    if not record.bank_account_code:
        raise PayloadError("bank_account_id", "The payment has no bank account.")
    if record.amount <= 0:
        raise PayloadError("total_amount", "A payment must be a positive amount.")
    artefacts = []
    for allocation in record.allocations:
        if not allocation.invoice_external_id:
            raise PayloadError("allocated_artefacts", f"Invoice {allocation.invoice_reference} "
                                                      "is not in Sage Accounting yet.")
        if allocation.amount <= 0:
            raise PayloadError("allocated_artefacts",
                               "A payment allocation must be a positive amount.")
        artefacts.append({"artefact_id": allocation.invoice_external_id,
                          "amount": to_pennies(allocation.amount)})
    body: dict[str, Any] = {
        "transaction_type_id": "CUSTOMER_RECEIPT",
        "contact_id": record.contact_external_id,
        "bank_account_id": bank_ids(record.bank_account_code),
        "date": ymd(record.date),
        "total_amount": to_pennies(record.amount),
        "allocated_artefacts": artefacts,
    }
    if record.reference:
        body["reference"] = record.reference
    return {"contact_payment": {**body, "idempotency_id": idempotency_id(record.key)}}


# --------------------------------------------------------------------------- money hook
def document_payload(kind: MoneyKind, record: Any, refs: PackageRefs
                     ) -> PayloadRequest | None:
    """What the connector sends for the money of `record` (connectors/money_hook.py), as
    pushing.py sends it; our codes stand in for Sage's account ids, which the pusher looks up
    (Sage's arithmetic never reads them)."""
    if kind in ("invoice", "credit_note"):
        return PayloadRequest("POST", f"/{collection(kind)}", document_payload_of(record))
    if kind == "credit_applied":
        if refs.invoice_due is None or not refs.credit_note_id:
            raise ValueError("credit_applied needs refs.credit_note_id and refs.invoice_due")
        amount = credit_to_apply(record.total, refs.invoice_due)
        if amount is None:
            return None
        return PayloadRequest("POST", "/contact_allocations",
                              allocation_payload(record, refs.credit_note_id, amount))
    if kind == "payment":
        return PayloadRequest("POST", "/contact_payments", payment_payload(record))
    raise ValueError(f"unknown money kind {kind!r}")
