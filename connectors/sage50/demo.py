"""Sage 50's part of the scripted demo: a simulated company of its own, the seeded nominal and
tax codes for our chart, and the agent's address and token for `flask demo --json`.

The codes are the simulator's seed, Sage 50's standard UK chart (4000 Sales Type A, 4010 Sales
Type B, 4900 Miscellaneous Income, 1200 Bank Current Account, 7500 Office Costs; T1 20%, T5
5%, T0 zero rated, T2 exempt). A real company has its own: the mapping page offers whatever
its agent sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from connectors.base import Credentials
from connectors.demo_setup import DemoSetup


def _sandbox_details(config: Mapping[str, Any], creds: Credentials) -> dict[str, Any]:
    extra = creds.extra
    return {"agent_url": f"{config['BASE_URL']}/agent/v1",
            "agent_token": str(extra.get("sandbox_password", "")),
            "data_path": str(extra.get("sandbox_data_path", "")),
            "books_url": (f"{config['SAGE50_SANDBOX_URL']}/companies/"
                          f"{extra.get('sandbox_company_id', '')}/books")}


def _sandbox_company(config: Mapping[str, Any], company_id: int, tenant_name: str
                     ) -> dict[str, str]:
    """A new simulated Sage 50 company (the simulator's own admin route, not a Sage call);
    the simulated agent signs in to it with these, as the real one signs in to ACCDATA."""
    answer = requests.post(f"{config['SAGE50_SANDBOX_URL']}/companies",
                           json={"name": tenant_name}, timeout=30)
    if answer.status_code != 201:
        raise RuntimeError(f"the Sage 50 simulator refused a new company: "
                           f"{answer.status_code} {answer.text[:300]}")
    made = answer.json()
    return {"sandbox_company_id": str(made["company_id"]),
            "sandbox_data_path": str(made["data_path"]),
            "sandbox_sage_user": str(made["username"]),
            "sandbox_sage_password": str(made["password"])}


DEMO = DemoSetup(
    tenant_name="Demo Heating (Sage 50)",
    accounts={
        "sales": "4000",  # Sales Type A
        "materials_sales": "4010",  # Sales Type B
        "callout_fees": "4900",  # Miscellaneous Income
        "bank": "1200",  # Bank Current Account
        "expenses": "7500",  # Office Costs
    },
    tax_rates={"standard": "T1", "reduced": "T5", "zero": "T0", "exempt": "T2"},
    sandbox_details=_sandbox_details,
    desktop_company=_sandbox_company,
)
