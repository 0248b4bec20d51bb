"""JSON on the wire to and from a package, with money as exact Decimal both ways.

Going out, simplejson writes a Decimal as a JSON number with exactly its digits ("12.30", never
12.3 or 12.300000000000001); coming back, every non-integer number is read as a Decimal, so an
amount in a reply never passes through float on its way to to_pennies.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import simplejson

__all__ = ["dumps", "loads"]


def dumps(body: Any) -> str:
    """JSON text for a request body, with Decimal amounts written digit for digit."""
    return simplejson.dumps(body, use_decimal=True, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """A package's JSON reply, its non-integer numbers as Decimal (ValueError if not JSON)."""
    return simplejson.loads(text, parse_float=Decimal)
