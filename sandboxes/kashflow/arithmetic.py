"""The KashFlow sandbox's money: line and document figures, what credits and payments leave
owing, and the status that follows. Plain dicts in, Decimals out, no books: the views
(documents.py, settlements.py) and the money oracle (totals.py) run exactly this code.

The wire contract's rules (unverified: KashFlow publishes none): a line's net is
round(Quantity x Rate, 2), a half penny going up; its VatAmount is kept as the client sends it
(KashFlow does not recompute it), provided it is within a penny of Quantity x Rate x VatRate /
100 (computed so when none is sent); the document's NetAmount and VATAmount are the sums, the
GrossAmount their sum. Rates are VAT-exclusive. A line's VatCode names one of the company's VAT
rates and its VatRate must be that rate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sandboxes.kashflow import rules
from sandboxes.kashflow.replies import Invalid, decimal_text, validation
from sandboxes.kit.money import PENNY, to_pennies

ZERO = Decimal("0")
HUNDRED = Decimal("100")
DESCRIPTION_MAX = 2000  # unverified: KashFlow's limit on a line's description
# A line's NominalCode as sent -> as stored (the views check it against the chart; the money
# oracle has no chart).
NominalOf = Callable[[dict[str, Any], str], Any]


def vat_of(item: dict[str, Any], label: str, rates: Mapping[str, Decimal]
           ) -> tuple[str, Decimal]:
    """A line's VAT code and rate, checked against the company's VAT rates (code -> rate)."""
    code = item.get("VatCode")
    raw = item.get("VatRate")
    if code is not None and not isinstance(code, str):
        raise validation(f"{label}.VatCode must be text.")
    code = (code or "").strip()
    rate = None if raw is None else rules.number(raw, f"{label}.VatRate")
    if code:
        if code not in rates:
            raise Invalid("InvalidVatCode", f"{label}.VatCode {code} is not a VAT rate of this "
                                            "company.")
        if rate is not None and rate != rates[code]:
            raise Invalid("InvalidVatCode", f"{label}.VatRate {decimal_text(rate)} does not "
                          f"match VatCode {code} ({decimal_text(rates[code])}%).")
        return code, rates[code]
    # unverified: a line with a rate and no code takes the first code of that rate.
    if rate is None:
        raise validation(f"{label}.VatRate is required.")
    for known, known_rate in rates.items():
        if known_rate == rate:
            return known, rate
    raise Invalid("InvalidVatCode", f"{label}.VatRate {decimal_text(rate)} is not a VAT rate "
                                    "of this company.")


def line_figures(item: dict[str, Any], label: str, rates: Mapping[str, Decimal]
                 ) -> dict[str, Any]:
    """One line's quantity, rate, VAT code and rate, net and VAT (Decimals but the code)."""
    quantity = rules.number(item.get("Quantity"), f"{label}.Quantity")
    rate = rules.number(item.get("Rate"), f"{label}.Rate")
    code, vat_rate = vat_of(item, label, rates)
    net = to_pennies(quantity * rate)
    exact = quantity * rate * vat_rate / HUNDRED
    raw = item.get("VatAmount")
    vat = to_pennies(exact) if raw is None else rules.money(raw, f"{label}.VatAmount")
    if abs(vat - exact) > PENNY:
        raise validation(f"{label}.VatAmount {decimal_text(vat)} is not {decimal_text(vat_rate)}"
                         f"% of the line's net amount ({decimal_text(to_pennies(exact))}).")
    return {"quantity": quantity, "rate": rate, "vat_code": code, "vat_rate": vat_rate,
            "net": net, "vat": vat}


