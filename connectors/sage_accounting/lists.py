"""Sage's lists read into our shapes: ledger and bank accounts (by nominal code, as a bookkeeper
sees them in Sage), tax rates, contacts; and the chart a pusher turns our codes into Sage's ids
with, read once per connector (per run)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.base import Address, Contact, LedgerAccount, PackageTaxRate
from connectors.sage_accounting.client import SageClient

# Ledger account types whose accounts take sales (visible_in_sales says it per account too).
_SALES_TYPES = {"SALES", "OTHER_INCOME"}
_EXPENSE_TYPES = {"DIRECT_EXPENSES", "OVERHEADS", "DEPRECIATION", "OTHER_EXPENSE"}


def text(value: Any) -> str:
    return str(value) if isinstance(value, str | int | Decimal) and not isinstance(
        value, bool) else ""


def sub(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def ledger_account(item: Mapping[str, Any]) -> LedgerAccount | None:
    """A ledger account by its nominal code; None for one without (nothing to map to). Bank
    accounts come from GET /bank_accounts instead (a receipt needs a bank account's id)."""
    code = text(item.get("nominal_code"))
    type_id = text(sub(item, "ledger_account_type").get("id"))
    if not code or not text(item.get("id")) or type_id == "BANK":
        return None
    if item.get("visible_in_sales") is True or (
            "visible_in_sales" not in item and type_id in _SALES_TYPES):
        kind = "sales"
    elif item.get("visible_in_expenses") is True or type_id in _EXPENSE_TYPES:
        kind = "expense"
    else:
        kind = "other"
    return LedgerAccount(
        code=code,
        name=text(item.get("display_name")) or text(item.get("name")) or code,
        type=type_id,
        kind=kind,  # type: ignore[arg-type]
        active=item.get("included_in_chart") is not False,
    )


def bank_account(item: Mapping[str, Any]) -> LedgerAccount | None:
    code = text(item.get("nominal_code"))
    if not code or not text(item.get("id")):
        return None
    name = (text(sub(item, "bank_account_details").get("account_name"))
            or text(item.get("displayed_as")) or code)
    return LedgerAccount(code=code, name=name, type="BANK", kind="bank")


def tax_rate(item: Mapping[str, Any]) -> PackageTaxRate | None:
    code = text(item.get("id"))
    rate = decimal(item.get("percentage"))
    if not code or rate is None:
        return None
    # unverified: is_visible false is a rate the business has switched off in its settings.
    return PackageTaxRate(code=code, name=text(item.get("name")) or text(
        item.get("displayed_as")) or code, rate=rate, active=item.get("is_visible") is not False)


def contact_types(item: Mapping[str, Any]) -> set[str]:
    kinds = item.get("contact_types")
    return {text(k.get("id")) for k in kinds if isinstance(k, dict)} if isinstance(
        kinds, list) else set()


def contact(item: Mapping[str, Any]) -> Contact | None:
    contact_id = text(item.get("id"))
    if not contact_id:
        return None
    person = sub(item, "main_contact_person")
    a = sub(item, "main_address")
    kinds = contact_types(item)
    return Contact(
        external_id=contact_id,
        name=text(item.get("name")) or text(item.get("displayed_as")),
        is_customer="CUSTOMER" in kinds,
        is_supplier="VENDOR" in kinds,
        reference=text(item.get("reference")),
        email=text(item.get("email")) or text(person.get("email")),
        phone=text(person.get("telephone")) or text(person.get("mobile")),
        address=Address(line1=text(a.get("address_line_1")), line2=text(a.get("address_line_2")),
                        city=text(a.get("city")), postcode=text(a.get("postal_code")),
                        country=text(sub(a, "country").get("id"))),
    )


class Chart:
    """Our codes -> Sage's ids, read from Sage's lists on first use and kept for the run."""

    def __init__(self, client: SageClient) -> None:
        self.client = client
        self._ledger: dict[str, str] | None = None
        self._banks: dict[str, str] | None = None

    def ledger_ids(self) -> dict[str, str]:
        """Every ledger account's id by nominal code, hidden ones too: Sage itself says when
        one cannot take sales, in its own words."""
        if self._ledger is None:
            self._ledger = {text(i.get("nominal_code")): text(i["id"])
                            for i in self.client.items("ledger_accounts")
                            if text(i.get("nominal_code")) and text(i.get("id"))}
        return self._ledger

    def bank_ids(self) -> dict[str, str]:
        if self._banks is None:
            self._banks = {text(i.get("nominal_code")): text(i["id"])
                           for i in self.client.items("bank_accounts")
                           if text(i.get("nominal_code")) and text(i.get("id"))}
        return self._banks
