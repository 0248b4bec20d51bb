"""What a FreeAgent company refuses, in FreeAgent's words (the wire contract's table): unknown
contacts, categories that are not its income categories, unknown bank accounts, invoices and
credit notes, draft documents paid or reconciled, taken references, blank fields.

"Contact not found", "Invoice not found for this company" and the 400 "Invalid nominal code"
are quoted on FreeAgent's API forum ("List of API Error responses"); every other wording is a
guess in Rails' style (FreeAgent is a Rails application), marked unverified where it is made.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sandboxes.freeagent import store as store
from sandboxes.freeagent.replies import Invalid, Problem

CONTACT_NOT_FOUND = "Contact not found"
INVOICE_NOT_FOUND = "Invoice not found for this company"
INVALID_NOMINAL_CODE = "Invalid nominal code"
# unverified (the rest): the wire contract's guesses.
CREDIT_NOTE_NOT_FOUND = "Credit note not found for this company"
BANK_ACCOUNT_NOT_FOUND = "Bank account not found"
REFERENCE_TAKEN = "Reference has already been taken"
NO_NAME = "First name or organisation name must be given"
INVOICE_DRAFT_PAID = "Invoice must be sent before it can be paid"
INVOICE_DRAFT_RECONCILED = "Invoice must be sent before a credit note can be reconciled"
CREDIT_NOTE_DRAFT = "Credit note must be sent before it can be reconciled"
EXCEEDS_INVOICE = "Gross value exceeds the amount due on the invoice"
EXCEEDS_CREDIT = "Gross value exceeds the amount remaining on the credit note"
OTHER_CONTACT = "Credit note and invoice must be for the same contact"


def text(resource: dict[str, Any], name: str, label: str, required: bool = False) -> str:
    """A text field ("" when absent); blank and required is Rails' "can't be blank"."""
    value = resource.get(name)
    if value is not None and not isinstance(value, str | int | float):
        raise Invalid(f"{label} is invalid")
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise Invalid(f"{label} can't be blank")
    return value


def a_date(resource: dict[str, Any], name: str, label: str, required: bool = True
           ) -> date | None:
    value = resource.get(name)
    if value in (None, ""):
        if required:
            raise Invalid(f"{label} can't be blank")
        return None
    if not isinstance(value, str):
        raise Invalid(f"{label} is not a valid date")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f"{label} is not a valid date") from None


def required_date(resource: dict[str, Any], name: str, label: str) -> date:
    found = a_date(resource, name, label)
    if found is None:
        raise Invalid(f"{label} can't be blank")
    return found


def whole_days(resource: dict[str, Any], name: str, label: str) -> int:
    value = resource.get(name)
    if value in (None, ""):
        raise Invalid(f"{label} can't be blank")
    try:
        days = int(str(value).strip())
    except ValueError:
        raise Invalid(f"{label} is not a number") from None
    if days < 0 or str(days) != str(value).strip().lstrip("+"):
        raise Invalid(f"{label} must be a whole number of days, zero or more")
    return days


def contact(company: str, reference: Any) -> dict[str, Any]:
    found_id = store.referenced(reference, "contacts")
    found = store.get_data(company, "contacts", found_id) if found_id else None
    if found is None:
        raise Invalid(CONTACT_NOT_FOUND)
    return found


def income_category(company: str, reference: Any) -> dict[str, Any]:
    """An item's category: one of the company's income categories (001 when none is sent),
    else FreeAgent's 400."""
    code = "001" if reference in (None, "") else store.referenced(reference, "categories")
    found = store.get_data(company, "categories", code) if code else None
    if found is None or store.category_group(found) != "income_categories":
        raise Problem(INVALID_NOMINAL_CODE, 400)
    return found


def bank_account(company: str, reference: Any) -> dict[str, Any]:
    if reference in (None, ""):
        raise Invalid("Bank account can't be blank")
    found_id = store.referenced(reference, "bank_accounts")
    found = store.get_data(company, "bank_accounts", found_id) if found_id else None
    if found is None:
        raise Invalid(BANK_ACCOUNT_NOT_FOUND)
    return found


def document(company: str, reference: Any, collection: str, missing: str) -> dict[str, Any]:
    found_id = store.referenced(reference, collection)
    found = store.get_data(company, collection, found_id) if found_id else None
    if found is None:
        raise Invalid(missing)
    return found


def is_sent(found: dict[str, Any]) -> bool:
    return bool(store.private(found).get("sent"))


def reference_free(company: str, reference: str) -> None:
    """Invoices and credit notes share FreeAgent's "global invoice sequencing"."""
    if reference and (store.find_data(company, "invoices", ref=reference)
                      or store.find_data(company, "credit_notes", ref=reference)):
        raise Invalid(REFERENCE_TAKEN)
