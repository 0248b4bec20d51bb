"""QuickBooks Online's settings (environment variables; see the README's configuration table).

The API lives at {QBO_API_URL}/v3/company/{realmId}/...
"""

from __future__ import annotations

from connectors.settings import Setting

SETTINGS: tuple[Setting, ...] = (
    Setting("QBO_CLIENT_ID", "", "ledgerlink-sandbox"),
    Setting("QBO_CLIENT_SECRET", "", "sandbox-secret"),
    Setting("QBO_SCOPES", "com.intuit.quickbooks.accounting"),
    Setting("QBO_AUTH_URL", "https://appcenter.intuit.com/connect/oauth2",
            "{sandbox}/connect/oauth2", url=True),
    Setting("QBO_TOKEN_URL", "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            "{sandbox}/oauth2/v1/tokens/bearer", url=True),
    Setting("QBO_REVOKE_URL", "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
            "{sandbox}/oauth2/v1/tokens/revoke", url=True),
    Setting("QBO_API_URL", "https://quickbooks.api.intuit.com", "{sandbox}", url=True),
    Setting("QBO_MINOR_VERSION", "75"),
    # Finance.xsd, which the sandbox checks every request against (set by the tests).
    Setting("QBO_SANDBOX_XSD"),
)

# The official schema the tests point QBO_SANDBOX_XSD at, relative to the shared folder.
SANDBOX_SPECS: dict[str, str] = {"QBO_SANDBOX_XSD": "specs/quickbooks-online/Finance.xsd"}
