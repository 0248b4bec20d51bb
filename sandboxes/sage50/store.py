"""The simulated Sage 50 companies' objects in the kit's object store (package "sage50",
tenant = the company's id): customers, suppliers, nominal codes, tax codes and posted
transaction headers (their splits and allocations inside each header).

Each collection's `ref` is the object's key as Sage looks it up: the account reference, the
nominal code, the tax code's number as text, a header's INV_REF. Account references are upper
case in Sage, so they are stored as given (the rules refuse lower case).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sandboxes.kit.redis_conn import get_redis
from sandboxes.kit.store import Companies, ObjectStore

PACKAGE = "sage50"
COMPANIES = "companies"
CUSTOMERS = "customers"
SUPPLIERS = "suppliers"
NOMINALS = "nominals"
TAX_CODES = "tax_codes"
HEADERS = "headers"
LEDGERS = {"sales": CUSTOMERS, "purchase": SUPPLIERS}
LOCK_SECONDS = 60

_objects = ObjectStore(PACKAGE)
get_data, find_data, put = _objects.get_data, _objects.find_data, _objects.put


# Each company under a random id, never guessed, never reused (the kit's Companies).
_companies = Companies(_objects, COMPANIES)
company, save_company, new_company_id = _companies.get, _companies.save, _companies.new_id


def next_tran_number(company_id: str) -> int:
    """The audit trail's next transaction number: one sequence per company, never reused
    (call under `writing`)."""
    found = company(company_id)
    if found is None:
        raise KeyError(company_id)
    number = int(found.get("tran_counter", 0)) + 1
    found["tran_counter"] = number
    save_company(found)
    return number


def by_ref(company_id: str, collection: str, ref: str) -> dict[str, Any] | None:
    found = find_data(company_id, collection, ref=ref)
    return found[0] if found else None


def save(company_id: str, collection: str, object_id: str, data: dict[str, Any],
         ref: str) -> None:
    put(company_id, collection, object_id, data, ref=ref)


@contextmanager
def writing(company_id: str) -> Iterator[None]:
    """One write at a time per company, as Sage 50 locks its ledgers while posting: posting
    numbers and invoices' amounts paid never race between two agents or web processes."""
    lock = get_redis().lock(f"sandbox:sage50:write:{company_id}", timeout=LOCK_SECONDS,
                            blocking_timeout=LOCK_SECONDS)
    with lock:
        yield
