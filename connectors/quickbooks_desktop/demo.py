"""QuickBooks Desktop's part of the scripted demo: a simulated company file of its own, the
seeded lists' names for our chart, and where the simulated Web Connector signs in.

The names are the simulator's seed (a UK company file: items Labour, Materials, Call-out
charge; VAT codes S, R, Z, E; bank account Current Account). A real company file has its own:
the mapping page offers whatever its Web Connector sent back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from connectors.base import Credentials
from connectors.demo_setup import DemoSetup


def _sandbox_details(config: Mapping[str, Any], creds: Credentials) -> dict[str, Any]:
    extra = creds.extra
    return {"qbwc_url": f"{config['BASE_URL']}/qbwc",
            "username": str(extra.get("sandbox_username", "")),
            "password": str(extra.get("sandbox_password", "")),
            "company_url": (f"{config['QBD_SANDBOX_URL']}/companies/"
                            f"{extra.get('sandbox_company_id', '')}")}


def _sandbox_company(config: Mapping[str, Any], company_id: int, tenant_name: str
                     ) -> dict[str, str]:
    """A new simulated company file (the simulator's own admin route, not a QuickBooks
    call); its id is what the simulated Web Connector runs requests against."""
    answer = requests.post(f"{config['QBD_SANDBOX_URL']}/companies",
                           json={"name": tenant_name}, timeout=30)
    if answer.status_code != 201:
        raise RuntimeError(f"the QuickBooks Desktop simulator refused a new company: "
                           f"{answer.status_code} {answer.text[:300]}")
    return {"sandbox_company_id": str(answer.json()["company_id"])}


DEMO = DemoSetup(
    tenant_name="Demo Heating (QuickBooks Desktop)",
    accounts={
        "sales": "Labour",  # Service item
        "materials_sales": "Materials",  # NonInventory item
        "callout_fees": "Call-out charge",  # OtherCharge item
        "bank": "Current Account",  # Bank account
    },
    tax_rates={"standard": "S", "reduced": "R", "zero": "Z", "exempt": "E"},
    sandbox_details=_sandbox_details,
    desktop_company=_sandbox_company,
)
