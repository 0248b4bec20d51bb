"""The Sage sandbox's money: line and document figures, what allocations and receipts leave
outstanding, and the status that follows. Plain dicts in, Decimals out, no books: the views
(documents.py, payments.py) and the money oracle (totals.py) run exactly this code.

A line: net = round(quantity x unit_price - discount_amount, 2); tax = the tax_amount sent (Sage
takes an adjusted one), else round(net x rate, 2); total = net + tax. With
unit_price_includes_tax the rounded amount is the gross: tax = the tax_amount sent, else
round(gross x rate / (100 + rate), 2), and net = gross - tax. A document: the sums.
Amounts are rounded to the penny, a half penny going up (the kit's money).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from sandboxes.kit.money import round_money, to_pennies
from sandboxes.sage_accounting.replies import Invalid

ZERO = Decimal("0")
HUNDRED = Decimal("100")
# unverified: how many decimals Sage keeps of a unit price; the sandbox keeps up to six.
UNIT_PRICE_PLACES = Decimal("0.000001")
STATUS_NAMES = {"UNPAID": "Unpaid", "PART_PAID": "Part Paid", "PAID": "Paid", "VOID": "Void"}

INVOICE, CREDIT_NOTE = "sales_invoice", "sales_credit_note"
# Resolves an artefact id to (kind, the document as stored), or None when Sage has none.
Resolver = Callable[[str], tuple[str, dict[str, Any]] | None]


def number(value: Any, source: str, field: str) -> Decimal:
    """A JSON number as a Decimal; Sage's refusal naming the field otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid(f"{field} must be a number", source)
    try:
        found = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise Invalid(f"{field} must be a number", source) from None
    if not found.is_finite():
        raise Invalid(f"{field} must be a number", source)
    return found


def money(value: Decimal) -> float:
    """How an amount is stored (a JSON number of whole pennies)."""
    return float(to_pennies(value))


def line_figures(line: dict[str, Any], rate: Decimal, lines: str
                 ) -> dict[str, Decimal]:
    """quantity, unit_price, discount_amount, net_amount, tax_amount, total_amount of a line
    (`lines`: invoice_lines or credit_note_lines, for the refusals' $source)."""
    # unverified: a line without a quantity counts one (the spec does not require it).
    quantity = number(line.get("quantity", 1), f"{lines}.quantity", "Quantity")
    unit_price = round_money(number(line.get("unit_price"), f"{lines}.unit_price",
                                    "Unit price"), UNIT_PRICE_PLACES)
    if line.get("discount_amount") is None and line.get("discount_percentage") is not None:
        # unverified: Sage's rounding of a percentage discount (to the penny, as amounts are).
        percent = number(line["discount_percentage"], f"{lines}.discount_percentage",
                         "Discount percentage")
        discount = to_pennies(quantity * unit_price * percent / HUNDRED)
    else:
        discount = number(line.get("discount_amount", 0), f"{lines}.discount_amount",
                          "Discount amount")
    amount = to_pennies(quantity * unit_price - discount)
    sent_tax = line.get("tax_amount")
    if sent_tax is not None:
        tax = to_pennies(number(sent_tax, f"{lines}.tax_amount", "Tax amount"))
    if line.get("unit_price_includes_tax") is True:
        # unverified: a gross price's VAT as the fraction rate / (100 + rate) of the gross
        # amount, to the penny; the net is what is left.
        if sent_tax is None:
            tax = to_pennies(amount * rate / (HUNDRED + rate))
        net = amount - tax
    else:
        net = amount
        if sent_tax is None:
            tax = to_pennies(net * rate / HUNDRED)
    return {"quantity": quantity, "unit_price": unit_price, "discount_amount": discount,
            "net_amount": net, "tax_amount": tax, "total_amount": net + tax}


def document_figures(lines: list[dict[str, Decimal]]) -> dict[str, Decimal]:
    net = sum((line["net_amount"] for line in lines), ZERO)
    tax = sum((line["tax_amount"] for line in lines), ZERO)
    return {"net_amount": net, "tax_amount": tax, "total_amount": net + tax}


def status_of(total: Decimal, outstanding: Decimal) -> dict[str, str]:
    if outstanding <= ZERO:
        status = "PAID"
    elif outstanding < total:
        status = "PART_PAID"
    else:
        status = "UNPAID"
    return {"id": status, "displayed_as": STATUS_NAMES[status]}


