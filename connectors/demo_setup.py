"""What a package declares for the scripted demo (`flask demo`) and for tests that connect a
company to its sandbox: the demo's tenant, the chart mapping, and what the demo prints."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import Credentials, Tenant


def tenant_by_name(tenants: list[Tenant], callback: Mapping[str, str], name: str) -> Tenant:
    """The tenant the consent page approved, known by its name; else the first."""
    return next((t for t in tenants if t.name == name), tenants[0])


@dataclass(frozen=True)
class DemoSetup:
    tenant_name: str
    # Our chart (sales, bank, ...) and VAT rates mapped to the sandbox tenant's own ids.
    accounts: dict[str, str]
    tax_rates: dict[str, str]
    # The `sandbox` block of `flask demo --json` for this package: where its own API is and
    # how to call it, so a person can look at the books directly.
    sandbox_details: Callable[[Mapping[str, Any], Credentials], dict[str, Any]]
    pick_tenant: Callable[[list[Tenant], Mapping[str, str], str], Tenant] = field(
        default=tenant_by_name)
    # For a package signed into with a form (connectors.capabilities.CredentialsLogin): make a
    # user in its sandbox for (config, company id, tenant name) and return the form's fields,
    # which the demo then signs in with exactly as a person would in the wizard.
    sandbox_login: Callable[[Mapping[str, Any], int, str], dict[str, str]] | None = None
    # For a package collected from a desktop (connectors.capabilities.PullConnector): make its
    # simulated company file for (config, company id, tenant name) and return what the
    # simulated desktop side needs to reach it (kept in the connection's credentials).
    desktop_company: Callable[[Mapping[str, Any], int, str], dict[str, str]] | None = None
