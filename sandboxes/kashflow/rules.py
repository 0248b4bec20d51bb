"""What a KashFlow company refuses, in the wire contract's codes and KashFlow-style words
(unverified, all: KashFlow publishes no list of its errors): malformed fields
(ValidationError naming the field), unknown or archived customers, unknown nominal and VAT
codes, unknown invoices, dates in a locked period, payments over what an invoice owes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sandboxes.kashflow import store as store
from sandboxes.kashflow.replies import Invalid, validation
from sandboxes.kit.money import to_pennies


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise validation("The request body must be a JSON object.")
    return body


def text(resource: dict[str, Any], name: str, limit: int, required: bool = False,
         label: str = "") -> str:
    """A text field ("" when absent or null), at most `limit` characters."""
    label = label or name
    value = resource.get(name)
    if value is not None and not isinstance(value, str):
        raise validation(f"{label} must be text.")
    value = (value or "").strip()
    if required and not value:
        raise validation(f"{label} is required.")
    if len(value) > limit:
        raise validation(f"{label} must be {limit} characters or fewer.")
    return value


def whole(resource: dict[str, Any], name: str, label: str = "", required: bool = True
          ) -> int | None:
    """A JSON whole number (not text, not a boolean, not 4000.5)."""
    label = label or name
    value = resource.get(name)
    if value is None:
        if required:
            raise validation(f"{label} is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise validation(f"{label} must be a whole number.")
    return int(value)


def number(value: Any, label: str) -> Decimal:
    """A JSON number (floats as written: repr gives the shortest decimal back)."""
    if value is None:
        raise validation(f"{label} is required.")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise validation(f"{label} must be a number.")
    try:
        found = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise validation(f"{label} must be a number.") from None
    if not found.is_finite():
        raise validation(f"{label} must be a number.")
    return found


def money(value: Any, label: str) -> Decimal:
    """A sum of money: a number in whole pennies."""
    found = number(value, label)
    if found != to_pennies(found):
        raise validation(f"{label} must be in pounds and pence (at most 2 decimal places).")
    return found


def a_date(resource: dict[str, Any], name: str, required: bool = True) -> date | None:
    value = resource.get(name)
    if value in (None, ""):
        if required:
            raise validation(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise validation(f"{name} must be a date (YYYY-MM-DD).")
    try:
        # unverified: KashFlow's docs show dates as 2024-05-01 or with a time after them.
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise validation(f"{name} must be a date (YYYY-MM-DD).") from None


def open_period(company: str, on: date, name: str) -> None:
    """A document or payment dated on or before the company's lock date is refused."""
    locked = store.lock_date(company)
    if locked is not None and on <= locked:
        raise Invalid("LockedPeriod",
                      f"The {name} {on.isoformat()} is in a locked period: nothing dated on or "
                      f"before {locked.isoformat()} can be added or changed.")


def customer(company: str, code: str) -> dict[str, Any]:
    found = store.get_data(company, "customers", code)
    if found is None:
        raise Invalid("CustomerNotFound", f"No customer with code {code} was found.")
    if found.get("IsArchived"):
        raise Invalid("CustomerArchived",
                      f"The customer {code} is archived: unarchive it to add invoices.")
    return found


def nominal(company: str, code: int, label: str, kind: str = "") -> dict[str, Any]:
    """A nominal of the company's chart (of `kind`, when given)."""
    found = store.nominal(company, code)
    if found is None or (kind and found["Type"] != kind):
        what = f"a {kind} nominal code" if kind else "a nominal code"
        raise Invalid("InvalidNominalCode", f"{label} {code} is not {what} of this company.")
    return found


def invoice(company: str, number: int, label: str = "InvoiceNumber") -> dict[str, Any]:
    found = store.get_data(company, "invoices", str(number))
    if found is None:
        raise Invalid("InvoiceNotFound", f"{label}: no invoice with number {number} was found.")
    return found


def required_whole(resource: dict[str, Any], name: str, label: str = "") -> int:
    found = whole(resource, name, label)
    if found is None:
        raise validation(f"{label or name} is required.")
    return found


def required_date(resource: dict[str, Any], name: str) -> date:
    found = a_date(resource, name)
    if found is None:
        raise validation(f"{name} is required.")
    return found
