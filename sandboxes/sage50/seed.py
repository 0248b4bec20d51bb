"""A new UK company as Sage 50 Accounts' standard chart of accounts seeds one: the nominal
codes our documents post through (a subset of Sage's UK chart; the codes and names are Sage's
own defaults as bookkeepers know them) and the usual UK tax codes T0 T1 T2 T5 T9.
"""

from __future__ import annotations

import secrets

from sandboxes.kit import store as kit_store
from sandboxes.sage50 import store

USERNAME = "manager"  # Sage 50's first user is always MANAGER
NOMINALS: tuple[tuple[str, str], ...] = (
    ("0030", "Office Equipment"),
    ("1100", "Debtors Control Account"),
    ("1200", "Bank Current Account"),
    ("1210", "Bank Deposit Account"),
    ("1230", "Petty Cash"),
    ("2100", "Creditors Control Account"),
    ("2200", "Sales Tax Control Account"),
    ("2201", "Purchase Tax Control Account"),
    ("4000", "Sales Type A"),
    ("4010", "Sales Type B"),
    ("4900", "Miscellaneous Income"),
    ("5000", "Materials Purchased"),
    ("7100", "Rent and Rates"),
    ("7500", "Office Costs"),
    ("9998", "Suspense Account"),
)
# number, description, rate
TAX_CODES: tuple[tuple[int, str, str], ...] = (
    (0, "Zero rated", "0.00"),
    (1, "Standard rate", "20.00"),
    (2, "Exempt", "0.00"),
    (5, "Reduced rate", "5.00"),
    (9, "Outside the scope of VAT", "0.00"),
)


def create_company(name: str) -> dict[str, str]:
    """A new seeded company (committed): its id, user name and password."""
    with_id = store.new_company_id()
    password = secrets.token_urlsafe(12)
    with store.writing(with_id):
        store.save_company({"id": with_id, "name": name, "username": USERNAME,
                            "password": password, "lock_date": None, "busy": False,
                            "tran_counter": 0})
        for code, title in NOMINALS:
            store.save(with_id, store.NOMINALS, code, {"ACCOUNT_REF": code, "NAME": title},
                       ref=code)
        for number, description, rate in TAX_CODES:
            store.save(with_id, store.TAX_CODES, str(number),
                       {"TAX_CODE": number, "DESCRIPTION": description, "RATE": rate},
                       ref=str(number))
        kit_store.commit()
    return {"company_id": with_id, "username": USERNAME, "password": password}
