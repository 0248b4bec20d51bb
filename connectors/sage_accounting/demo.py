"""Sage Accounting's part of the scripted demo: a sandbox business with Sage's UK chart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import Credentials
from connectors.demo_setup import DemoSetup


def _sandbox_details(config: Mapping[str, Any], creds: Credentials) -> dict[str, Any]:
    # {api_url}/... is Sage's own API; every call but /businesses names the business in the
    # X-Business header.
    return {
        "api_url": config["SAGE_API_URL"],
        "business_id": creds.tenant_id,
        "access_token": creds.access_token,
    }


DEMO = DemoSetup(
    tenant_name="Acme Heating Ltd (Sage sandbox)",
    # Ledger and bank accounts by nominal code, VAT rates by Sage's tax rate ids.
    accounts={
        "sales": "4000",  # Sales Type A
        "materials_sales": "4000",
        "callout_fees": "4010",  # Sales Type B
        "bank": "1200",  # Current
        "expenses": "5000",  # Cost of sales - goods
    },
    tax_rates={
        "standard": "GB_STANDARD",
        "reduced": "GB_REDUCED",
        "zero": "GB_ZERO",
        "exempt": "GB_EXEMPT",
    },
    sandbox_details=_sandbox_details,
)
