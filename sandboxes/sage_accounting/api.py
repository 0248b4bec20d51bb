"""The Sage sandbox's resources below /v3.1: which collections it serves, their list filters,
GET by key, GET /financial_settings, and which builder makes each created resource."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, request

from sandboxes.sage_accounting import listing, replies
from sandboxes.sage_accounting import store as store
from sandboxes.sage_accounting.arithmetic import CREDIT_NOTE, INVOICE
from sandboxes.sage_accounting.contacts import create_contact
from sandboxes.sage_accounting.documents import create_document
from sandboxes.sage_accounting.payments import create_allocation, create_payment

Filter = Callable[[dict[str, Any]], bool]
Builder = Callable[[str, dict[str, Any]], dict[str, Any]]


def _arg(name: str) -> str:
    return request.args.get(name, "").strip()


def _contacts(obj: dict[str, Any]) -> bool:
    kind = _arg("contact_type_id")
    email = _arg("email").lower()
    return ((not kind or kind in {t["id"] for t in obj["contact_types"]})
            and (not email or email == str(obj.get("email") or "").lower())
            and listing.search_matches(obj, ("name", "reference")))


def _of_contact(obj: dict[str, Any]) -> bool:
    contact = _arg("contact_id")
    return not contact or obj["contact"]["id"] == contact


def _invoices(obj: dict[str, Any]) -> bool:
    status = _arg("status_id")
    return (_of_contact(obj) and (not status or obj["status"]["id"] == status)
            and listing.search_matches(obj, ("invoice_number", "reference")))


def _credit_notes(obj: dict[str, Any]) -> bool:
    return _of_contact(obj) and listing.search_matches(obj, ("credit_note_number", "reference"))


def _payments(obj: dict[str, Any]) -> bool:
    return _of_contact(obj) and listing.search_matches(obj, ("reference",))


def _ledger_accounts(obj: dict[str, Any]) -> bool:
    visible = _arg("visible_in")
    kind = _arg("ledger_account_type_id")
    return ((not visible or bool(obj.get(f"visible_in_{visible}")))
            and (not kind or obj["ledger_account_type"]["id"] == kind)
            and listing.search_matches(obj, ("name", "display_name", "nominal_code")))


def _everything(_obj: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Resource:
    keep: Filter  # the list's filters
    root: str = ""  # the created resource's key in a POST body; "" where the sandbox makes none
    build: Builder | None = None


RESOURCES: dict[str, Resource] = {
    "contacts": Resource(_contacts, "contact", create_contact),
    "sales_invoices": Resource(_invoices, INVOICE,
                               lambda b, r: create_document(b, INVOICE, r)),
    "sales_credit_notes": Resource(_credit_notes, CREDIT_NOTE,
                                   lambda b, r: create_document(b, CREDIT_NOTE, r)),
    "contact_allocations": Resource(_of_contact, "contact_allocation", create_allocation),
    "contact_payments": Resource(_payments, "contact_payment", create_payment),
    "ledger_accounts": Resource(_ledger_accounts),
    "tax_rates": Resource(_everything),
    "bank_accounts": Resource(_everything),
}


def list_collection(business: str, collection: str) -> tuple[Response, int]:
    keep = RESOURCES[collection].keep
    found = [obj for obj in store.find_data(business, collection) if keep(obj)]
    return replies.answer(listing.page(collection, found))


def get_one(business: str, collection: str, key: str) -> tuple[Response, int]:
    found = store.get_data(business, collection, key)
    if found is None:
        return replies.not_found()
    return replies.answer(store.public(found))


def financial_settings(business: str) -> tuple[Response, int]:
    """GET /financial_settings: one object, not a list; the lock date is the business's."""
    settings = store.settings_of(business)
    this_year = store.today().year
    return replies.answer({
        "$path": "/financial_settings",
        "year_end_date": date(this_year, 3, 31).isoformat(),
        "year_end_lockdown_date": settings.get("year_end_lockdown_date"),
        "accounting_type": "accrual",
        "accounts_start_date": date(2020, 4, 1).isoformat(),
        "base_currency": {"id": "GBP", "displayed_as": "Pound Sterling (GBP)",
                          "$path": "/currencies/GBP"},
        "multi_currency_enabled": False,
        "use_live_exchange_rates": False,
        "tax_return_frequency": {"id": "QUARTERLY", "displayed_as": "Quarterly"},
        "sales_tax_calculation": "invoice",
        "updated_at": store.stamp(),
    })


def create(business: str, collection: str, resource: dict[str, Any]) -> tuple[Response, int]:
    build = RESOURCES[collection].build
    if build is None:
        raise LookupError(f"the sandbox creates no {collection}")
    return replies.answer(store.public(build(business, resource)), 201)
