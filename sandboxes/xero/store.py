"""The Xero sandbox's books: every object lives in the kit's object store, so the web and worker
processes see the same organisations, tokens and documents. Also the sandbox clock and Xero's
date formats."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sandboxes.kit import store as kit_store
from sandboxes.kit.consent import GUEST, owned_tenants, set_owner
from sandboxes.kit.money import to_pennies
from sandboxes.kit.store import GLOBAL, ObjectStore

PACKAGE = "xero"
_objects = ObjectStore(PACKAGE)
get, get_data, find, find_data, put, delete = (
    _objects.get, _objects.get_data, _objects.find, _objects.find_data, _objects.put,
    _objects.delete)

__all__ = ["GLOBAL", "PACKAGE", "delete", "find", "find_data", "get", "get_data", "put"]


def now() -> float:
    """Seconds since the epoch. Tests monkeypatch this to move the sandbox's clock."""
    return time.time()


def utcnow() -> datetime:
    return datetime.fromtimestamp(now(), UTC)


def new_id() -> str:
    return str(uuid.uuid4())


# ---------------------------------------------------------------- Xero's dates and numbers


def msdate(moment: datetime | date) -> str:
    """Xero's JSON dates: /Date(1577836800000+0000)/."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def msdate_now() -> str:
    return msdate(utcnow())


def datestring(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def parse_date(value: Any) -> date:
    """A date as Xero accepts it: 2024-01-31, 2024-01-31T00:00:00 or /Date(ms+0000)/."""
    if not isinstance(value, str):
        raise ValueError("not a date")
    match = _MSDATE.match(value.strip())
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).date()
    return date.fromisoformat(value.strip()[:10])


def money(value: Decimal) -> float | int:
    """Amounts go out as JSON numbers with two decimals' worth of precision."""
    return float(to_pennies(value))


# ---------------------------------------------------------------- organisations


_ACCOUNTS: list[tuple[str, str, str, str, str, str]] = [
    # code, name, type, class, tax type, status
    ("090", "Business Bank Account", "BANK", "ASSET", "NONE", "ACTIVE"),
    ("091", "Business Savings Account", "BANK", "ASSET", "NONE", "ACTIVE"),
    ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT2", "ACTIVE"),
    ("205", "Old Sales", "REVENUE", "REVENUE", "OUTPUT2", "ARCHIVED"),
    ("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT2", "ACTIVE"),
    ("270", "Interest Income", "REVENUE", "REVENUE", "EXEMPTOUTPUT", "ACTIVE"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "INPUT2", "ACTIVE"),
    ("400", "Advertising", "OVERHEADS", "EXPENSE", "INPUT2", "ACTIVE"),
    ("429", "General Expenses", "OVERHEADS", "EXPENSE", "INPUT2", "ACTIVE"),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "NONE", "ACTIVE"),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE", "ACTIVE"),
    ("820", "VAT", "CURRLIAB", "LIABILITY", "NONE", "ACTIVE"),
    ("855", "Clearing Account", "CURRLIAB", "LIABILITY", "NONE", "ACTIVE"),
]
_SYSTEM = {"610": "DEBTORS", "800": "CREDITORS", "820": "GST"}
_PURCHASE_SIDE = {"INPUT", "EXEMPTINPUT"}

_TAX_RATES: list[tuple[str, str, str, str]] = [
    # tax type, name, rate, report tax type
    ("OUTPUT2", "20% (VAT on Income)", "20", "OUTPUT"),
    ("RROUTPUT", "5% (VAT on Income)", "5", "OUTPUT"),
    ("ZERORATEDOUTPUT", "Zero Rated Income", "0", "OUTPUT"),
    ("EXEMPTOUTPUT", "Exempt Income", "0", "EXEMPTOUTPUT"),
    ("NONE", "No VAT", "0", "NONE"),
    ("INPUT2", "20% (VAT on Expenses)", "20", "INPUT"),
    ("RRINPUT", "5% (VAT on Expenses)", "5", "INPUT"),
    ("ZERORATEDINPUT", "Zero Rated Expenses", "0", "INPUT"),
    ("EXEMPTINPUT", "Exempt Expenses", "0", "EXEMPTINPUT"),
]


