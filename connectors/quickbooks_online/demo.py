"""QuickBooks Online's part of the scripted demo: a sandbox company (sandbox_store.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import Credentials, Tenant
from connectors.demo_setup import DemoSetup


def _sandbox_details(config: Mapping[str, Any], creds: Credentials) -> dict[str, Any]:
    # {api_url}/v3/company/{realm_id}/... is QuickBooks Online's own API.
    return {
        "api_url": config["QBO_API_URL"],
        "realm_id": creds.tenant_id,
        "access_token": creds.access_token,
    }


def _pick_tenant(tenants: list[Tenant], callback: Mapping[str, str], name: str) -> Tenant:
    # The realmId arrives with the code in the callback, as from Intuit.
    return next((t for t in tenants if t.id == callback.get("realmId")), tenants[0])


DEMO = DemoSetup(
    tenant_name="Acme Heating Ltd (QuickBooks sandbox)",
    # Sales lines post through items, so our sales accounts map to item ids; bank and
    # expenses to account ids; VAT rates to tax code ids.
    accounts={
        "sales": "1",  # item "Services"
        "materials_sales": "2",  # item "Materials"
        "callout_fees": "3",  # item "Call-out"
        "bank": "35",  # account "Current account"
        "expenses": "52",  # account "General expenses"
    },
    tax_rates={
        "standard": "2",  # 20.0% S
        "reduced": "3",  # 5.0% R
        "zero": "4",  # 0.0% Z
        "exempt": "5",  # Exempt
    },
    sandbox_details=_sandbox_details,
    pick_tenant=_pick_tenant,
)
