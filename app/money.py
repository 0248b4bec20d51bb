"""Document arithmetic: line amounts and VAT to the penny, the way the packages do it.

Tax is worked out per line and rounded to 2 dp, then summed (Xero's and HMRC's rule), so our
totals equal the package's. Rounding itself is connectors/money.py, the one rule every
connector and sandbox uses too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from connectors.money import PENNY, to_pennies

__all__ = ["PENNY", "LineAmounts", "Totals", "UnknownTaxRate", "document_totals", "line_amounts",
           "rate_for", "to_pennies"]


class UnknownTaxRate(ValueError):
    """A line names a tax rate the company does not have. Both totals paths (what we report,
    app/records/totals.py, and what we send, app/sync/canonical.py) raise this rather than
    guess: a line taken at 0% would send the wrong VAT to the books."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"the tax rate '{key}' is not one of the company's tax rates")


def rate_for(rates: Mapping[str, Decimal], key: str) -> Decimal:
    """The percentage for the tax rate `key`; UnknownTaxRate if there is none."""
    try:
        return rates[key]
    except KeyError:
        raise UnknownTaxRate(key) from None


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
