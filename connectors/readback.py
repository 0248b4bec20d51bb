"""What a package's books hold, read through the package's OWN API (as any client of it would
read them), normalised to one shape so that one set of checks serves every package.

Each package's connectors/<key>/readback.py provides `read_books(config, creds, names)`; the
tests and the bench find it through the registry. Nothing here trusts our own database: ids,
totals and balances are the package's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests


@dataclass(frozen=True)
class Doc:
    """An invoice or credit note as the package holds it."""

    package_id: str
    number: str
    total: Decimal
    tax: Decimal
    due: Decimal  # what is still owed (or, for a credit note, still to allocate)
    contact_id: str


@dataclass(frozen=True)
class PaymentLine:
    """Money received against one invoice by one of our payments."""

    source_id: str  # our payment's source id, from the reference we gave it
    invoice_id: str  # the package's invoice id
    amount: Decimal
    package_id: str  # the package's payment id (one payment may have many lines)


@dataclass
class PackageBooks:
    # Lists, not dicts: a duplicate in the package must stay visible to the checks.
    contacts: list[tuple[str, str]] = field(default_factory=list)  # (our key, package id)
    # Suppliers, where a package keeps them apart from customers (else the same as contacts).
    suppliers: list[tuple[str, str]] = field(default_factory=list)
    invoices: list[Doc] = field(default_factory=list)
    credit_notes: list[Doc] = field(default_factory=list)
    payments: list[PaymentLine] = field(default_factory=list)


def dec(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def source_id(reference: str) -> str:
    """Our payment references are "<their reference> (<source id>)" or the source id alone."""
    reference = reference.strip()
    if reference.endswith(")") and "(" in reference:
        return reference.rsplit("(", 1)[-1][:-1]
    return reference


def get_json(url: str, headers: dict[str, str], params: dict[str, Any]) -> dict:
    """One read, waiting out a 429 (reading back is not what the tests measure)."""
    for _ in range(10):
        answer = requests.get(url, headers=headers, params=params, timeout=60)
        if answer.status_code == 429:
            time.sleep(min(float(answer.headers.get("Retry-After", "2")), 10))
            continue
        if answer.status_code != 200:
            raise AssertionError((url, params, answer.status_code, answer.text[:500]))
        return answer.json()
    raise AssertionError(f"{url} kept answering 429")
