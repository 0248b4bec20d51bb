"""Money as the packages round it: to the penny, a half penny going up (away from zero), as UK
VAT is rounded (HMRC VAT Guide 700, 17.5). The sandboxes' own copy: they are the independent
oracle our connectors are tested against, so they share no code with them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")


def to_pennies(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)
