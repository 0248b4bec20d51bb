"""Canonical records -> KashFlow REST v2 bodies (the wire contract; KashFlow's docs are not
final, so every field name here is unverified). Pure functions, no HTTP.

Where our references live in KashFlow (everything must be findable after an uncertain send):
- customers and suppliers: `Code`, our reference (KashFlow's own key for a contact);
- invoices and credit notes: `CustomerReference` carries our document number. Not `Number`:
  KashFlow assigns Number itself, an integer counting up per company (1001, 1002...), so our
  "INV-12" cannot go there (unverified whether a client may set Number at all);
- payments: `Reference`, our payment reference (it ends with our source id).
Money goes as JSON numbers written from the Decimal digit for digit (connectors/wire.py);
VAT goes as we computed it, per line, to the penny: KashFlow keeps VatAmount as given.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from connectors.base import ContactRecord, DocumentLine, DocumentRecord, PaymentRecord
from connectors.batching import BuildRefused
from connectors.money import credit_to_apply, round_money, to_pennies
from connectors.money_hook import MoneyKind, PackageRefs, PayloadRequest

CODE_MAX = 20  # a contact's Code
NAME_MAX = 100
REFERENCE_MAX = 50  # an invoice's CustomerReference, a payment's Reference
CURRENCY = "GBP"
PAYMENT_METHOD = "BACS"  # unverified: KashFlow's name for a bank transfer
# unverified: how many places KashFlow keeps of a line's Rate; 8 lets an inclusive line's net
# price come to its net to the penny (see _net_rate).
RATE_PLACES = Decimal("0.00000001")
CREDIT_PREFIX = "CN-"
PAYMENT_PREFIX = "PAY-"


class PayloadError(BuildRefused):
    """A record KashFlow is certain to refuse; Rejected without calling it."""


def code_value(code: str) -> int | str:
    """A KashFlow code or number as it goes on the wire: an int (KashFlow's nominal codes and
    document numbers are integers); a code that is not all digits goes as given (the money
    property test's placeholders; pushing.py refuses such a code before any call)."""
    text = str(code).strip()
    return int(text) if text.isdigit() else text


def contact_code(reference: str) -> str:
    """Our reference as KashFlow's Code (at most 20 characters). A longer one is cut and given
    a short hash of the whole, so it stays the same on every send and is still ours to find."""
    text = reference.strip()
    if len(text) <= CODE_MAX:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:6]
    return f"{text[:CODE_MAX - 7]}-{digest}"


def payment_reference(record: PaymentRecord) -> str:
    """Our payment reference within KashFlow's 50 characters. Ours end with our source id
    ("<their reference> (<source id>)"), so a long one keeps its end: the same on every send,
    and still read back to its source id."""
    text = record.reference.strip()
    return text if len(text) <= REFERENCE_MAX else text[-REFERENCE_MAX:]


def external_id(kind: str, number: int) -> str:
    """Our id of a KashFlow document: "1001" (invoice), "CN-5001", "PAY-7001"."""
    return {"credit_note": CREDIT_PREFIX, "payment": PAYMENT_PREFIX}.get(kind, "") + str(number)


def number_in(identifier: str) -> str:
    """KashFlow's Number in one of our ids ("CN-5001" -> "5001")."""
    text = identifier.strip()
    for prefix in (CREDIT_PREFIX, PAYMENT_PREFIX):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


# --------------------------------------------------------------------------- contacts
def contact_payload(record: ContactRecord) -> dict[str, Any]:
    name = " ".join(record.name.split())
    if not name:
        raise PayloadError("Name", "The contact has no name; KashFlow needs one.")
    if len(name) > NAME_MAX:
        raise PayloadError("Name", f"The contact's name is longer than KashFlow's {NAME_MAX} "
                                   "characters.")
    code = contact_code(record.reference)
    if not code:
        raise PayloadError("Code", "The contact has no code; KashFlow needs one.")
    body: dict[str, Any] = {"Code": code, "Name": name}
    if record.email.strip():
        body["Email"] = record.email.strip()
    if record.phone.strip():
        body["Telephone"] = record.phone.strip()
    a = record.address
    address = {key: value.strip() for key, value in (
        ("Line1", a.line1), ("Line2", a.line2), ("Line3", a.city), ("PostCode", a.postcode))
        if value and value.strip()}
    country = a.country.strip()
    if len(country) == 2 and country.isalpha():
        address["CountryCode"] = country.upper()
    elif country:
        address["Line4"] = country  # unverified: KashFlow wants an ISO code; a name goes here
    if address:
        body["Address"] = address
    return body


# --------------------------------------------------------------------------- documents
def _net_rate(quantity: Decimal, net: Decimal) -> tuple[Decimal, Decimal]:
    """A quantity and rate whose product KashFlow rounds to `net`: the line's own quantity at
    a rate to 8 places, or (when no such rate exists) one of the whole net amount."""
    if quantity:
        rate = round_money(net / quantity, RATE_PLACES)
        if to_pennies(quantity * rate) == net:
            return quantity, rate
    return Decimal("1"), net


