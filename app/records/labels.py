"""How a record, a package and a connection are named to a bookkeeper: shared by the dashboard
and the failure digest (app/sync must not reach into a page's module for them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.models import Connection, Contact
from app.money import to_pennies
from app.records.loading import load_records, missing_title

__all__ = ["RecordLabel", "connection_name", "money", "package_title", "record_labels",
           "unknown_label"]


def package_title(key: str) -> str:
    """The package's own name ("Xero"); the key, tidied, if its connector cannot be loaded."""
    try:
        from connectors import connector_class

        return connector_class(key).title
    except Exception:  # noqa: BLE001 - a broken package must not take the dashboard down
        return key.replace("_", " ").title()


def connection_name(connection: Connection) -> str:
    """The package and the organisation ("Xero · Acme Heating Ltd"): two connections to one
    package must never read the same on the dashboard, in its rows or in the digest."""
    title = package_title(connection.package)
    return f"{title} · {connection.tenant_name}" if connection.tenant_name else title


@dataclass
class RecordLabel:
    title: str  # "Invoice INV-3381"
    detail: str = ""  # "A. Smith · £240.00"


def unknown_label(record_type: str, record_id: int) -> RecordLabel:
    """The label of a record that is no longer in Ledgerlink."""
    return RecordLabel(missing_title(record_type, record_id), "record not found")


def money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{to_pennies(abs(amount)):,}"


def record_labels(
    company_id: int, keys: set[tuple[str, int]]
) -> dict[tuple[str, int], RecordLabel]:
    """(record type, id) -> a label a bookkeeper recognises: number, customer and amount."""
    labels: dict[tuple[str, int], RecordLabel] = {}
    for key, r in load_records(company_id, keys).items():
        if isinstance(r.record, Contact):
            c = r.record
            detail = " · ".join(x for x in (c.email, (c.address or {}).get("postcode", "")) if x)
        else:
            detail = f"{r.customer} · {money(r.amount)}"
        labels[key] = RecordLabel(r.title, detail)
    return labels
