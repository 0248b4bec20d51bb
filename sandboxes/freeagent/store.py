"""The FreeAgent sandbox's books in the kit's object store: companies (each seeded with UK
categories and two bank accounts), their contacts, invoices, credit notes, explanations and
reconciliations, the sandbox clock, and the state only FreeAgent's web pages change (a hidden
contact), which the API never writes.

Objects are stored as FreeAgent answers them, references as paths (`/v2/contacts/17`): the
host in front is added when answering (replies.py), from the host the request came to.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, date, datetime
from typing import Any

from sandboxes.kit import store as kit_store
from sandboxes.kit.consent import GUEST, owned_tenants, set_owner
from sandboxes.kit.store import GLOBAL, ObjectStore

PACKAGE = "freeagent"
COMPANIES = "companies"
# Fields of the sandbox's own state, kept beside an object's data and never answered.
PRIVATE = "_sandbox"

_objects = ObjectStore(PACKAGE)
get_data, find_data, put = _objects.get_data, _objects.find_data, _objects.put

__all__ = ["GLOBAL", "PACKAGE", "find_data", "get_data", "put"]

_REFERENCE = re.compile(r"/v2/([a-z_]+)/([^/?#]+)/?$")


def now() -> float:
    """Seconds since the epoch. Tests monkeypatch this to move the sandbox's clock."""
    return time.time()


def today() -> date:
    return datetime.fromtimestamp(now(), UTC).date()


def stamp() -> str:
    """created_at / updated_at as FreeAgent writes them: 2024-05-01T10:00:00.000Z."""
    return datetime.fromtimestamp(now(), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def path_of(collection: str, object_id: str) -> str:
    return f"/v2/{collection}/{object_id}"


def referenced(value: Any, collection: str) -> str | None:
    """The id a reference URL names in `collection` (whatever host is in front), or None."""
    if not isinstance(value, str):
        return None
    found = _REFERENCE.search(value.strip())
    if found is None or found.group(1) != collection:
        return None
    return found.group(2)


def new_id(company: str, collection: str) -> str:
    """FreeAgent's ids are integers; the sandbox draws them at random (a client must never
    guess one), never reusing one in the company."""
    while True:
        candidate = str(100_000 + secrets.randbelow(900_000_000))
        if get_data(company, collection, candidate) is None:
            return candidate


# ---------------------------------------------------------------- the seeded UK company

# unverified: FreeAgent's own codes where the docs show them (001 Sales; 285 in the sales tax
# page's example; 750-x bank sub-accounts); the rest are a plausible UK chart.
# group, nominal code, description, auto sales tax rate
_CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    ("income_categories", "001", "Sales", "Standard rate"),
    ("income_categories", "002", "Service income", "Standard rate"),
    ("income_categories", "055", "Other income", "Outside of the scope of VAT"),
    ("cost_of_sales_categories", "096", "Cost of sales", "Standard rate"),
    ("admin_expenses_categories", "250", "Rent", "Exempt"),
    ("admin_expenses_categories", "285", "Accommodation and Meals", "Standard rate"),
    ("admin_expenses_categories", "365", "Bank charges", "Outside of the scope of VAT"),
    ("general_categories", "601", "Computer Equipment", "Standard rate"),
)
_GROUPS = {"income_categories": "Income", "cost_of_sales_categories": "Cost of Sales",
           "admin_expenses_categories": "Admin Expenses", "general_categories": ""}
# name, primary, sub-account code
_BANKS: tuple[tuple[str, bool, str], ...] = (
    ("Business Current Account", True, "750-1"),
    ("Business Savings Account", False, "750-2"),
)
CATEGORY_GROUPS = tuple(_GROUPS)


def _category(group: str, code: str, description: str, auto_rate: str) -> dict[str, Any]:
    category: dict[str, Any] = {"url": path_of("categories", code), "description": description,
                                "nominal_code": code}
    if group == "income_categories":
        category |= {"group_description": _GROUPS[group], "auto_sales_tax_rate": auto_rate}
    elif group != "general_categories":
        category |= {"group_description": _GROUPS[group], "allowable_for_tax": True,
                     "tax_reporting_name": description, "auto_sales_tax_rate": auto_rate}
    category[PRIVATE] = {"group": group}
    return category


def _seed(company: str) -> None:
    for group, code, description, auto_rate in _CATEGORIES:
        put(company, "categories", code, _category(group, code, description, auto_rate),
            ref=group)
    moment = stamp()
    for name, primary, code in _BANKS:
        bank_id = new_id(company, "bank_accounts")
        put(company, "bank_accounts", bank_id, {
            "url": path_of("bank_accounts", bank_id), "type": "StandardBankAccount",
            "name": name, "currency": "GBP", "is_personal": False, "is_primary": primary,
            "status": "active", "bank_name": "Sandbox Bank", "opening_balance": "0.0",
            "current_balance": "0.0", "bank_code": "generic",
            "account_number": f"{secrets.randbelow(10**8):08d}", "sort_code": "60-00-01",
            "created_at": moment, "updated_at": moment,
        })
        sub = _category("general_categories", code, name, "Outside of the scope of VAT")
        sub["bank_account"] = path_of("bank_accounts", bank_id)
        put(company, "categories", code, sub, ref="general_categories")


def create_company(name: str, owner: str = GUEST) -> dict[str, Any]:
    """A new UK limited company with its categories and bank accounts (not committed),
    belonging to `owner` (whose consent pages alone offer it)."""
    company_id = new_id(GLOBAL, COMPANIES)
    set_owner(PACKAGE, company_id, owner)
    subdomain = re.sub(r"[^a-z0-9]", "", name.lower())[:20] or "company"
    company = {
        "url": "/v2/company", "id": int(company_id), "name": name,
        "subdomain": f"{subdomain}{company_id[-4:]}", "type": "UkLimitedCompany",
        "currency": "GBP", "mileage_units": "miles", "company_start_date": "2020-04-01",
        "freeagent_start_date": "2020-04-01", "first_accounting_year_end": "2021-03-31",
        "sales_tax_registration_status": "Registered", "created_at": stamp(),
        "updated_at": stamp(),
    }
    put(GLOBAL, COMPANIES, company_id, company, ref=name)
    _seed(company_id)
    return company


def companies_of(owner: str) -> list[dict[str, Any]]:
    """The companies a consent page offers this owner; a first visit seeds one."""
    mine = owned_tenants(PACKAGE, owner)
    found = [c for c in find_data(GLOBAL, COMPANIES) if str(c["id"]) in mine]
    if not found:
        found = [create_company("My FreeAgent Company", owner)]
        kit_store.commit()
    return found


def company(company_id: str) -> dict[str, Any] | None:
    return get_data(GLOBAL, COMPANIES, company_id)


def category_group(category: dict[str, Any]) -> str:
    return str((category.get(PRIVATE) or {}).get("group", ""))


# ------------------------------------------------------- what only FreeAgent's pages change


def set_contact_hidden(company_id: str, contact_id: str, hidden: bool) -> None:
    """Hide (or show again) a contact, as FreeAgent's contact page does."""
    contact = get_data(company_id, "contacts", contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id} in company {company_id}")
    contact["status"] = "Hidden" if hidden else "Active"
    contact["updated_at"] = stamp()
    put(company_id, "contacts", contact_id, contact)


def private(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(obj.get(PRIVATE) or {})


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as the API shows it: without the sandbox's own state."""
    return {k: v for k, v in obj.items() if k != PRIVATE}
