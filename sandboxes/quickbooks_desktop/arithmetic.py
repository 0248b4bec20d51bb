"""A sales line's figures as QuickBooks UK works them out: the line's net amount (Amount as
given, else Quantity x Rate, else the item's price, to the penny) and its VAT (net x the rate of
the VAT item behind the line's SalesTaxCode, to the penny, a half penny up), summed over the
lines into Subtotal and SalesTaxTotal.

unverified: that QuickBooks UK rounds VAT per line and sums the lines (InvoiceLineRet carries a
TaxAmount per line in the 13.0 schema, which suggests it), and how it splits a tax-inclusive
Amount (here: VAT = gross x rate / (100 + rate), to the penny; net = gross - VAT). When Amount
and Rate are both given, Amount is kept (our renderer sends both, the Amount being its penny
figure); QuickBooks' own check of the two against each other is not simulated. A line's
TaxAmount (the 13.0 schema's UK/CA field on InvoiceLineAdd) is taken as its VAT when given
(unverified: whether QuickBooks UK checks it against the code's rate).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from sandboxes.quickbooks_desktop.replies import pennies

HUNDRED = Decimal(100)


class LineFigures(NamedTuple):
    net: Decimal
    tax: Decimal


def line_net(quantity: Decimal | None, rate: Decimal | None, amount: Decimal | None,
             price: Decimal) -> Decimal:
    """The line's Amount before VAT is considered (gross when tax is included)."""
    if amount is not None:
        return pennies(amount)
    unit = rate if rate is not None else price
    return pennies((quantity if quantity is not None else Decimal(1)) * unit)


# unverified: VAT per line, to the penny, a half penny up; a given TaxAmount kept as it is.
def line_figures(amount: Decimal, tax_rate: Decimal, included: bool,
                 given_tax: Decimal | None = None) -> LineFigures:
    if given_tax is not None:
        tax = pennies(given_tax)
        return LineFigures(amount - tax if included else amount, tax)
    if included:
        tax = pennies(amount * tax_rate / (HUNDRED + tax_rate))
        return LineFigures(amount - tax, tax)
    return LineFigures(amount, pennies(amount * tax_rate / HUNDRED))


def totals(lines: list[LineFigures]) -> tuple[Decimal, Decimal, Decimal]:
    """Subtotal, SalesTaxTotal and the document's total."""
    subtotal = sum((line.net for line in lines), Decimal("0.00"))
    tax = sum((line.tax for line in lines), Decimal("0.00"))
    return subtotal, tax, subtotal + tax
