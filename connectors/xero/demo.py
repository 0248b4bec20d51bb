"""Xero's part of the scripted demo: the sandbox organisation and its UK chart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import Credentials
from connectors.demo_setup import DemoSetup


def _sandbox_details(config: Mapping[str, Any], creds: Credentials) -> dict[str, Any]:
    return {
        "api_url": f"{config['XERO_API_URL']}/api.xro/2.0",
        "tenant_id": creds.tenant_id,
        "access_token": creds.access_token,
    }


DEMO = DemoSetup(
    tenant_name="Acme Heating Ltd (Xero sandbox)",
    # Our chart mapped to the sandbox organisation's UK chart.
    accounts={
        "sales": "200",
        "materials_sales": "200",
        "callout_fees": "260",
        "bank": "090",
        "expenses": "429",
    },
    tax_rates={
        "standard": "OUTPUT2",
        "reduced": "RROUTPUT",
        "zero": "ZERORATEDOUTPUT",
        "exempt": "EXEMPTOUTPUT",
    },
    sandbox_details=_sandbox_details,
)
