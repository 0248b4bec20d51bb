"""The FreeAgent sandbox's money: item and document figures, what explanations and credit note
reconciliations leave due, and the status that follows. Plain dicts in, Decimals out, no books:
the views (documents.py, settlements.py) and the money oracle (totals.py) run exactly this code.

unverified: FreeAgent does not publish its rounding. The wire contract's: per item net =
round(quantity x price, 2) and VAT = round(net x rate / 100, 2), a half penny going up; the
document's figures are the sums. Prices are VAT-exclusive (no inclusive switch on invoices).
A credit note's figures are answered negative, as FreeAgent shows credit notes.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sandboxes.freeagent.replies import Invalid, decimal_text
from sandboxes.freeagent.store import PRIVATE
from sandboxes.kit.money import to_pennies

ZERO = Decimal("0")
HUNDRED = Decimal("100")
# unverified: the UK's standard VAT rates are the only ones FreeAgent takes on a UK invoice.
RATES = (Decimal("20"), Decimal("5"), Decimal("0"))
STATUSES = ("TAXABLE", "EXEMPT", "OUT_OF_SCOPE")
ITEM_TYPES = ("Hours", "Days", "Weeks", "Months", "Years", "Products", "Services", "Training",
              "Expenses", "Comment", "Bills", "Discount", "Credit", "VAT", "Stock", "-no unit-")


def number(value: Any, label: str) -> Decimal:
    """A decimal sent as a JSON string or number; FreeAgent's refusal naming it otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid(f"{label} is not a number")
    try:
        found = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise Invalid(f"{label} is not a number") from None
    if not found.is_finite():
        raise Invalid(f"{label} is not a number")
    return found


def amount(value: Any, label: str) -> Decimal:
    """A sum of money: given, a number, in whole pennies."""
    if value is None or value == "":
        raise Invalid(f"{label} can't be blank")
    found = number(value, label)
    if found != to_pennies(found):
        # unverified: FreeAgent's words for fractions of a penny.
        raise Invalid(f"{label} must be in whole pennies")
    return found


def item_rate(item: dict[str, Any], items: str, default: Decimal) -> tuple[Decimal, str]:
    """An item's VAT rate and status, checked against the UK's rates."""
    status = item.get("sales_tax_status", "TAXABLE") or "TAXABLE"
    if status not in STATUSES:
        raise Invalid(f"{items} sales tax status is not included in the list")
    raw = item.get("sales_tax_rate")
    rate = default if raw is None or raw == "" else number(raw, f"{items} sales tax rate")
    if status != "TAXABLE":
        raw_zero = raw is None or raw == "" or rate == ZERO
        if not raw_zero:
            raise Invalid(f"{items} sales tax rate must be zero when exempt or out of scope")
        rate = ZERO
    if rate not in RATES:
        raise Invalid(f"{items} sales tax rate is not a valid VAT rate")
    return rate, status


def item_figures(item: dict[str, Any], items: str, rate: Decimal) -> dict[str, Decimal]:
    """quantity, price, net and VAT of one item (`items`: "Invoice items" or "Credit note
    items", for the refusals' words)."""
    # unverified: an item without a quantity counts one.
    quantity = number(item.get("quantity", "1"), f"{items} quantity")
    if item.get("price") is None or item.get("price") == "":
        raise Invalid(f"{items} price can't be blank")
    price = number(item["price"], f"{items} price")
    net = to_pennies(quantity * price)
    vat = to_pennies(net * rate / HUNDRED)
    return {"quantity": quantity, "price": price, "net": net, "vat": vat}


def document_figures(items: list[dict[str, Decimal]]) -> dict[str, Decimal]:
    net = sum((item["net"] for item in items), ZERO)
    vat = sum((item["vat"] for item in items), ZERO)
    return {"net": net, "vat": vat, "total": net + vat}


def is_credit(document: dict[str, Any]) -> bool:
    return (document.get(PRIVATE) or {}).get("kind") == "credit_note"


def signed(value: Decimal, credit: bool) -> str:
    return decimal_text(-value if credit and value else value)


def magnitude(document: dict[str, Any], field: str) -> Decimal:
    """A stored figure without the credit note's sign."""
    return abs(Decimal(str(document[field])))


def due(document: dict[str, Any]) -> Decimal:
    """What an invoice still owes (negative when overpaid) or a credit note has left to use
    (always as a positive amount)."""
    value = Decimal(str(document["due_value"]))
    return -value if is_credit(document) else value


def settle(document: dict[str, Any], by: Decimal, paid: bool) -> None:
    """`by` (positive) of the document used: an invoice's due falls (its paid_value rises if
    `paid`), a credit note's credit left falls."""
    credit = is_credit(document)
    left = due(document) - by
    document["due_value"] = signed(left, credit)
    if paid:
        document["paid_value"] = decimal_text(Decimal(str(document["paid_value"])) + by)


def status_of(document: dict[str, Any], today_iso: str) -> str:
    """FreeAgent's status of an invoice or credit note, from what it owes and its dates."""
    if not (document.get(PRIVATE) or {}).get("sent"):
        return "Draft"
    left = due(document)
    if is_credit(document):
        return "Refunded" if left <= ZERO else "Open"
    total = magnitude(document, "total_value")
    if total == ZERO:
        return "Zero Value"
    if left == ZERO:
        return "Paid"
    if left < ZERO:
        return "Overpaid"
    if str(document.get("due_on") or "") < today_iso:
        return "Overdue"
    return "Open"
