"""The connector's side of the money property test: what a connector would send for the money
of a document, short of HTTP.

Each package's payloads.py defines `document_payload(kind, record, refs) -> PayloadRequest`; the
property test (tests/connectors/test_money_property.py) and its bench (bench/money_property.py)
find it through the registry and hand the request to the package's sandbox
(sandboxes/<key>/totals.py), which works out the package's figures as the package would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

# invoice, credit_note: the create of a DocumentRecord; credit_applied: putting a credit note
# (a DocumentRecord) against its invoice; payment: the receipt of a PaymentRecord.
MoneyKind = Literal["invoice", "credit_note", "credit_applied", "payment"]
MONEY_KINDS: tuple[MoneyKind, ...] = ("invoice", "credit_note", "credit_applied", "payment")


@dataclass(frozen=True)
class PackageRefs:
    """What the package already holds that a request depends on (placeholders in the test)."""

    credit_note_id: str = ""  # the package's id of the credit note being applied
    invoice_due: Decimal | None = None  # what the package says the invoice still owes


@dataclass(frozen=True)
class PayloadRequest:
    """One request as the connector makes it. `params` are the query parameters that change
    what the package makes of the body (Xero's unitdp=4); `path` is relative to the package's
    API base. The body is written with connectors.wire.dumps, as every connector's client does."""

    method: str
    path: str
    body: dict[str, Any]
    params: Mapping[str, str] = field(default_factory=dict)
