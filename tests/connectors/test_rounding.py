"""One rounding rule for money everywhere: half a penny goes up (HMRC, Xero, QuickBooks Online).

The Xero connector used to round half-even (Python's default), so 0.125 became 0.12 where the
package, the QuickBooks Online connector and app/ made it 0.13.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app import money as app_money
from app.records import snapshot
from connectors import money
from connectors.quickbooks_online import payloads as qbo_payloads
from connectors.quickbooks_online import pushing as qbo_pushing
from connectors.xero import payloads as xero_payloads
from connectors.xero import pushing as xero_pushing
from sandboxes.quickbooks_online import rules as qbo_sandbox
from sandboxes.xero import rules as xero_sandbox

TIES = [("0.125", "0.13"), ("0.135", "0.14"), ("2.005", "2.01"), ("-0.125", "-0.13"),
        ("0.124", "0.12"), ("10", "10.00")]

ROUNDERS = {
    "app": app_money.to_pennies,
    "xero payloads": xero_payloads.money,
    "xero replies": xero_pushing._money,
    "xero sandbox": xero_sandbox.round2,
    "qbo payloads": qbo_payloads.money,
    "qbo replies": qbo_pushing.money,
    "qbo sandbox": qbo_sandbox.pennies,
}


@pytest.mark.parametrize("where", sorted(ROUNDERS))
@pytest.mark.parametrize(("value", "expected"), TIES)
def test_every_place_rounds_half_a_penny_up(where: str, value: str, expected: str) -> None:
    assert ROUNDERS[where](Decimal(value)) == Decimal(expected)


def test_app_uses_the_connectors_rule() -> None:
    assert app_money.to_pennies is money.to_pennies


def test_line_tax_on_a_tie_matches_the_package() -> None:
    # 1 x 0.625 is a tie: half-up makes the line 0.63 and its VAT 0.13, as Xero and QBO would.
    line = app_money.line_amounts(Decimal("1"), Decimal("0.625"), Decimal("20"), False)
    assert line.line_amount == Decimal("0.63")
    assert line.tax == Decimal("0.13")
    assert snapshot.precise(Decimal("1.00005")) == "1.0001"


def test_a_document_with_the_packages_own_totals_is_sent_with_both_figures() -> None:
    from connectors.base import Rejected, Sent, TotalsDiffer

    ours = (Decimal("120.00"), Decimal("20.00"))
    assert money.with_package_totals(Sent("d1"), Decimal("120.0"), Decimal("20"), *ours) == Sent(
        "d1")
    assert money.with_package_totals(Sent("d1"), None, None, *ours) == Sent("d1")
    assert money.with_package_totals(Sent("d1"), Decimal("120.01"), None, *ours) == Sent(
        "d1", TotalsDiffer(Decimal("120.01"), Decimal("20.00"), Decimal("120.00"),
                           Decimal("20.00")))
    refused = Rejected("validation", "no")
    assert money.with_package_totals(refused, Decimal("1"), Decimal("1"), *ours) is refused