def figures(resource: dict[str, Any], nominal_of: NominalOf, rates: Mapping[str, Decimal]
            ) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    """Each line as stored, and the document's net, VAT and gross: the arithmetic the views and
    the money oracle share."""
    items = resource.get("LineItems")
    if not isinstance(items, list) or not items:
        raise validation("LineItems is required: at least one line.")
    made, net, vat = [], ZERO, ZERO
    for position, item in enumerate(items):
        label = f"LineItems[{position}]"
        if not isinstance(item, dict):
            raise validation(f"{label} must be an object.")
        description = rules.text(item, "Description", DESCRIPTION_MAX, required=True,
                                 label=f"{label}.Description")
        nominal = nominal_of(item, label)
        found = line_figures(item, label, rates)
        net += found["net"]
        vat += found["vat"]
        made.append({
            "Number": position + 1, "Description": description,
            "Quantity": decimal_text(found["quantity"]), "Rate": decimal_text(found["rate"]),
            "NominalCode": nominal, "VatCode": found["vat_code"],
            "VatRate": decimal_text(found["vat_rate"]), "VatAmount": decimal_text(found["vat"]),
        })
    return made, {"net": net, "vat": vat, "gross": net + vat}


def stored(value: Any) -> Decimal:
    return Decimal(str(value))


def due(invoice: dict[str, Any]) -> Decimal:
    """What an invoice still owes: its gross less what was paid and credited."""
    return stored(invoice["GrossAmount"]) - stored(invoice["AmountPaid"])


def credit_left(credit_note: dict[str, Any]) -> Decimal:
    return stored(credit_note["GrossAmount"]) - stored(credit_note["AmountApplied"])


def status_of(gross: Decimal, paid: Decimal) -> str:
    # unverified: KashFlow's status of an invoice of nothing; Paid here.
    if paid >= gross:
        return "Paid"
    return "PartPaid" if paid > ZERO else "Unpaid"


def settle(invoice: dict[str, Any], by: Decimal) -> None:
    """`by` of the invoice paid or credited: AmountPaid rises, Status follows."""
    paid = stored(invoice["AmountPaid"]) + by
    invoice["AmountPaid"] = decimal_text(paid)
    invoice["Status"] = status_of(stored(invoice["GrossAmount"]), paid)


def apply_credit(credit_note: dict[str, Any], invoice: dict[str, Any]) -> Decimal:
    """The credit note applied to the invoice up to what it still owes; how much."""
    applied = max(min(credit_left(credit_note), due(invoice)), ZERO)
    settle(invoice, applied)
    credit_note["AmountApplied"] = decimal_text(stored(credit_note["AmountApplied"]) + applied)
    credit_note["AmountPaid"] = credit_note["AmountApplied"]
    credit_note["Status"] = status_of(stored(credit_note["GrossAmount"]),
                                      stored(credit_note["AmountApplied"]))
    return applied


# A payment line's invoice: (the invoice, its Number as the reply names it). The views read
# InvoiceNumber as a whole number and look it up; the money oracle matches its placeholders.
InvoiceOf = Callable[[dict[str, Any], str], tuple[dict[str, Any], Any]]


def check_payment_lines(lines: Any, invoice_of: InvoiceOf
                        ) -> list[tuple[dict[str, Any], Any, Decimal]]:
    """The invoices a bulk payment pays and how much each, all checked before any is paid
    (all or nothing): every line's invoice known, no invoice paid more than it owes, several
    lines on one invoice counted together."""
    if not isinstance(lines, list) or not lines:
        raise validation("PaymentLines is required: at least one line.")
    found: list[tuple[dict[str, Any], Any, Decimal]] = []
    owed: dict[str, Decimal] = {}
    for position, line in enumerate(lines):
        label = f"PaymentLines[{position}]"
        if not isinstance(line, dict):
            raise validation(f"{label} must be an object.")
        invoice, number = invoice_of(line, f"{label}.InvoiceNumber")
        amount = rules.money(line.get("Amount"), f"{label}.Amount")
        if amount <= ZERO:
            raise validation(f"{label}.Amount must be more than zero.")
        before = owed.get(str(number), due(invoice))
        if amount > before:
            raise Invalid("PaymentExceedsBalance",
                          f"{label}: the payment of {decimal_text(amount)} is more than the "
                          f"{decimal_text(before)} invoice {number} still owes.")
        owed[str(number)] = before - amount
        found.append((invoice, number, amount))
    return found
