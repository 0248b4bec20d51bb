"""The one rounding rule for money, used by every connector, every sandbox and app/.

UK VAT is rounded to the nearest penny with a half penny going up (HMRC's VAT Guide, Notice
700 section 17.5-17.6: "round to the nearest 1p ... 0.5p rounds up"), and that is what Xero and
QuickBooks Online do with line amounts and VAT. Python's default, half-even (banker's rounding),
would turn 0.125 into 0.12 where the package writes 0.13, so a document would differ from the
package by a penny. ROUND_HALF_UP rounds ties away from zero, so credits (-0.125 -> -0.13)
mirror invoices.

Also here: how much of a credit note a connector applies to its invoice (credit_to_apply), and
how a document the package made with other totals than ours is reported (with_package_totals).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from connectors.base import Outcome, Sent, TotalsDiffer

PENNY = Decimal("0.01")


def round_money(value: Decimal, places: Decimal = PENNY) -> Decimal:
    """`value` to `places` (a penny unless told, e.g. Decimal("0.0001") for unit prices)."""
    return Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


def to_pennies(value: Decimal) -> Decimal:
    return round_money(value, PENNY)


def credit_to_apply(credit: Decimal, owed: Decimal | None) -> Decimal | None:
    """How much of a new credit note goes against its invoice: up to what the invoice still
    owes. None when there is nothing to apply (a credit note of 0, an invoice settled or not
    readable): the packages refuse an allocation of 0."""
    if owed is None:
        return None
    amount = min(credit, owed)
    return amount if amount > 0 else None


def with_package_totals(outcome: Outcome, package_total: Decimal | None,
                        package_tax: Decimal | None, our_total: Decimal, our_tax: Decimal
                        ) -> Outcome:
    """A document the package made (Sent), with the package's own total and VAT checked against
    ours to the penny: where they differ it is still Sent (it is in the package: its id is
    kept, nothing is resent), carrying both sets of figures for a person to put right. A figure
    the package did not give (None) is taken as agreeing; any other outcome passes unchanged."""
    if not isinstance(outcome, Sent):
        return outcome
    ours_total, ours_tax = to_pennies(our_total), to_pennies(our_tax)
    theirs_total = ours_total if package_total is None else to_pennies(package_total)
    theirs_tax = ours_tax if package_tax is None else to_pennies(package_tax)
    if (theirs_total, theirs_tax) == (ours_total, ours_tax):
        return outcome
    return Sent(outcome.external_id, TotalsDiffer(package_total=theirs_total,
                                                  package_tax=theirs_tax, our_total=ours_total,
                                                  our_tax=ours_tax))
