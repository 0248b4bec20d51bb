"""Money as the packages round it: to the penny, a half penny going up (away from zero), as UK
VAT is rounded (HMRC VAT Guide 700, 17.5). The sandboxes' own copy: they are the independent
oracle our connectors are tested against, so they share no code with them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")


def round_money(value: Decimal | int | str, places: Decimal = PENNY) -> Decimal:
    """`value` to `places` (a penny unless told, e.g. Decimal("0.0001") for unit prices)."""
    return Decimal(value).quantize(places, rounding=ROUND_HALF_UP)


def to_pennies(value: Decimal | int | str) -> Decimal:
    return round_money(value, PENNY)
