"""The simulated company files' objects in the kit's object store (package
"quickbooks_desktop", tenant = the company file's id): accounts, items, sales tax codes,
customers, vendors, invoices, credit memos, payments, open iterators and recorded message sets.

Each collection's `ref` is the object's name (list objects) or RefNumber (transactions), folded
to lower case: QuickBooks treats names case-insensitively (unverified: what integrators report
of FullName look-ups and of "name already in use").

Ids are shaped as QuickBooks shapes them (unverified, from responses integrators publish):
ListID "80000001-1700000000" and TxnID "1A-1700000000" (a hexadecimal counter, then the
epoch second), EditSequence the epoch second as text.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sandboxes.kit.redis_conn import get_redis
from sandboxes.kit.store import Companies, ObjectStore

PACKAGE = "quickbooks_desktop"
COMPANIES = "companies"
ACCOUNTS = "accounts"
ITEMS = "items"
TAX_CODES = "sales_tax_codes"
CUSTOMERS = "customers"
VENDORS = "vendors"
INVOICES = "invoices"
CREDIT_MEMOS = "credit_memos"
PAYMENTS = "payments"
ITERATORS = "iterators"
MESSAGE_SETS = "message_sets"
LOCK_SECONDS = 60

_objects = ObjectStore(PACKAGE)
get_data, find_data, put = _objects.get_data, _objects.find_data, _objects.put
delete = _objects.delete


def now() -> float:
    """Seconds since the epoch. Tests monkeypatch this to move the company's clock."""
    return time.time()


def today() -> date:
    return datetime.fromtimestamp(now(), UTC).date()


def stamp() -> str:
    """A DATETIMETYPE as QuickBooks writes one, with its UTC offset."""
    return datetime.fromtimestamp(now(), UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def edit_sequence() -> str:
    return str(int(now()))


def fold(name: str) -> str:
    return name.strip().lower()


# Each company file under a random id, never guessed, never reused (the kit's Companies).
_companies = Companies(_objects, COMPANIES)
company, save_company, new_company_id = _companies.get, _companies.save, _companies.new_id


def _count(company_id: str, counter: str) -> int:
    found = company(company_id)
    if found is None:
        raise KeyError(company_id)
    number = int(found.get(counter, 0)) + 1
    found[counter] = number
    save_company(found)
    return number


# unverified: the shapes of ListIDs and TxnIDs (see above); only their uniqueness counts.
def new_list_id(company_id: str) -> str:
    return f"{0x80000000 + _count(company_id, 'list_counter'):08X}-{int(now())}"


def new_txn(company_id: str) -> tuple[str, int]:
    """A TxnID and the TxnNumber beside it (one sequence over every kind of transaction, as
    QuickBooks numbers them: unverified)."""
    number = _count(company_id, "txn_counter")
    return f"{number + 0x10:X}-{int(now())}", number


def ids(company_id: str, collection: str) -> list[str]:
    return [row.object_id for row in _objects.find(company_id, collection)]


def by_ref(company_id: str, collection: str, name: str) -> list[dict[str, Any]]:
    return find_data(company_id, collection, ref=fold(name))


def save(company_id: str, collection: str, data: dict[str, Any], key: str, ref: str) -> None:
    put(company_id, collection, data[key], data, ref=fold(ref))


@contextmanager
def writing(company_id: str) -> Iterator[None]:
    """One message set at a time per company file, as QuickBooks runs one request at a time:
    the counters and balances never race between web processes."""
    lock = get_redis().lock(f"sandbox:qbd:write:{company_id}", timeout=LOCK_SECONDS,
                            blocking_timeout=LOCK_SECONDS)
    with lock:
        yield
