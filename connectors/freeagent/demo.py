"""FreeAgent's part of the scripted demo: the sandbox company and its UK categories."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import Credentials
from connectors.demo_setup import DemoSetup


def _sandbox_details(config: Mapping[str, Any], creds: Credentials) -> dict[str, Any]:
    # {api_url}/... is FreeAgent's own API; the token names the company.
    api = f"{config['FREEAGENT_API_URL']}/v2"
    return {"api_url": api, "access_token": creds.access_token, "company": f"{api}/company"}


DEMO = DemoSetup(
    tenant_name="Acme Heating Ltd (FreeAgent sandbox)",
    # Categories by nominal code; the bank by its bank category's code; VAT by our own codes.
    accounts={
        "sales": "001",  # Sales
        "materials_sales": "001",
        "callout_fees": "002",  # Service income
        "bank": "750-1",  # Business Current Account
        "expenses": "285",  # Accommodation and Meals
    },
    tax_rates={"standard": "20", "reduced": "5", "zero": "0", "exempt": "exempt"},
    sandbox_details=_sandbox_details,
)