def organisations(owner: str | None = None) -> list[dict[str, Any]]:
    """Every organisation, or (with `owner`) only that Ledgerlink company's."""
    orgs = find_data(GLOBAL, "organisations")
    if owner is None:
        return orgs
    mine = owned_tenants(PACKAGE, owner)
    return [org for org in orgs if org["OrganisationID"] in mine]


def create_organisation(name: str, owner: str = GUEST) -> dict[str, Any]:
    """A new UK organisation with a chart of accounts and VAT rates (not committed), belonging
    to `owner` (a Ledgerlink company id; its consent pages alone offer it)."""
    tenant_id = new_id()
    set_owner(PACKAGE, tenant_id, owner)
    org = {
        "OrganisationID": tenant_id,
        "APIKey": "",
        "Name": name,
        "LegalName": name,
        "PaysTax": True,
        "Version": "UK",
        "OrganisationType": "COMPANY",
        "BaseCurrency": "GBP",
        "CountryCode": "GB",
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "Timezone": "GMTSTANDARDTIME",
        "OrganisationEntityType": "COMPANY",
        "ShortCode": "!" + tenant_id[:5],
        "Edition": "BUSINESS",
        "Class": "STANDARD",
        "CreatedDateUTC": msdate_now(),
    }
    put(GLOBAL, "organisations", tenant_id, org, ref=name)
    for code, acc_name, acc_type, acc_class, tax_type, status in _ACCOUNTS:
        account_id = new_id()
        account: dict[str, Any] = {
            "AccountID": account_id,
            "Code": code,
            "Name": acc_name,
            "Type": acc_type,
            "Status": status,
            "TaxType": tax_type,
            "Class": acc_class,
            "EnablePaymentsToAccount": code == "855",
            "ShowInExpenseClaims": False,
            "ReportingCode": "",
            "HasAttachments": False,
            "UpdatedDateUTC": msdate_now(),
            "AddToWatchlist": False,
        }
        if acc_type == "BANK":
            account.update(
                BankAccountNumber="20000012345678" if code == "090" else "20000087654321",
                BankAccountType="BANK",
                CurrencyCode="GBP",
            )
        if code in _SYSTEM:
            account["SystemAccount"] = _SYSTEM[code]
        put(tenant_id, "Accounts", account_id, account, ref=code)
    for tax_type, tax_name, rate, report in _TAX_RATES:
        put(
            tenant_id,
            "TaxRates",
            tax_type,
            {
                "Name": tax_name,
                "TaxType": tax_type,
                "ReportTaxType": report,
                # As in a real UK organisation: income rates apply to revenue, expense
                # rates to expenses, "No VAT" to both.
                "CanApplyToAssets": True,
                "CanApplyToEquity": True,
                "CanApplyToExpenses": report in _PURCHASE_SIDE or report == "NONE",
                "CanApplyToLiabilities": True,
                "CanApplyToRevenue": report not in _PURCHASE_SIDE,
                "DisplayTaxRate": float(rate),
                "EffectiveRate": float(rate),
                "Status": "ACTIVE",
                "TaxComponents": [
                    {"Name": "VAT", "Rate": float(rate), "IsCompound": False,
                     "IsNonRecoverable": False}
                ],
            },
            ref=tax_type,
        )
    return org


def ensure_default_organisation(owner: str = GUEST) -> list[dict[str, Any]]:
    """The organisations a consent page offers this owner; its first visit seeds
    'Demo Company (UK)'."""
    orgs = organisations(owner)
    if not orgs:
        create_organisation("Demo Company (UK)", owner)
        kit_store.commit()
        orgs = organisations(owner)
    return orgs


def account_by_code(tenant: str, code: str) -> dict[str, Any] | None:
    rows = find(tenant, "Accounts", ref=code)
    return dict(rows[0].data) if rows else None


def tax_rate(tenant: str, tax_type: str) -> dict[str, Any] | None:
    return get_data(tenant, "TaxRates", tax_type)
