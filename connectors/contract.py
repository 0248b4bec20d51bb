"""What a package's sandbox tells the connector contract suite (tests/contract), and what the
suite offers it in return. Typed here, beside the canonical records, so that a sandbox's hook
(sandboxes/<key>/contract.py) and the suite agree on one shape.

The hook declares `PROVOCATIONS`: for each reason its connector's errors module can give
(connectors/<key>/errors.py: REJECT_REASONS), how to make the package refuse a record for that
reason, as a set-up in the sandbox and the record to push. Provoking is the sandbox's knowledge;
the suite pushes the record through the connector and checks the Rejected outcome's reason and
its words for a bookkeeper. tests/contract/README.md says what to write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

from connectors.base import (
    ContactRecord,
    Credentials,
    DocumentRecord,
    PaymentRecord,
    Record,
    RejectReason,
)


class ContractBooks(Protocol):
    """One sandbox organisation connected for the suite, as a provocation's set-up sees it."""

    config: Mapping[str, Any]  # the app's settings: the package's URLs point at its sandbox
    tenant_id: str

    @property
    def credentials(self) -> Credentials:
        """Fresh credentials for calling the package's own API (as any client of it would)."""
        ...

    def contact(self, kind: Literal["customer", "supplier"] = "customer", name: str = "",
                email: str = "") -> ContactRecord:
        """A new contact record with a reference and name of its own (not sent)."""
        ...

    def sent_contact(self, kind: Literal["customer", "supplier"] = "customer",
                     name: str = "") -> tuple[ContactRecord, str]:
        """A new contact sent through the connector: the record and the package's id."""
        ...

    def document(self, contact: tuple[ContactRecord, str], *,
                 kind: Literal["invoice", "credit_note"] = "invoice", account_code: str = "",
                 tax_code: str = "", on: date | None = None, reference: str = "",
                 invoice: tuple[DocumentRecord, str] | None = None,
                 as_draft: bool = False) -> DocumentRecord:
        """A new invoice (or a credit note of `invoice`) of one line at 20% VAT for `contact`
        (its record and package id), on the mapped sales account and VAT rate unless told
        otherwise (codes are the package's own)."""
        ...

    def sent_invoice(self, as_draft: bool = False) -> tuple[DocumentRecord, str]:
        """A new invoice of a new customer sent through the connector, and its package id."""
        ...

    def payment(self, invoice: tuple[DocumentRecord, str], amount: Any = None,
                bank_account_code: str = "") -> PaymentRecord:
        """A receipt against `invoice` (the record and its package id), of its total unless
        told otherwise, into the mapped bank account unless told otherwise."""
        ...

    def change_sandbox(self, change: Callable[[], None]) -> None:
        """Run `change()` against the sandbox's own state (what a person would do in the
        package's web pages, where its API offers no way), and commit it."""
        ...


@dataclass(frozen=True)
class Provocation:
    """How to make the package refuse a record for `reason`: `make(books)` does any set-up and
    returns the record to push, which the package must refuse."""

    reason: RejectReason
    how: str  # in words, for the test's id and its failure message
    make: Callable[[ContractBooks], Record]
