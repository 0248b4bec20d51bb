"""KashFlow's part of the scripted demo: a sandbox user of its own (KashFlow is signed into
with a login, not OAuth), and the seeded company's nominal codes and VAT rates."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any

import requests

from connectors.base import Credentials
from connectors.demo_setup import DemoSetup


def _sandbox_details(config: Mapping[str, Any], creds: Credentials) -> dict[str, Any]:
    # {api_url}/... is KashFlow's own API; the session token names the company.
    return {"api_url": config["KASHFLOW_API_URL"], "access_token": creds.access_token,
            "session_token": creds.access_token,
            "authorization": f"KfToken {creds.access_token}"}


def _sandbox_login(config: Mapping[str, Any], company_id: int, tenant_name: str
                   ) -> dict[str, str]:
    """A new user of the KashFlow sandbox (its sign-up is the sandbox's own admin route, not
    KashFlow's API), and the wizard's fields to sign in with it."""
    tag = secrets.token_hex(4)
    username = f"ledgerlink-{company_id}-{tag}"
    password = secrets.token_urlsafe(12)
    word = "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
    answer = requests.post(
        f"{config['BASE_URL']}/sandbox/kashflow/sandbox/signup", timeout=30,
        json={"UserName": username, "Password": password, "MemorableWord": word,
              "CompanyName": tenant_name})
    if answer.status_code != 201:
        raise RuntimeError(f"the KashFlow sandbox refused the sign-up: {answer.status_code} "
                           f"{answer.text[:300]}")
    return {"username": username, "password": password, "memorable_word": word}


DEMO = DemoSetup(
    tenant_name="Acme Heating Ltd (KashFlow sandbox)",
    # Nominal codes of the sandbox's seeded chart; VAT rates by KashFlow's codes.
    accounts={
        "sales": "4000",  # Sales
        "materials_sales": "4010",  # Sales of materials
        "callout_fees": "4900",  # Other income
        "bank": "1200",  # Current account
        "expenses": "7500",  # Office costs
    },
    tax_rates={"standard": "STANDARD", "reduced": "REDUCED", "zero": "ZERO",
               "exempt": "EXEMPT"},
    sandbox_details=_sandbox_details,
    sandbox_login=_sandbox_login,
)
