"""Canonical records -> FreeAgent API v2 bodies (the wire contract, from FreeAgent's docs).

Pure functions, no HTTP. References are URLs (contact, category, bank account, invoice), so a
body is built for one API base. Money and quantities go as JSON strings, FreeAgent's own style
(its docs' examples: "price": "10.0"), written from the Decimal digit for digit.

Where our references live in FreeAgent (everything must be findable after an uncertain send):
- contacts: FreeAgent has no reference field, so our code is not kept there; a contact is known
  by its name (organisation_name; pushing.py looks it up before every create);
- invoices and credit notes: `reference` (unique across both in a company);
- payments: `description` carries our payment reference, one explanation per invoice paid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.base import ContactRecord, DocumentLine, DocumentRecord, PaymentRecord
from connectors.batching import BuildRefused
from connectors.money import credit_to_apply, round_money, to_pennies
from connectors.money_hook import MoneyKind, PackageRefs, PayloadRequest

# The money hook's requests are built for FreeAgent itself (the pusher uses the configured API).
HOOK_API = "https://api.freeagent.com/v2"
ITEM_TYPE = "-no unit-"  # FreeAgent's default item type: no unit shown on the line
PRICE_PLACES = Decimal("0.00000001")
# Our VAT codes (FreeAgent lists none: the docs name the standard UK rates) -> the item's
# sales_tax_status; the rate itself is the line's own (DocumentLine.tax_rate).
VAT_CODES: dict[str, tuple[str, Decimal, str | None]] = {
    "20": ("Standard rate 20%", Decimal("20"), None),
    "5": ("Reduced rate 5%", Decimal("5"), None),
    "0": ("Zero rate", Decimal("0"), None),
    "exempt": ("Exempt", Decimal("0"), "EXEMPT"),
    "out_of_scope": ("Outside the scope of VAT", Decimal("0"), "OUT_OF_SCOPE"),
}


class PayloadError(BuildRefused):
    """A record FreeAgent is certain to refuse; Rejected without calling it."""


def text(value: Decimal) -> str:
    """A Decimal as FreeAgent's JSON string, never in exponent form."""
    return format(value, "f")


def category_url(api: str, code: str) -> str:
    return f"{api}/categories/{code}"


# --------------------------------------------------------------------------- contacts
def contact_payload(record: ContactRecord) -> dict[str, Any]:
    name = " ".join(record.name.split())
    if not name:
        raise PayloadError("organisation_name", "The contact has no name; FreeAgent needs one.")
    contact: dict[str, Any] = {"organisation_name": name}
    a = record.address
    for key, value in (("email", record.email), ("phone_number", record.phone),
                       ("address1", a.line1), ("address2", a.line2), ("town", a.city),
                       ("postcode", a.postcode), ("country", a.country)):
        if value and value.strip():
            contact[key] = value.strip()
    return {"contact": contact}


# --------------------------------------------------------------------------- documents
def _net_price(quantity: Decimal, net: Decimal) -> tuple[Decimal, Decimal]:
    """A quantity and price whose product FreeAgent rounds to `net`: the line's own quantity
    at a price to 8 places, or (when no such price exists) one of the whole net amount."""
    if quantity:
        price = round_money(net / quantity, PRICE_PLACES)
        if to_pennies(quantity * price) == net:
            return quantity, price
    return Decimal("1"), net


def vat_of(net: Decimal, rate: Decimal) -> Decimal:
    """FreeAgent's VAT on an item (unverified: the wire contract's per-item rounding)."""
    return to_pennies(net * rate / 100)


def _split(net: Decimal, rate: Decimal, tax: Decimal) -> Decimal | None:
    """The pennies to put on an item of their own so that FreeAgent's VAT on the two parts of
    `net` comes to `tax`; None when one item does (or no split of under a pound can)."""
    if vat_of(net, rate) == tax:
        return None
    for pennies in range(1, 100):
        for part in (Decimal(pennies).scaleb(-2), -Decimal(pennies).scaleb(-2)):
            if vat_of(net - part, rate) + vat_of(part, rate) == tax:
                return part
    return None


def _items(line: DocumentLine, api: str, inclusive: bool) -> list[dict[str, Any]]:
    """A line's items. FreeAgent's prices exclude VAT (unverified: no VAT-inclusive switch is
    documented on invoices) and it works VAT out per item, so an inclusive line goes at its
    net price; where FreeAgent's VAT on that net would be a penny off the VAT the job system
    printed (a VAT-inclusive price rounds the other way), a few pennies of the net go on an
    item of their own, so that FreeAgent's VAT, net and total are ours to the penny."""
    if not line.account_code:
        raise PayloadError("category", "A line has no FreeAgent category mapped.")
    status = VAT_CODES.get(line.tax_code, ("", Decimal(0), None))[2]

    def item(description: str, quantity: Decimal, price: Decimal) -> dict[str, Any]:
        made: dict[str, Any] = {
            "item_type": ITEM_TYPE,
            "description": description,
            "quantity": text(quantity),
            "price": text(price),
            "sales_tax_rate": text(line.tax_rate),
            "category": category_url(api, line.account_code),
        }
        if status:
            made["sales_tax_status"] = status
        return made

    if not inclusive:
        return [item(line.description, line.quantity, line.unit_price)]
    net = to_pennies(line.line_amount) - to_pennies(line.tax_amount)
    part = _split(net, line.tax_rate, to_pennies(line.tax_amount))
    if part is None:
        return [item(line.description, *_net_price(line.quantity, net))]
    return [item(line.description, *_net_price(line.quantity, net - part)),
            item(f"{line.description} (VAT rounding as invoiced)", Decimal("1"), part)]


