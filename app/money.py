"""Document arithmetic: line amounts and VAT to the penny, the way the packages do it.

Tax is worked out per line and rounded to 2 dp, then summed (Xero's and HMRC's rule), so our
totals equal the package's. Rounding itself is connectors/money.py, the one rule every
connector and sandbox uses too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from connectors.money import PENNY, to_pennies

__all__ = ["PENNY", "LineAmounts", "Totals", "document_totals", "line_amounts", "to_pennies"]


@dataclass(frozen=True)
class LineAmounts:
    line_amount: Decimal  # as entered: net when exclusive, gross when inclusive
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal  # net of tax
    tax: Decimal
    total: Decimal


def line_amounts(
    quantity: Decimal, unit_price: Decimal, rate: Decimal, inclusive: bool
) -> LineAmounts:
    amount = to_pennies(quantity * unit_price)
    if inclusive:
        tax = to_pennies(amount * rate / (Decimal(100) + rate))
    else:
        tax = to_pennies(amount * rate / Decimal(100))
    return LineAmounts(line_amount=amount, tax=tax)


def document_totals(lines: list[LineAmounts], inclusive: bool) -> Totals:
    amounts = sum((ln.line_amount for ln in lines), Decimal("0.00"))
    tax = sum((ln.tax for ln in lines), Decimal("0.00"))
    if inclusive:
        return Totals(subtotal=amounts - tax, tax=tax, total=amounts)
    return Totals(subtotal=amounts, tax=tax, total=amounts + tax)
