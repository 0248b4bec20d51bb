"""The Writer interface: how the loop asks a writer (SDO or CSV files) to put a record into Sage.

The loop knows nothing of Sage; a writer knows nothing of the server. Payloads are the
writer-ready ones of the contract (section 2): amounts are 2-dp strings, dates ISO.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

KINDS = ("customer", "supplier", "invoice", "credit_note", "payment")
FINAL_STATUSES = ("created", "exists", "rejected")
STATUSES = (*FINAL_STATUSES, "retry")


class WriterUnavailable(Exception):
    """Sage cannot be reached at all (company not found, wrong user, not installed): nothing of
    the batch can be written now. The loop reports the words on its next heartbeat."""


@dataclass(frozen=True)
class WriteResult:
    status: str  # one of STATUSES
    reference: str = ""
    message: str = ""
    field: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown write status {self.status!r}")

    def ack(self, key: str) -> dict[str, str]:
        """This result as one entry of an ack's `results` (contract section 1)."""
        entry = {"key": key, "status": self.status}
        if self.status in ("created", "exists"):
            entry["reference"] = self.reference
            if self.note:
                entry["note"] = self.note
        else:
            entry["message"] = self.message
            if self.field:
                entry["field"] = self.field
        return entry


def created(reference: str, note: str = "") -> WriteResult:
    return WriteResult("created", reference=reference, note=note)


def rejected(message: str, field: str = "") -> WriteResult:
    return WriteResult("rejected", message=message, field=field)


def retry(message: str) -> WriteResult:
    return WriteResult("retry", message=message)


def money(value: Any) -> Decimal:
    """A payload amount (a 2-dp string) as a Decimal; ValueError if it is not one."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{value!r} is not an amount") from exc
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return amount.quantize(Decimal("0.01"))


def fits_sage_amount(amount: Decimal) -> bool:
    """Sage 50 holds amounts as 8 digits and 2 decimals (PACKAGES.md field notes)."""
    return abs(amount) < Decimal("100000000")


class Writer:
    """What every writer does. Subclasses override all but `start_batch`, `close`, `describe`."""

    name = "writer"

    def open(self) -> None:
        """Connect to Sage (raise WriterUnavailable if it cannot be reached)."""

    def close(self) -> None:
        """Let go of Sage (disconnect); safe to call twice."""

    def describe(self) -> dict[str, str]:
        """For the heartbeat: {"sage_version": ..., "company_name": ...} ("" when unknown)."""
        return {"sage_version": "", "company_name": ""}

    def start_batch(self, batch_id: str) -> None:
        """Called before a batch's records are written (the CSV writer names its files by it)."""

    def lists(self) -> dict[str, list[dict[str, Any]]]:
        """Sage's lists by name: "accounts", "tax_codes", "contacts" (only those it can read)."""
        raise NotImplementedError

    def note_for(self, kind: str, payload: dict[str, Any]) -> str:
        """The step left for the bookkeeper in Sage for a record this writer wrote (a receipt
        to allocate), so a record found on check-first reports it as its write did."""
        return ""

    def find(self, kind: str, payload: dict[str, Any]) -> str | None:
        """Sage's reference for a record already there (by account_ref or reference), else None."""
        raise NotImplementedError

    def write(self, kind: str, payload: dict[str, Any]) -> WriteResult:
        """Write one record; Sage's refusals come back as `rejected` with Sage's own words."""
        raise NotImplementedError
