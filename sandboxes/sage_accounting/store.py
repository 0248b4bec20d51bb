"""The Sage Accounting sandbox's books in the kit's object store: businesses (each seeded with a
UK chart, VAT rates, two bank accounts and financial settings), their contacts and documents,
the sandbox clock, and the state only Sage's web pages change (a hidden ledger account, an
inactive contact, the lock date, a submitted VAT return), which the API never shows or writes.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sandboxes.kit import store as kit_store
from sandboxes.kit.consent import GUEST, owned_tenants, set_owner
from sandboxes.kit.store import GLOBAL, ObjectStore

PACKAGE = "sage_accounting"
BUSINESSES = "businesses"
# Fields of the sandbox's own state, kept beside an object's data and never answered.
PRIVATE = "_sandbox"

_objects = ObjectStore(PACKAGE)
get_data, find_data, put = _objects.get_data, _objects.find_data, _objects.put

__all__ = ["GLOBAL", "PACKAGE", "find_data", "get_data", "put"]


def now() -> float:
    """Seconds since the epoch. Tests monkeypatch this to move the sandbox's clock."""
    return time.time()


def today() -> date:
    return datetime.fromtimestamp(now(), UTC).date()


def stamp() -> str:
    """created_at / updated_at as Sage writes them: 2024-05-01T10:00:00Z."""
    return datetime.fromtimestamp(now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    """Sage's ids: 32 hexadecimal characters, no hyphens."""
    return uuid.uuid4().hex


# ---------------------------------------------------------------- the seeded UK business

# nominal code, name, ledger account type, visible in (sales, expenses, banking)
_CHART: tuple[tuple[int, str, str, tuple[bool, bool, bool]], ...] = (
    (1100, "Trade Debtors", "CURRENT_ASSETS", (False, False, False)),
    (1200, "Current", "BANK", (False, False, True)),
    (1210, "Savings", "BANK", (False, False, True)),
    (2100, "Trade Creditors", "CURRENT_LIABILITY", (False, False, False)),
    (2200, "Sales Tax Control Account", "CURRENT_LIABILITY", (False, False, False)),
    (4000, "Sales Type A", "SALES", (True, False, False)),
    (4010, "Sales Type B", "SALES", (True, False, False)),
    (4900, "Other income", "OTHER_INCOME", (True, False, False)),
    (5000, "Cost of sales - goods", "DIRECT_EXPENSES", (False, True, False)),
    (7100, "Rent", "OVERHEADS", (False, True, False)),
    (8200, "Donations", "OVERHEADS", (False, True, False)),
)
_TYPE_NAMES = {
    "CURRENT_ASSETS": "Current Assets", "BANK": "Bank", "CURRENT_LIABILITY": "Current Liability",
    "SALES": "Sales", "OTHER_INCOME": "Other Income", "DIRECT_EXPENSES": "Direct Expenses",
    "OVERHEADS": "Overheads",
}
# id, name, percentage
TAX_RATES: tuple[tuple[str, str, str], ...] = (
    ("GB_STANDARD", "Standard 20.00%", "20"),
    ("GB_REDUCED", "Reduced 5.00%", "5"),
    ("GB_ZERO", "Zero 0.00%", "0"),
    ("GB_EXEMPT", "Exempt 0.00%", "0"),
    ("GB_NO_TAX", "No Tax", "0"),
)
_BANKS = {1200: ("Current", "CHECKING", "Current"), 1210: ("Savings", "SAVINGS", "Savings")}


def _link(collection: str, object_id: str, displayed_as: str) -> dict[str, Any]:
    return {"id": object_id, "displayed_as": displayed_as, "$path": f"/{collection}/{object_id}"}


def link(collection: str, obj: dict[str, Any]) -> dict[str, Any]:
    """How Sage names another object inside one: id, displayed_as, $path."""
    return _link(collection, obj["id"], obj.get("displayed_as", ""))


def _seed_chart(business: str) -> None:
    moment = stamp()
    for code, name, type_id, (sales, expenses, banking) in _CHART:
        account_id = new_id()
        shown = f"{name} ({code})"
        account = {
            "id": account_id, "displayed_as": shown, "$path": f"/ledger_accounts/{account_id}",
            "created_at": moment, "updated_at": moment, "name": name, "display_name": name,
            "nominal_code": code, "included_in_chart": True,
            "ledger_account_type": {"id": type_id, "displayed_as": _TYPE_NAMES[type_id],
                                    "$path": f"/ledger_account_types/{type_id}"},
            "visible_in_sales": sales, "visible_in_expenses": expenses,
            "visible_in_banking": banking, "visible_in_journals": True,
            "visible_in_reporting": True, "is_control_account": code in (1100, 2100, 2200),
        }
        put(business, "ledger_accounts", account_id, account, ref=str(code))
        if code in _BANKS:
            holder, kind, label = _BANKS[code]
            bank_id = new_id()
            put(business, "bank_accounts", bank_id, {
                "id": bank_id, "displayed_as": f"{label} ({code})",
                "$path": f"/bank_accounts/{bank_id}", "created_at": moment,
                "updated_at": moment, "nominal_code": code, "balance": 0,
                "bank_account_details": {"account_name": holder},
                "bank_account_type": {"id": kind, "displayed_as": kind.title(),
                                      "$path": f"/bank_account_types/{kind}"},
                "ledger_account": _link("ledger_accounts", account_id, shown),
                "editable": True, "deletable": False,
            }, ref=str(code))
    for rate_id, name, percent in TAX_RATES:
        put(business, "tax_rates", rate_id, {
            "id": rate_id, "displayed_as": name, "$path": f"/tax_rates/{rate_id}",
            "name": name, "agency": "HMRC", "percentage": float(percent),
            "is_visible": True, "retailer": False, "editable": False, "deletable": False,
            "is_combined_rate": False,
        }, ref=rate_id)


def create_business(name: str, owner: str = GUEST) -> dict[str, Any]:
    """A new UK business with its chart, VAT rates, bank accounts and financial settings (not
    committed), belonging to `owner` (whose consent pages alone offer it)."""
    business_id = new_id()
    set_owner(PACKAGE, business_id, owner)
    moment = stamp()
    business = {"id": business_id, "displayed_as": name, "name": name,
                "$path": f"/businesses/{business_id}", "created_at": moment,
                "updated_at": moment, "country": {"id": "GB", "displayed_as": "United Kingdom"},
                PRIVATE: {"year_end_lockdown_date": None, "vat_submitted_until": None,
                          "numbers": {}}}
    put(GLOBAL, BUSINESSES, business_id, business, ref=name)
    _seed_chart(business_id)
    return business


def businesses_of(owner: str) -> list[dict[str, Any]]:
    """The businesses a consent page offers this owner; a first visit seeds one."""
    mine = owned_tenants(PACKAGE, owner)
    found = [b for b in find_data(GLOBAL, BUSINESSES) if b["id"] in mine]
    if not found:
        found = [create_business("My Sage Business", owner)]
        kit_store.commit()
    return found


def business(business_id: str) -> dict[str, Any] | None:
    return get_data(GLOBAL, BUSINESSES, business_id)


def settings_of(business_id: str) -> dict[str, Any]:
    """The business's own state: lock date, VAT submitted until, document numbers."""
    found = business(business_id)
    return dict((found or {}).get(PRIVATE) or {})


def _change_settings(business_id: str, **changes: Any) -> None:
    found = business(business_id)
    if found is None:
        raise LookupError(f"no sandbox business {business_id}")
    found[PRIVATE] = dict(found.get(PRIVATE) or {}) | changes
    put(GLOBAL, BUSINESSES, business_id, found, ref=found["name"])


def next_number(business_id: str, prefix: str) -> str:
    """Sage's own document numbers, per business and kind: SI-1, SI-2...; SCN-1..."""
    numbers = dict(settings_of(business_id).get("numbers") or {})
    numbers[prefix] = int(numbers.get(prefix, 0)) + 1
    _change_settings(business_id, numbers=numbers)
    return f"{prefix}-{numbers[prefix]}"


# ---------------------------------------------------------------- what only Sage's pages change


def set_lock_date(business_id: str, on: date | None) -> None:
    """Settings > Financial settings: the year end lockdown date (None: unlocked)."""
    _change_settings(business_id, year_end_lockdown_date=on.isoformat() if on else None)


def set_vat_submitted_until(business_id: str, on: date | None) -> None:
    """A VAT return submitted to HMRC, up to and including `on`."""
    _change_settings(business_id, vat_submitted_until=on.isoformat() if on else None)


def set_included_in_chart(business_id: str, nominal_code: int, included: bool) -> None:
    """Hide (or show again) a ledger account in the chart of accounts."""
    rows = find_data(business_id, "ledger_accounts", ref=str(nominal_code))
    if not rows:
        raise LookupError(f"no ledger account {nominal_code} in business {business_id}")
    account = rows[0] | {"included_in_chart": included, "updated_at": stamp()}
    put(business_id, "ledger_accounts", account["id"], account, ref=str(nominal_code))


def set_contact_active(business_id: str, contact_id: str, active: bool) -> None:
    """Make a contact inactive (or active again), as Sage's contact page does."""
    contact = get_data(business_id, "contacts", contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id} in business {business_id}")
    contact[PRIVATE] = dict(contact.get(PRIVATE) or {}) | {"inactive": not active}
    put(business_id, "contacts", contact_id, contact, ref=contact.get("reference") or "")


def is_inactive(obj: dict[str, Any]) -> bool:
    return bool((obj.get(PRIVATE) or {}).get("inactive"))


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as the API shows it: without the sandbox's own state."""
    return {k: v for k, v in obj.items() if k != PRIVATE}
