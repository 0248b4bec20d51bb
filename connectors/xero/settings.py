"""Xero's settings (environment variables; see the README's configuration table)."""

from __future__ import annotations

from connectors.settings import Setting

SETTINGS: tuple[Setting, ...] = (
    Setting("XERO_CLIENT_ID", "", "ledgerlink-sandbox"),
    Setting("XERO_CLIENT_SECRET", "", "sandbox-secret"),
    Setting("XERO_SCOPES",
            "offline_access accounting.contacts accounting.settings accounting.transactions"),
    Setting("XERO_LOGIN_URL", "https://login.xero.com", "{sandbox}", url=True),
    Setting("XERO_IDENTITY_URL", "https://identity.xero.com", "{sandbox}/identity", url=True),
    Setting("XERO_API_URL", "https://api.xero.com", "{sandbox}", url=True),
    # The official OpenAPI spec the sandbox checks every request against (set by the tests).
    Setting("XERO_SANDBOX_SPEC"),
    # How long the sandbox's access tokens live (seconds; unset: Xero's 30 minutes).
    Setting("XERO_SANDBOX_ACCESS_SECONDS"),
)

# The official spec the tests point XERO_SANDBOX_SPEC at, relative to the shared folder.
SANDBOX_SPECS: dict[str, str] = {"XERO_SANDBOX_SPEC": "specs/xero/xero_accounting.yaml"}
