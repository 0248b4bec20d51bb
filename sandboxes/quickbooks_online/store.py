"""The QuickBooks Online sandbox's books: companies (realms) and their lists, in the kit's object
store (package "quickbooks_online"), plus the sandbox clock and QBO's time format.

Each realm's objects live under tenant=<realmId> with collection=<Entity> ("Customer", "Invoice",
...) and object_id=<Id>. Ids are per-realm, per-entity counters, handed out under the realm's
write lock (see sandbox.py), so parallel creates never collide.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandboxes.kit import store as kit_store
from sandboxes.kit.consent import GUEST, owned_tenants, set_owner
from sandboxes.kit.store import GLOBAL, ObjectStore

PACKAGE = "quickbooks_online"
store = ObjectStore(PACKAGE)
get, get_data, find, find_data, put = (
    store.get, store.get_data, store.find, store.find_data, store.put)

__all__ = ["GLOBAL", "PACKAGE", "get", "get_data", "find", "find_data", "put"]


def now() -> float:
    """Seconds since the epoch. Tests monkeypatch this to move the sandbox's clock."""
    return time.time()


def stamp(moment: float | None = None) -> str:
    """QBO's timestamps: 2024-05-01T10:00:00+00:00 (the sandbox keeps its companies in UTC)."""
    when = datetime.fromtimestamp(now() if moment is None else moment, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def response_time() -> str:
    when = datetime.fromtimestamp(now(), UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+00:00"


def meta(created: str | None = None) -> dict[str, str]:
    moment = stamp()
    return {"CreateTime": created or moment, "LastUpdatedTime": moment}


def next_id(realm: str, entity: str, start: int = 1) -> str:
    """The next Id for an entity in a realm (the caller holds the realm's write lock)."""
    counter = get_data(realm, "counters", entity) or {"next": start}
    value = int(counter["next"])
    put(realm, "counters", entity, {"next": value + 1})
    return str(value)


def entity_base(object_id: str) -> dict[str, Any]:
    return {"domain": "QBO", "sparse": False, "Id": object_id, "SyncToken": "0",
            "MetaData": meta()}


# ---------------------------------------------------------------- seeding a UK company

# id, name, type, subtype, classification, active
_ACCOUNTS: list[tuple[str, str, str, str, str, bool]] = [
    ("1", "Sales", "Income", "SalesOfProductIncome", "Revenue", True),
    ("2", "Services", "Income", "ServiceFeeIncome", "Revenue", True),
    ("3", "Other income", "Income", "OtherPrimaryIncome", "Revenue", True),
    ("4", "Old sales", "Income", "SalesOfProductIncome", "Revenue", False),
    ("35", "Current account", "Bank", "Checking", "Asset", True),
    ("36", "Savings account", "Bank", "Savings", "Asset", True),
    ("40", "Debtors", "Accounts Receivable", "AccountsReceivable", "Asset", True),
    ("41", "Creditors", "Accounts Payable", "AccountsPayable", "Liability", True),
    ("42", "VAT Control", "Other Current Liability", "GlobalTaxPayable", "Liability", True),
    ("50", "Cost of sales", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense", True),
    ("51", "Advertising", "Expense", "AdvertisingPromotional", "Expense", True),
    ("52", "General expenses", "Expense", "OtherMiscellaneousServiceCost", "Expense", True),
]

# id, name, income account id, active
_ITEMS: list[tuple[str, str, str, bool]] = [
    ("1", "Services", "1", True),
    ("2", "Materials", "1", True),
    ("3", "Call-out", "2", True),
    ("4", "Discontinued work", "1", False),
]

# tax code id, code name, description, sales rate id, rate, purchase rate id
_TAX_CODES: list[tuple[str, str, str, str, str, str]] = [
    ("2", "20.0% S", "Standard rated 20%", "4", "20", "5"),
    ("3", "5.0% R", "Reduced rate 5%", "6", "5", "7"),
    ("4", "0.0% Z", "Zero rated", "8", "0", "9"),
    ("5", "Exempt", "Exempt from VAT", "10", "0", "11"),
    ("6", "No VAT", "Outside the scope of VAT", "12", "0", "13"),
]

FIRST_ID = {"Account": 100, "Item": 10, "Customer": 1, "Vendor": 1, "Invoice": 1,
            "CreditMemo": 1, "Payment": 1, "Employee": 2}


def companies(owner: str | None = None) -> list[dict[str, Any]]:
    """Every company, or (with `owner`) only that Ledgerlink company's."""
    found = find_data(GLOBAL, "companies")
    if owner is None:
        return found
    mine = owned_tenants(PACKAGE, owner)
    return [c for c in found if c["realmId"] in mine]


def _account(account_id: str, name: str, acc_type: str, subtype: str, classification: str,
             active: bool) -> dict[str, Any]:
    return entity_base(account_id) | {
        "Name": name, "SubAccount": False, "FullyQualifiedName": name, "Active": active,
        "Classification": classification, "AccountType": acc_type, "AccountSubType": subtype,
        "CurrentBalance": 0, "CurrentBalanceWithSubAccounts": 0,
        "CurrencyRef": {"value": "GBP", "name": "British Pound Sterling"},
    }


def service_item(item_id: str, name: str, account: dict[str, Any], active: bool = True,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return entity_base(item_id) | {
        "Name": name, "Description": name, "Active": active, "FullyQualifiedName": name,
        "Taxable": False, "UnitPrice": 0, "Type": "Service",
        "IncomeAccountRef": {"value": account["Id"], "name": account["Name"]},
        "PurchaseCost": 0, "TrackQtyOnHand": False,
    } | (extra or {})


def create_company(name: str, owner: str = GUEST) -> dict[str, Any]:
    """A new UK company (realm) with accounts, items, VAT codes and one employee (not committed),
    belonging to `owner` (a Ledgerlink company id; its consent pages alone offer it).
    """
    realm = "9130" + "".join(secrets.choice("0123456789") for _ in range(12))
    set_owner(PACKAGE, realm, owner)
    info = entity_base("1") | {
        "CompanyName": name, "LegalName": name, "Country": "GB",
        "CompanyAddr": {"Id": "1", "Line1": "1 High Street", "City": "London",
                        "Country": "GB", "PostalCode": "SW1A 1AA"},
        "SupportedLanguages": "en", "FiscalYearStartMonth": "April",
        "CompanyStartDate": stamp()[:10], "realmId": realm,
    }
    put(GLOBAL, "companies", realm, {"realmId": realm, "CompanyName": name}, ref=name)
    put(realm, "CompanyInfo", "1", info)
    accounts = {}
    for row in _ACCOUNTS:
        accounts[row[0]] = _account(*row)
        put(realm, "Account", row[0], accounts[row[0]], ref=row[1])
    for item_id, item_name, account_id, active in _ITEMS:
        put(realm, "Item", item_id, service_item(item_id, item_name, accounts[account_id],
                                                 active), ref=item_name)
    for code_id, code, description, sales_rate, rate, purchase_rate in _TAX_CODES:
        for rate_id, suffix in ((sales_rate, "Sales"), (purchase_rate, "Purchases")):
            put(realm, "TaxRate", rate_id, entity_base(rate_id) | {
                "Name": f"{code} ({suffix})", "Description": description, "Active": True,
                "RateValue": float(rate), "AgencyRef": {"value": "1"},
                "SpecialTaxType": "NONE", "DisplayType": "ReadOnly",
            })
        put(realm, "TaxCode", code_id, entity_base(code_id) | {
            "Name": code, "Description": description, "Active": True, "Hidden": False,
            "Taxable": rate != "0" or code_id == "4", "TaxGroup": True,
            "SalesTaxRateList": {"TaxRateDetail": [{
                "TaxRateRef": {"value": sales_rate, "name": f"{code} (Sales)"},
                "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]},
            "PurchaseTaxRateList": {"TaxRateDetail": [{
                "TaxRateRef": {"value": purchase_rate, "name": f"{code} (Purchases)"},
                "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]},
        }, ref=code)
    put(realm, "Employee", "1", entity_base("1") | {
        "DisplayName": "Sam Employee", "GivenName": "Sam", "FamilyName": "Employee",
        "PrintOnCheckName": "Sam Employee", "Active": True,
    }, ref="sam employee")
    for entity, first in FIRST_ID.items():
        put(realm, "counters", entity, {"next": first})
    return {"realmId": realm, "CompanyName": name}


def ensure_default_company(owner: str = GUEST) -> list[dict[str, Any]]:
    """The companies the consent page offers this owner; its first visit seeds one."""
    found = companies(owner)
    if not found:
        create_company("Sandbox Company_GB_1", owner)
        kit_store.commit()
        found = companies(owner)
    return found


def sales_rate(realm: str, code: dict[str, Any]) -> tuple[str, Decimal]:
    """(TaxRate id, percentage) of a tax code's sales rate."""
    detail = code.get("SalesTaxRateList", {}).get("TaxRateDetail") or [{}]
    rate_id = str(detail[0].get("TaxRateRef", {}).get("value", ""))
    rate = get_data(realm, "TaxRate", rate_id)
    return rate_id, Decimal(str(rate["RateValue"])) if rate else Decimal(0)
