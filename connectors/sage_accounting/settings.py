"""Sage Accounting's settings (environment variables; see the README's configuration table).

The API lives at {SAGE_API_URL}/... (SAGE_API_URL ends in the version, /v3.1).
"""

from __future__ import annotations

from connectors.settings import Setting

SETTINGS: tuple[Setting, ...] = (
    Setting("SAGE_CLIENT_ID", "", "ledgerlink-sandbox"),
    Setting("SAGE_CLIENT_SECRET", "", "sandbox-secret"),
    Setting("SAGE_SCOPES", "full_access"),
    Setting("SAGE_AUTH_URL", "https://www.sageone.com/oauth2/auth/central?filter=apiv3.1",
            "{sandbox}/oauth2/auth/central?filter=apiv3.1", url=True),
    Setting("SAGE_TOKEN_URL", "https://oauth.accounting.sage.com/token", "{sandbox}/token",
            url=True),
    Setting("SAGE_REVOKE_URL", "https://oauth.accounting.sage.com/revoke", "{sandbox}/revoke",
            url=True),
    Setting("SAGE_API_URL", "https://api.accounting.sage.com/v3.1", "{sandbox}/v3.1", url=True),
    # The official Swagger 2.0 spec the sandbox checks every request against (set by the tests).
    Setting("SAGE_SANDBOX_SPEC"),
    # How long the sandbox's access tokens live (seconds; unset: Sage's 5 minutes).
    Setting("SAGE_SANDBOX_ACCESS_SECONDS"),
)

# The official spec the tests point SAGE_SANDBOX_SPEC at, relative to the shared folder.
SANDBOX_SPECS: dict[str, str] = {"SAGE_SANDBOX_SPEC": "specs/sage-accounting/swagger-v3.1.json"}
