"""A record's sendable fields as a flat dict of strings, and the difference between two.

The sync engine stores the snapshot of what it sent on the transfer; when the record is edited
afterwards, app/sync/changes.py diffs the new snapshot against it to tell the bookkeeper what to
change by hand. Values are canonical strings (money to 2 dp, dates ISO) so that the same data
always gives the same snapshot, whether it came from a request or from the database. Line and
allocation numbers count from 1, as a bookkeeper counts them. References to other records use
their source_id, which never changes, so renaming a customer does not mark its invoices changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.extensions import db
from app.models import Contact, Document, Payment
from app.money import to_pennies
from app.records.totals import company_tax_rates, document_totals
from connectors.money import round_money

MODELS: dict[str, type[Any]] = {
    "customer": Contact, "supplier": Contact, "invoice": Document, "credit_note": Document,
    "payment": Payment,
}
ADDRESS_FIELDS = ("line1", "line2", "city", "postcode", "country")


def load_record(record_type: str, record_id: int) -> Any:
    return db.session.get(MODELS[record_type], record_id)


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{to_pennies(Decimal(value)):.2f}"


def precise(value: Decimal) -> str:
    """Up to 4 dp, trailing zeros dropped but at least 2 dp (45.00, 1.125, 12.3456)."""
    text = f"{round_money(value, Decimal('0.0001')):f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def quantity(value: Decimal) -> str:
    text = f"{round_money(value, Decimal('0.0001')):f}"
    return text.rstrip("0").rstrip(".")


def snapshot(record_type: str, row: Any) -> dict[str, str]:
    """The fields we send to a package, flattened, e.g. {"lines[1].unit_price": "45.00"}."""
    if record_type in ("customer", "supplier"):
        return _contact(row)
    if record_type in ("invoice", "credit_note"):
        return _document(row)
    if record_type == "payment":
        return _payment(row)
    raise ValueError(f"unknown record type {record_type!r}")


def _contact(row: Contact) -> dict[str, str]:
    out = {"name": row.name, "email": row.email or "", "phone": row.phone or ""}
    address = row.address or {}
    for key in ADDRESS_FIELDS:
        out[f"address.{key}"] = address.get(key) or ""
    return out


def _document(row: Document) -> dict[str, str]:
    out = {
        "number": row.number,
        "customer": row.customer.source_id,
        "date": row.date.isoformat(),
        "due_date": row.due_date.isoformat() if row.due_date else "",
        "reference": row.reference or "",
        "amounts_are": row.amounts_are,
    }
    if row.kind == "credit_note":
        out["invoice"] = row.invoice.source_id if row.invoice is not None else ""
    rates = company_tax_rates(row.company_id)
    for n, line in enumerate(row.lines, start=1):
        out[f"lines[{n}].description"] = line.description
        out[f"lines[{n}].quantity"] = quantity(line.quantity)
        out[f"lines[{n}].unit_price"] = precise(line.unit_price)
        out[f"lines[{n}].account"] = line.account_key
        out[f"lines[{n}].tax_rate"] = line.tax_rate_key
    if all(line.tax_rate_key in rates for line in row.lines):
        totals = document_totals(row.lines, row.amounts_are, rates)
        out["subtotal"], out["tax"], out["total"] = (
            money(totals.subtotal), money(totals.tax), money(totals.total))
    return out


def _payment(row: Payment) -> dict[str, str]:
    out = {
        "customer": row.customer.source_id,
        "date": row.date.isoformat(),
        "amount": money(row.amount),
        "bank_account": row.bank_account_key,
        "reference": row.reference or "",
    }
    # Sorted so that the order the job system lists allocations in is not a change.
    allocations = sorted(row.allocations, key=lambda a: a.invoice.source_id)
    for n, allocation in enumerate(allocations, start=1):
        out[f"allocations[{n}].invoice"] = allocation.invoice.source_id
        out[f"allocations[{n}].amount"] = money(allocation.amount)
    return out


def diff(old: dict[str, str], new: dict[str, str]) -> list[dict[str, str | None]]:
    """[{"field", "old", "new"}] for every field that differs; None where a field is absent
    (a line added or removed)."""
    fields = list(old) + [k for k in new if k not in old]
    return [
        {"field": f, "old": old.get(f), "new": new.get(f)}
        for f in fields
        if old.get(f) != new.get(f)
    ]
