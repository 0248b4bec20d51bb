"""What a sandbox's money oracle (sandboxes/<key>/totals.py) takes and gives.

The money property test (tests/connectors/test_money_property.py) hands each package's sandbox
the requests its connector would make, as they cross the wire, and asks what the package makes
of them: a document's totals, and what each document still owes (an invoice) or has left (a
credit note) after credits and payments. No HTTP and no database: the sandbox's own arithmetic
and checks, run on the bodies alone, so 10,000 documents take seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple, Protocol


class WireRequest(Protocol):
    """One request: method, path below the package's API base, query parameters and the body
    as the bytes the connector's client writes."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def params(self) -> Mapping[str, str]: ...

    @property
    def body(self) -> bytes: ...


class Totals(NamedTuple):
    net: Decimal
    tax: Decimal
    total: Decimal
