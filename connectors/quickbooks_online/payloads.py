"""Canonical records -> QuickBooks Online API v3 JSON entities (element names from Finance.xsd).

Pure functions, no HTTP: the tests check every entity built here against Intuit's XSD. Money stays
Decimal until `dumps`, which writes the exact digits we computed (never through float).

Where our references live in QuickBooks Online (every record must be findable after an uncertain
send):
- customers and suppliers: DisplayName (unique across customers, vendors and employees, and
  filterable); suppliers also carry our code in AcctNum (QBO allows 15 characters there);
- invoices and credit notes: DocNumber (21 characters at most);
- payments: PaymentRefNum holds only 21 characters and our payment references are longer
  ("<their ref> (<our id>)"), so the whole reference goes into PrivateNote and PaymentRefNum gets
  what fits; find() matches PrivateNote among the customer's payments of that date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.base import ContactRecord, DocumentLine, DocumentRecord, PaymentRecord
from connectors.money import credit_to_apply, round_money, to_pennies
from connectors.money_hook import MoneyKind, PackageRefs, PayloadRequest
from connectors.wire import dumps as dumps  # exact Decimal digits on the wire

DOC_NUMBER_MAX = 21  # Invoice/CreditMemo DocNumber (QBO error 2050 beyond it)
PAYMENT_REF_MAX = 21
DISPLAY_NAME_MAX = 500
VENDOR_ACCT_NUM_MAX = 15  # Vendor.AcctNum in QBO (the XSD: "QBO: 15")
PRIVATE_NOTE_MAX = 4000
DESCRIPTION_MAX = 4000
UNIT_PRICE_PLACES = Decimal("0.0000001")  # QBO keeps unit prices to 7 decimal places
BATCH_MAX = 10  # items per batch request we send (Intuit's docs say 30 in places; 10 is safe)

ENTITY = {
    "customer": "Customer",
    "supplier": "Vendor",
    "invoice": "Invoice",
    "credit_note": "CreditMemo",
    "payment": "Payment",
}


class PayloadError(ValueError):
    """A record QuickBooks Online is certain to refuse; Rejected without calling it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def money(value: Decimal) -> Decimal:
    """To the penny by the one rule (connectors/money.py)."""
    return to_pennies(value)


def ymd(value: date) -> str:
    return value.isoformat()


def ref(value: str) -> dict[str, str]:
    return {"value": value}


# --------------------------------------------------------------------------- contacts
_NAME_BAD = re.compile(r"[:\t\r\n]+")


def display_name(name: str) -> str:
    """The DisplayName we give a contact. QBO refuses colons (they separate sub-customers in
    FullyQualifiedName), tabs and newlines; find() uses the same spelling."""
    return re.sub(r"\s+", " ", _NAME_BAD.sub(" - ", name)).strip()[:DISPLAY_NAME_MAX]


def contact_payload(record: ContactRecord) -> dict[str, Any]:
    """A Customer (kind customer) or a Vendor (kind supplier)."""
    name = display_name(record.name)
    if not name:
        raise PayloadError("DisplayName", "The contact has no name; QuickBooks Online needs one.")
    body: dict[str, Any] = {"DisplayName": name, "CompanyName": name}
    if record.kind == "supplier" and record.reference:
        if len(record.reference) <= VENDOR_ACCT_NUM_MAX:
            body["AcctNum"] = record.reference
    if record.email:
        body["PrimaryEmailAddr"] = {"Address": record.email.strip()[:100]}
    if record.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": record.phone.strip()[:30]}
    a = record.address
    fields = {
        "Line1": a.line1,
        "Line2": a.line2,
        "City": a.city,
        "PostalCode": a.postcode[:30],
        "Country": a.country,
    }
    fields = {k: v.strip() for k, v in fields.items() if v and v.strip()}
    if fields:
        body["BillAddr"] = fields
    return body


