"""What a Sage business refuses, in Sage's words (the wire contract's table; every wording is
our best guess of Sage's own): unknown or inactive contacts, ledger accounts not in the chart
or not for sales, unknown tax rates and bank accounts, dates in a locked or VAT-submitted
period, taken references, blank fields.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sandboxes.sage_accounting import store as store
from sandboxes.sage_accounting.replies import Invalid

# unverified (all of them): the wire contract's wordings of Sage's refusals.
CONTACT_NOT_VALID = "Contact is not valid"
CONTACT_INACTIVE = "Contact is inactive"
REFERENCE_TAKEN = "Reference has already been taken"
REFERENCE_MAX = 50
REFERENCE_TOO_LONG = f"Reference is too long (maximum is {REFERENCE_MAX} characters)"
ACCOUNT_NOT_VALID = "Ledger account is not valid"
ACCOUNT_NOT_FOR_SALES = "Ledger account is not available for sales"
TAX_RATE_NOT_VALID = "Tax rate is not valid"
BANK_ACCOUNT_NOT_VALID = "Bank account is not valid"
VAT_SUBMITTED = "Date is within a VAT return period that has been submitted"
CONTACT_TYPES = ("CUSTOMER", "VENDOR")


def text(resource: dict[str, Any], name: str, label: str, required: bool = False,
         source: str = "") -> str:
    """A text field ("" when absent); blank and required is Sage's "can't be blank"."""
    value = resource.get(name)
    if value is not None and not isinstance(value, str):
        raise Invalid(f"{label} must be a string", source or name)
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"{label} can't be blank", source or name)
    return value


def a_date(resource: dict[str, Any], name: str, label: str, required: bool = True) -> date | None:
    value = resource.get(name)
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str):
        raise Invalid(f"{label} can't be blank" if value in (None, "") else
                      f"{label} must be a date (YYYY-MM-DD)", name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{label} must be a date (YYYY-MM-DD)", name) from None


def required_date(resource: dict[str, Any], name: str, label: str) -> date:
    found = a_date(resource, name, label)
    if found is None:
        raise Invalid(f"{label} can't be blank", name)
    return found


def check_open_period(business: str, on: date) -> None:
    """A transaction dated on or before the lock date, or within a submitted VAT return, is
    refused (Sage: VAT-reconciled transactions cannot be made or changed)."""
    settings = store.settings_of(business)
    locked = settings.get("year_end_lockdown_date")
    if locked and on <= date.fromisoformat(locked):
        shown = date.fromisoformat(locked).strftime("%d/%m/%Y")
        raise Invalid(f"Date cannot be on or before the lock date ({shown})", "date")
    submitted = settings.get("vat_submitted_until")
    if submitted and on <= date.fromisoformat(submitted):
        raise Invalid(VAT_SUBMITTED, "date")


def contact(business: str, contact_id: Any) -> dict[str, Any]:
    """The contact a transaction is for: it exists and is active."""
    found = (store.get_data(business, "contacts", contact_id)
             if isinstance(contact_id, str) and contact_id else None)
    if found is None:
        raise Invalid(CONTACT_NOT_VALID, "contact_id")
    if store.is_inactive(found):
        raise Invalid(CONTACT_INACTIVE, "contact_id")
    return found


def reference_free(business: str, reference: str) -> None:
    if len(reference) > REFERENCE_MAX:
        raise Invalid(REFERENCE_TOO_LONG, "reference")
    if reference and store.find_data(business, "contacts", ref=reference):
        raise Invalid(REFERENCE_TAKEN, "reference")


def contact_types(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise Invalid("Contact types can't be blank", "contact_type_ids")
    if any(kind not in CONTACT_TYPES for kind in value):
        raise Invalid("Contact type is not valid", "contact_type_ids")
    return list(dict.fromkeys(value))


def sales_account(business: str, account_id: Any, lines: str) -> dict[str, Any]:
    """A line's ledger account: in the business's ledger, in its chart, visible in sales."""
    source = f"{lines}.ledger_account_id"
    found = (store.get_data(business, "ledger_accounts", account_id)
             if isinstance(account_id, str) and account_id else None)
    if found is None:
        raise Invalid(ACCOUNT_NOT_VALID, source)
    if not found.get("included_in_chart") or not found.get("visible_in_sales"):
        raise Invalid(ACCOUNT_NOT_FOR_SALES, source)
    return found


def tax_rate(business: str, rate_id: Any, lines: str) -> tuple[dict[str, Any], Decimal]:
    source = f"{lines}.tax_rate_id"
    if rate_id in (None, ""):
        # unverified: a VAT-registered UK business needs a rate on every line.
        raise Invalid("Tax rate can't be blank", source)
    found = store.get_data(business, "tax_rates", rate_id) if isinstance(rate_id, str) else None
    if found is None:
        raise Invalid(TAX_RATE_NOT_VALID, source)
    return found, Decimal(str(found["percentage"]))


def bank_account(business: str, account_id: Any) -> dict[str, Any]:
    found = (store.get_data(business, "bank_accounts", account_id)
             if isinstance(account_id, str) and account_id else None)
    if found is None:
        raise Invalid(BANK_ACCOUNT_NOT_VALID, "bank_account_id")
    return found