def line_payload(line: DocumentLine, inclusive: bool) -> dict[str, Any]:
    """One LineItem. KashFlow's Rate excludes VAT (unverified: no VAT-inclusive switch is in
    the contract), so an inclusive line goes at its net: the gross less the VAT we printed.
    VatAmount is our VAT to the penny, which KashFlow keeps as given."""
    if not line.account_code.strip():
        raise PayloadError("NominalCode", "A line has no KashFlow account code mapped.")
    if not line.tax_code.strip():
        raise PayloadError("VatCode", "A line has no KashFlow VAT rate mapped.")
    tax = to_pennies(line.tax_amount)
    if inclusive:
        quantity, rate = _net_rate(line.quantity, to_pennies(line.line_amount) - tax)
    else:
        quantity, rate = line.quantity, line.unit_price
    return {
        "Description": line.description.strip(),
        "Quantity": quantity,
        "Rate": rate,
        "NominalCode": code_value(line.account_code),
        "VatRate": line.tax_rate,
        "VatAmount": tax,
        "VatCode": line.tax_code.strip(),
    }


def document_body(record: DocumentRecord) -> dict[str, Any]:
    """An invoice's or credit note's body (the same shape for both). A credit note goes
    WITHOUT InvoiceNumber: it is applied to its invoice in a call of its own (apply_payload),
    so that a send cut off in between leaves a credit note complete() can finish."""
    number = record.reference.strip()
    if not number:
        raise PayloadError("CustomerReference", "The document has no number.")
    if len(number) > REFERENCE_MAX:
        raise PayloadError("CustomerReference", f"The document number is longer than "
                                                f"KashFlow's {REFERENCE_MAX} characters.")
    if not record.contact_external_id:
        raise PayloadError("CustomerCode",
                           f"Customer '{record.contact_name}' is not in KashFlow yet.")
    if not record.lines:
        raise PayloadError("LineItems", "The document has no lines.")
    inclusive = record.amounts_are == "inclusive"
    due = record.due_date or record.date
    return {
        "CustomerCode": record.contact_external_id,
        "IssuedDate": record.date.isoformat(),
        "DueDate": due.isoformat(),
        "CustomerReference": number,
        "Currency": CURRENCY,
        "LineItems": [line_payload(line, inclusive) for line in record.lines],
    }


def apply_payload(credit: DocumentRecord) -> dict[str, Any]:
    """The credit note applied to its invoice (KashFlow takes off up to what it owes)."""
    return {"InvoiceNumber": code_value(number_in(credit.invoice_external_id or ""))}


# --------------------------------------------------------------------------- payments
def check_payment(record: PaymentRecord) -> None:
    """What KashFlow cannot take of a receipt, refused before any call."""
    if not record.allocations:
        raise PayloadError("PaymentLines", "The payment is not allocated to any invoice.")
    if sum((a.amount for a in record.allocations), Decimal(0)) != record.amount:
        # Invoice payments pay invoices; money left on account has no place in them.
        raise PayloadError("PaymentLines", "The payment's amount is not wholly allocated to "
                                           "invoices; KashFlow needs every pound to pay one.")
    for allocation in record.allocations:
        if not allocation.invoice_external_id:
            raise PayloadError("InvoiceNumber", f"Invoice {allocation.invoice_reference} is "
                                                "not in KashFlow yet.")
        if allocation.amount <= 0:
            raise PayloadError("Amount", "A payment allocation must be a positive amount.")
    if not payment_reference(record):
        raise PayloadError("Reference", "The payment has no reference.")


def payment_payload(record: PaymentRecord) -> dict[str, Any]:
    """One bulk payment for every invoice the receipt pays (KashFlow takes all or none)."""
    check_payment(record)
    return {
        "PaymentDate": record.date.isoformat(),
        "BankAccount": code_value(record.bank_account_code),
        "Reference": payment_reference(record),
        "PaymentMethod": PAYMENT_METHOD,
        "PaymentLines": [{"InvoiceNumber": code_value(number_in(a.invoice_external_id)),
                          "Amount": to_pennies(a.amount)} for a in record.allocations],
    }


# --------------------------------------------------------------------------- money hook
def document_payload(kind: MoneyKind, record: Any, refs: PackageRefs
                     ) -> PayloadRequest | None:
    """What the connector sends for the money of `record` (connectors/money_hook.py), as
    pushing.py sends it."""
    if kind == "invoice":
        return PayloadRequest("POST", "invoices", document_body(record))
    if kind == "credit_note":
        return PayloadRequest("POST", "creditnotes", document_body(record))
    if kind == "credit_applied":
        if refs.invoice_due is None or not refs.credit_note_id:
            raise ValueError("credit_applied needs refs.credit_note_id and refs.invoice_due")
        if credit_to_apply(record.total, refs.invoice_due) is None:
            return None
        return PayloadRequest("PUT", f"creditnotes/{number_in(refs.credit_note_id)}",
                              apply_payload(record))
    if kind == "payment":
        return PayloadRequest("POST", "invoices/bulk/payments", payment_payload(record))
    raise ValueError(f"unknown money kind {kind!r}")