# --------------------------------------------------------------------------- documents
def _line(line: DocumentLine, inclusive: bool) -> dict[str, Any]:
    if not line.account_code:
        raise PayloadError("ItemRef", "A line has no QuickBooks Online item mapped.")
    if not line.tax_code:
        raise PayloadError("TaxCodeRef", "A line has no QuickBooks Online tax code mapped.")
    detail: dict[str, Any] = {
        "ItemRef": ref(line.account_code),
        "Qty": line.quantity,
        "TaxCodeRef": ref(line.tax_code),
    }
    gross = money(line.line_amount)
    if inclusive:
        # QBO's line Amount is always net of tax; the gross goes in TaxInclusiveAmt and the unit
        # price is the net one, so that Qty x UnitPrice = Amount holds.
        net = gross - money(line.tax_amount)
        detail["TaxInclusiveAmt"] = gross
        detail["UnitPrice"] = (
            round_money(net / line.quantity, UNIT_PRICE_PLACES).normalize()
            if line.quantity else Decimal("0")
        )
        amount = net
    else:
        detail["UnitPrice"] = line.unit_price
        amount = gross
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": amount,
        "Description": (line.description or "-")[:DESCRIPTION_MAX],
        "SalesItemLineDetail": detail,
    }


def _document(record: DocumentRecord) -> dict[str, Any]:
    number = record.reference.strip()
    if not number:
        raise PayloadError("DocNumber", "The document has no number.")
    if len(number) > DOC_NUMBER_MAX:
        raise PayloadError(
            "DocNumber",
            f"The number '{number}' is longer than QuickBooks Online's limit of "
            f"{DOC_NUMBER_MAX} characters.",
        )
    if not record.contact_external_id:
        raise PayloadError(
            "CustomerRef", f"Customer '{record.contact_name}' is not in QuickBooks Online yet."
        )
    if not record.lines:
        raise PayloadError("Line", "The document has no lines.")
    inclusive = record.amounts_are == "inclusive"
    body: dict[str, Any] = {
        "DocNumber": number,
        "TxnDate": ymd(record.date),
        "CustomerRef": ref(record.contact_external_id),
        "GlobalTaxCalculation": "TaxInclusive" if inclusive else "TaxExcluded",
        "Line": [_line(line, inclusive) for line in record.lines],
        # Our VAT, worked out per line as HMRC allows and the job system printed it. QBO would
        # otherwise use its own arithmetic and could land a penny away from our total; the XSD
        # names this the "total tax override" (TxnTaxDetail.TotalTax).
        "TxnTaxDetail": {"TotalTax": money(record.tax_total)},
    }
    if record.their_reference:
        # QBO has no customer-reference field; the private note is searchable in QBO's UI.
        body["PrivateNote"] = f"Your ref: {record.their_reference}"[:PRIVATE_NOTE_MAX]
    return body


def invoice_payload(record: DocumentRecord) -> dict[str, Any]:
    body = _document(record)
    # "Due on the invoice date" is what a missing due date means in the job system.
    body["DueDate"] = ymd(record.due_date or record.date)
    return body


def credit_memo_payload(record: DocumentRecord) -> dict[str, Any]:
    """A CreditMemo. QBO cannot link it to an invoice on creation: see apply_credit_payload."""
    return _document(record)