def outstanding(document: dict[str, Any]) -> Decimal:
    return Decimal(str(document["outstanding_amount"]))


def reduce_outstanding(document: dict[str, Any], amount: Decimal) -> None:
    """`amount` (positive) of the document settled: what it owes or has left falls, and its
    status follows."""
    total = Decimal(str(document["total_amount"]))
    left = outstanding(document) - amount
    document["outstanding_amount"] = money(left)
    document["total_paid"] = money(total - left)
    document["status"] = status_of(total, left)


def _artefacts(resource: dict[str, Any], resolve: Resolver
               ) -> list[tuple[str, dict[str, Any], Decimal]]:
    given = resource.get("allocated_artefacts")
    if not isinstance(given, list):
        raise Invalid("Allocated artefacts must be a list", "allocated_artefacts")
    found = []
    for item in given:
        if not isinstance(item, dict):
            raise Invalid("Allocated artefacts must be a list", "allocated_artefacts")
        target = resolve(str(item.get("artefact_id") or ""))
        if target is None:
            raise Invalid("Artefact is not valid", "allocated_artefacts.artefact_id")
        amount = number(item.get("amount"), "allocated_artefacts.amount", "Amount")
        found.append((target[0], target[1], amount))
    return found


def _check_within(settled: list[tuple[str, dict[str, Any], Decimal]]) -> None:
    """Each artefact settled by no more than it has outstanding (all its lines together)."""
    taken: dict[int, Decimal] = {}
    for _kind, document, amount in settled:
        taken[id(document)] = taken.get(id(document), ZERO) + abs(amount)
        if taken[id(document)] > outstanding(document):
            raise Invalid("Amount exceeds the outstanding amount of the artefact",
                          "allocated_artefacts.amount")


def allocate(resource: dict[str, Any], resolve: Resolver) -> list[dict[str, Any]]:
    """A CUSTOMER_ALLOCATION: invoices (positive amounts) against credit notes (negative),
    summing to zero. Checks everything first, then reduces each artefact; answers the
    allocated artefacts as Sage lists them (without their ids)."""
    settled = _artefacts(resource, resolve)
    if len(settled) < 2:
        # unverified: Sage's words for an allocation of a single artefact.
        raise Invalid("An allocation needs at least two artefacts", "allocated_artefacts")
    for kind, _document, amount in settled:
        if amount == ZERO or (amount < ZERO) != (kind == CREDIT_NOTE):
            # unverified: Sage's words for an amount of the wrong sign.
            raise Invalid("Amount must be positive for an invoice and negative for a credit "
                          "note", "allocated_artefacts.amount")
    _check_within(settled)
    if sum((amount for _k, _d, amount in settled), ZERO) != ZERO:
        # unverified: Sage's words for an allocation that does not balance.
        raise Invalid("The allocated amounts must add up to zero", "allocated_artefacts.amount")
    for _kind, document, amount in settled:
        reduce_outstanding(document, abs(amount))
    return [{"artefact": document, "amount": amount} for _k, document, amount in settled]


def receive(resource: dict[str, Any], resolve: Resolver) -> tuple[Decimal, list[dict[str, Any]]]:
    """A CUSTOMER_RECEIPT of total_amount settling invoices; what no invoice takes is a payment
    on account. Checks everything first, then reduces each invoice; answers the total and the
    allocated artefacts."""
    total = number(resource.get("total_amount"), "total_amount", "Total amount")
    if total <= ZERO or total != to_pennies(total):
        # unverified: Sage's words for a receipt of nothing or of fractions of a penny.
        raise Invalid("Total amount must be greater than zero", "total_amount")
    settled = _artefacts(resource, resolve) if "allocated_artefacts" in resource else []
    for kind, _document, amount in settled:
        if kind != INVOICE:
            raise Invalid("Artefact is not valid", "allocated_artefacts.artefact_id")
        if amount <= ZERO or amount != to_pennies(amount):
            # unverified: as above, for an allocated amount.
            raise Invalid("Amount must be greater than zero", "allocated_artefacts.amount")
    _check_within(settled)
    if sum((amount for _k, _d, amount in settled), ZERO) > total:
        # unverified: Sage's words for allocations beyond the receipt.
        raise Invalid("The allocated amounts exceed the total amount", "total_amount")
    for _kind, document, amount in settled:
        reduce_outstanding(document, amount)
    return total, [{"artefact": document, "amount": amount} for _k, document, amount in settled]
