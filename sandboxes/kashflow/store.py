"""The KashFlow sandbox's books in the kit's object store: users (each one company, as a
KashFlow login is), their session and temporary tokens, each company's nominals, VAT rates,
customers, suppliers, invoices, credit notes and payments, and the sandbox clock.

Users and tokens belong to no company (the kit's GLOBAL tenant); a company's records are kept
under its id. Tokens are stored under their SHA-256 only.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, date, datetime
from typing import Any

from sandboxes.kit.store import GLOBAL, ObjectStore

PACKAGE = "kashflow"
USERS = "users"
TEMPORARY = "temporary_tokens"
SESSIONS = "session_tokens"
COMPANIES = "companies"
# Fields of the sandbox's own state, kept beside an object's data and never answered.
PRIVATE = "_sandbox"

_objects = ObjectStore(PACKAGE)
get_data, find_data, put, delete = (_objects.get_data, _objects.find_data, _objects.put,
                                    _objects.delete)

__all__ = ["GLOBAL", "PACKAGE", "delete", "find_data", "get_data", "put"]


def ids_with_ref(tenant: str, collection: str, ref: str) -> list[str]:
    """The object ids of a collection holding this ref (a user's tokens)."""
    return [row.object_id for row in _objects.find(tenant, collection, ref=ref)]


def now() -> float:
    """Seconds since the epoch. Tests monkeypatch this to move the sandbox's clock."""
    return time.time()


def today() -> date:
    return datetime.fromtimestamp(now(), UTC).date()


def stamp() -> str:
    """A moment as KashFlow writes one (unverified): 2024-05-01T10:00:00."""
    return datetime.fromtimestamp(now(), UTC).strftime("%Y-%m-%dT%H:%M:%S")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_key(username: str) -> str:
    """Users are found by name whatever its case (unverified: KashFlow's sign-in)."""
    return username.strip().lower()


def user(username: str) -> dict[str, Any] | None:
    return get_data(GLOBAL, USERS, user_key(username))


def save_user(found: dict[str, Any]) -> None:
    put(GLOBAL, USERS, user_key(found["UserName"]), found, ref=found["CompanyId"])


def new_company_id() -> str:
    """A company's id: drawn at random (never guessed by a client), never reused."""
    while True:
        candidate = str(100_000 + secrets.randbelow(900_000_000))
        if get_data(GLOBAL, COMPANIES, candidate) is None:
            return candidate


def company(company_id: str) -> dict[str, Any] | None:
    return get_data(GLOBAL, COMPANIES, company_id)


def save_company(found: dict[str, Any]) -> None:
    put(GLOBAL, COMPANIES, found["_id"], found)


# ---------------------------------------------------------------- the seeded UK company

# The wire contract's chart: code, name, type.
NOMINALS: tuple[tuple[int, str, str], ...] = (
    (4000, "Sales", "Sales"),
    (4010, "Sales of materials", "Sales"),
    (4900, "Other income", "Sales"),
    (5000, "Purchases", "Purchases"),
    (7000, "Wages", "Expense"),
    (7500, "Office costs", "Expense"),
    (1200, "Current account", "Bank"),
    (1210, "Savings account", "Bank"),
    (2200, "VAT liability", "Liability"),
)
# unverified: KashFlow's VAT codes; the wire contract's (code, rate, name).
VAT_RATES: tuple[tuple[str, str, str], ...] = (
    ("STANDARD", "20", "Standard rate"),
    ("REDUCED", "5", "Reduced rate"),
    ("ZERO", "0", "Zero rated"),
    ("EXEMPT", "0", "Exempt"),
    ("OUTSIDE", "0", "Outside the scope of VAT"),
)


def create_company(name: str) -> str:
    """A new VAT-registered UK company with the seeded nominals and VAT rates (not
    committed); its id."""
    company_id = new_company_id()
    save_company({"_id": company_id, "Name": name, "VatRegistered": True,
                  "LockDate": None, "Created": stamp()})
    for code, nominal_name, kind in NOMINALS:
        put(company_id, "nominals", str(code), {"Code": code, "Name": nominal_name,
                                                "Type": kind}, ref=kind)
    for code, rate, rate_name in VAT_RATES:
        put(company_id, "vatrates", code, {"Code": code, "Rate": rate, "Name": rate_name})
    return company_id


def nominal(company_id: str, code: int) -> dict[str, Any] | None:
    return get_data(company_id, "nominals", str(code))


def vat_rate(company_id: str, code: str) -> dict[str, Any] | None:
    return get_data(company_id, "vatrates", code)


def next_number(company_id: str, collection: str, first: int) -> int:
    """KashFlow's next Number in a collection (invoices from 1001, credit notes from 5001,
    payments from 7001): one more than the highest, nothing is ever deleted."""
    numbers = [int(obj["Number"]) for obj in find_data(company_id, collection)]
    return max(numbers, default=first - 1) + 1


def lock_date(company_id: str) -> date | None:
    found = company(company_id) or {}
    raw = found.get("LockDate")
    return date.fromisoformat(raw) if raw else None


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as the API shows it: without the sandbox's own state."""
    return {k: v for k, v in obj.items() if k != PRIVATE and not k.startswith("_")}
