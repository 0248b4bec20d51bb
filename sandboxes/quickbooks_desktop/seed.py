"""A UK company file as a new QuickBooks Desktop UK company might hold it, seeded once:
a bank account ("Current Account"), Accounts Receivable, income accounts, VAT items and the
VAT codes that use them (S 20%, R 5%, Z 0%, E exempt, O outside the scope), and the service,
non-inventory and other charge items our lines post through, each tied to an income account.

The names of the VAT codes and items follow QuickBooks UK's own ("20.0% S"...: unverified,
from screenshots integrators publish); nothing else about them is QuickBooks' fixed data.
"""

from __future__ import annotations

from typing import Any

from sandboxes.kit import store as kit_store
from sandboxes.quickbooks_desktop import store
from sandboxes.quickbooks_desktop.replies import ref

# FullName, AccountType, AccountNumber
ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("Current Account", "Bank", "1200"),
    ("Savings Account", "Bank", "1210"),
    ("Accounts Receivable", "AccountsReceivable", "1100"),
    ("Undeposited Funds", "OtherCurrentAsset", "1230"),
    ("VAT Control", "OtherCurrentLiability", "2200"),
    ("Labour Income", "Income", "4000"),
    ("Materials Income", "Income", "4010"),
    ("Other Income", "OtherIncome", "4900"),
)
# Name, rate, description
VAT_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("20.0% S", "20", "Standard rate sales"),
    ("5.0% R", "5", "Reduced rate sales"),
    ("0.0% Z", "0", "Zero rated sales"),
    ("0.0% E", "0", "Exempt sales"),
    ("0.0% O", "0", "Sales outside the scope of VAT"),
)
# Name, taxable, description, VAT item
TAX_CODES: tuple[tuple[str, bool, str, str], ...] = (
    ("S", True, "Standard", "20.0% S"),
    ("R", True, "Reduced", "5.0% R"),
    ("Z", True, "Zero-rated", "0.0% Z"),
    ("E", False, "Exempt", "0.0% E"),
    ("O", False, "Outside the scope", "0.0% O"),
)
# FullName, Type, income account, price, description, active
ITEMS: tuple[tuple[str, str, str, str, str, bool], ...] = (
    ("Labour", "Service", "Labour Income", "45", "Labour (per hour)", True),
    ("Materials", "NonInventory", "Materials Income", "0", "Materials", True),
    ("Parts", "NonInventory", "Materials Income", "0", "Parts", True),
    ("Parts:Fittings", "NonInventory", "Materials Income", "0", "Fittings", True),
    ("Call-out charge", "OtherCharge", "Labour Income", "60", "Call-out charge", True),
    ("Old labour rate", "Service", "Labour Income", "35", "Labour before 2024", False),
)


def _list_object(company_id: str, full_name: str, **fields: Any) -> dict[str, Any]:
    made = store.stamp()
    name = full_name.rsplit(":", 1)[-1]
    data: dict[str, Any] = {"ListID": store.new_list_id(company_id), "TimeCreated": made,
                            "TimeModified": made, "EditSequence": store.edit_sequence(),
                            "Name": name, "FullName": full_name, "IsActive": True}
    data.update(fields)
    return data


def _seed(company_id: str) -> None:
    accounts = {}
    for full_name, kind, number in ACCOUNTS:
        account = _list_object(company_id, full_name, Sublevel="0", AccountType=kind,
                               AccountNumber=number, Balance="0.00", TotalBalance="0.00")
        store.save(company_id, store.ACCOUNTS, account, "ListID", full_name)
        accounts[full_name] = account
    vat_items = {}
    for name, rate, desc in VAT_ITEMS:
        item = _list_object(company_id, name, Type="SalesTax", ItemDesc=desc, TaxRate=rate)
        store.save(company_id, store.ITEMS, item, "ListID", name)
        vat_items[name] = item
    codes = {}
    for name, taxable, desc, vat in TAX_CODES:
        code = _list_object(company_id, name, IsTaxable=taxable, Desc=desc,
                            ItemSalesTaxRef=ref(vat_items[vat]))
        store.save(company_id, store.TAX_CODES, code, "ListID", name)
        codes[name] = code
    parents: dict[str, dict[str, Any]] = {}
    for full_name, kind, income, price, desc, active in ITEMS:
        parent_name = full_name.rpartition(":")[0]
        extra: dict[str, Any] = {}
        if parent_name:
            extra["ParentRef"] = ref(parents[parent_name])
        item = _list_object(company_id, full_name, Type=kind, IsActive=active, **extra,
                            Sublevel=str(full_name.count(":")),
                            SalesTaxCodeRef=ref(codes["S"]),
                            SalesOrPurchase={"Desc": desc, "Price": price + ".00",
                                             "AccountRef": ref(accounts[income])})
        store.save(company_id, store.ITEMS, item, "ListID", full_name)
        parents[full_name] = item


def ensure_company(company_id: str, name: str) -> dict[str, Any]:
    """The company file `company_id`, made, seeded and committed on first use. Idempotent, and
    safe from several processes at once (under the company's write lock): a second call finds
    the first's and changes nothing."""
    with store.writing(company_id):
        kit_store.rollback()  # read afresh under the lock
        found = store.company(company_id)
        if found is not None:
            return found
        made = {"id": company_id, "name": name, "created": store.stamp(), "list_counter": 0,
                "txn_counter": 0}
        store.save_company(made)
        _seed(company_id)
        kit_store.commit()
        return store.company(company_id) or made


def create_company(name: str) -> str:
    """A new seeded company file under a fresh id (committed); its id."""
    company_id = store.new_company_id()
    ensure_company(company_id, name)
    return company_id