def _document(record: DocumentRecord, api: str, items_key: str) -> dict[str, Any]:
    number = record.reference.strip()
    if not number:
        raise PayloadError("reference", "The document has no number.")
    if not record.contact_external_id:
        raise PayloadError("contact",
                           f"Customer '{record.contact_name}' is not in FreeAgent yet.")
    if not record.lines:
        raise PayloadError(items_key, "The document has no lines.")
    inclusive = record.amounts_are == "inclusive"
    due = record.due_date or record.date
    body: dict[str, Any] = {
        "contact": record.contact_external_id,
        "dated_on": record.date.isoformat(),
        "due_on": due.isoformat(),
        "payment_terms_in_days": max((due - record.date).days, 0),
        "reference": number,
        items_key: [made for line in record.lines for made in _items(line, api, inclusive)],
    }
    if record.their_reference:
        body["comments"] = f"Your ref: {record.their_reference}"
    return body


def invoice_payload(record: DocumentRecord, api: str) -> dict[str, Any]:
    return {"invoice": _document(record, api, "invoice_items")}


def credit_note_payload(record: DocumentRecord, api: str) -> dict[str, Any]:
    """Items with positive quantities and prices: FreeAgent shows the credit note negative."""
    return {"credit_note": _document(record, api, "credit_note_items")}


def reconciliation_payload(credit: DocumentRecord, credit_note_url: str, amount: Decimal
                           ) -> dict[str, Any]:
    """The credit note put against its invoice, for `amount` (at most what the invoice owes)."""
    return {"credit_note_reconciliation": {
        "invoice": credit.invoice_external_id or "",
        "credit_note": credit_note_url,
        "gross_value": text(to_pennies(amount)),
        "dated_on": credit.date.isoformat(),
    }}


# --------------------------------------------------------------------------- payments
def check_payment(record: PaymentRecord) -> None:
    """What FreeAgent cannot take of a receipt, refused before any call."""
    if not record.allocations:
        raise PayloadError("paid_invoice", "The payment is not allocated to any invoice.")
    if sum((a.amount for a in record.allocations), Decimal(0)) != record.amount:
        # One explanation pays one invoice; money left over on account has no place in it.
        raise PayloadError("gross_value", "The payment's amount is not wholly allocated to "
                                          "invoices; FreeAgent needs every pound to pay one.")
    for allocation in record.allocations:
        if not allocation.invoice_external_id:
            raise PayloadError("paid_invoice", f"Invoice {allocation.invoice_reference} is "
                                               "not in FreeAgent yet.")
        if allocation.amount <= 0:
            raise PayloadError("gross_value", "A payment allocation must be a positive amount.")


def explanation_payload(record: PaymentRecord, bank_account_url: str, invoice_url: str,
                        amount: Decimal) -> dict[str, Any]:
    """Money received into the bank account, explained as paying one invoice."""
    return {"bank_transaction_explanation": {
        "bank_account": bank_account_url,
        "dated_on": record.date.isoformat(),
        "description": record.reference,
        "gross_value": text(to_pennies(amount)),
        "paid_invoice": invoice_url,
    }}


# --------------------------------------------------------------------------- money hook
def document_payload(kind: MoneyKind, record: Any, refs: PackageRefs
                     ) -> PayloadRequest | None:
    """What the connector sends for the money of `record` (connectors/money_hook.py), as
    pushing.py sends it; the bank account and category URLs are FreeAgent's own for the codes
    (the pusher reads the bank account's URL from the categories list)."""
    if kind == "invoice":
        return PayloadRequest("POST", "invoices", invoice_payload(record, HOOK_API))
    if kind == "credit_note":
        return PayloadRequest("POST", "credit_notes", credit_note_payload(record, HOOK_API))
    if kind == "credit_applied":
        if refs.invoice_due is None or not refs.credit_note_id:
            raise ValueError("credit_applied needs refs.credit_note_id and refs.invoice_due")
        amount = credit_to_apply(record.total, refs.invoice_due)
        if amount is None:
            return None
        return PayloadRequest("POST", "credit_note_reconciliations",
                              reconciliation_payload(record, refs.credit_note_id, amount))
    if kind == "payment":
        check_payment(record)
        if len(record.allocations) != 1:
            raise ValueError("a payment of several invoices is one request per invoice")
        allocation = record.allocations[0]
        bank = f"{HOOK_API}/bank_accounts/{record.bank_account_code}"
        return PayloadRequest("POST", "bank_transaction_explanations", explanation_payload(
            record, bank, allocation.invoice_external_id, allocation.amount))
    raise ValueError(f"unknown money kind {kind!r}")