# --------------------------------------------------------------------------- payments
def payment_payload(record: PaymentRecord) -> dict[str, Any]:
    """One Payment with a line per invoice it pays (LinkedTxn)."""
    if not record.allocations:
        raise PayloadError("Line", "The payment is not allocated to any invoice.")
    if not record.bank_account_code:
        raise PayloadError("DepositToAccountRef", "The payment has no bank account mapped.")
    if not record.contact_external_id:
        raise PayloadError(
            "CustomerRef", f"Customer '{record.contact_name}' is not in QuickBooks Online yet."
        )
    lines = []
    for allocation in record.allocations:
        if not allocation.invoice_external_id:
            raise PayloadError(
                "LinkedTxn",
                f"Invoice {allocation.invoice_reference} is not in QuickBooks Online yet.",
            )
        if allocation.amount <= 0:
            raise PayloadError("Amount", "A payment allocation must be a positive amount.")
        lines.append(
            {
                "Amount": money(allocation.amount),
                "LinkedTxn": [{"TxnId": allocation.invoice_external_id, "TxnType": "Invoice"}],
            }
        )
    body: dict[str, Any] = {
        "CustomerRef": ref(record.contact_external_id),
        "TotalAmt": money(record.amount),
        "TxnDate": ymd(record.date),
        "DepositToAccountRef": ref(record.bank_account_code),
        "PrivateNote": record.reference[:PRIVATE_NOTE_MAX],
        "Line": lines,
    }
    if record.reference:
        body["PaymentRefNum"] = record.reference[:PAYMENT_REF_MAX]
    return body


def apply_credit_payload(
    credit: DocumentRecord, credit_memo_id: str, amount: Decimal
) -> dict[str, Any]:
    """QBO applies a credit memo to an invoice with a zero Payment linking both."""
    amount = money(amount)
    return {
        "CustomerRef": ref(credit.contact_external_id),
        "TotalAmt": Decimal("0.00"),
        "TxnDate": ymd(credit.date),
        "PrivateNote": (
            f"Credit note {credit.reference} applied to invoice {credit.invoice_reference or ''}"
        )[:PRIVATE_NOTE_MAX],
        "Line": [
            {
                "Amount": amount,
                "LinkedTxn": [{"TxnId": credit.invoice_external_id or "", "TxnType": "Invoice"}],
            },
            {"Amount": amount, "LinkedTxn": [{"TxnId": credit_memo_id, "TxnType": "CreditMemo"}]},
        ],
    }


def service_item_payload(name: str, income_account_id: str) -> dict[str, Any]:
    clean = display_name(name)[:100]
    if not clean:
        raise PayloadError("Name", "The item needs a name.")
    if not income_account_id:
        raise PayloadError("IncomeAccountRef", "Choose the income account the item posts to.")
    return {"Name": clean, "Type": "Service", "IncomeAccountRef": ref(income_account_id)}


# --------------------------------------------------------------------------- batch envelope
def batch_body(entity: str, bodies: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """{"BatchItemRequest": [...]}: bId is the index, how replies are matched to records."""
    if len(bodies) > BATCH_MAX:
        raise ValueError(f"at most {BATCH_MAX} items per batch")
    return {
        "BatchItemRequest": [
            {"bId": str(i), "operation": "create", entity: body} for i, body in enumerate(bodies)
        ]
    }


# --------------------------------------------------------------------------- money hook
def document_payload(kind: MoneyKind, record: Any, refs: PackageRefs
                     ) -> PayloadRequest | None:
    """What the connector sends for the money of `record` (connectors/money_hook.py), as
    pushing.py sends it: each in a batch of its entity; a credit memo applied to its invoice
    for what the invoice still owes (refs.invoice_due) with a zero Payment."""
    if kind in ("invoice", "credit_note"):
        build = invoice_payload if kind == "invoice" else credit_memo_payload
        return PayloadRequest("POST", "batch", batch_body(ENTITY[kind], [build(record)]))
    if kind == "credit_applied":
        if refs.invoice_due is None or not refs.credit_note_id:
            raise ValueError("credit_applied needs refs.credit_note_id and refs.invoice_due")
        amount = credit_to_apply(record.total, refs.invoice_due)
        if amount is None:
            return None
        body = apply_credit_payload(record, refs.credit_note_id, amount)
        return PayloadRequest("POST", "batch", batch_body("Payment", [body]))
    if kind == "payment":
        return PayloadRequest("POST", "batch", batch_body("Payment", [payment_payload(record)]))
    raise ValueError(f"unknown money kind {kind!r}")


def quote(value: str) -> str:
    """A string literal in QBO's query language (single quotes, backslash escapes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
