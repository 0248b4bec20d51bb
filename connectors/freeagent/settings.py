"""FreeAgent's settings (environment variables; see the README's configuration table).

The API lives at {FREEAGENT_API_URL}/v2/... and so do its OAuth endpoints (/v2/approve_app,
/v2/token_endpoint): FreeAgent's sandbox is the same API on another host.
"""

from __future__ import annotations

from connectors.settings import Setting

SETTINGS: tuple[Setting, ...] = (
    Setting("FREEAGENT_CLIENT_ID", "", "ledgerlink-sandbox"),
    Setting("FREEAGENT_CLIENT_SECRET", "", "sandbox-secret"),
    # https://api.sandbox.freeagent.com for FreeAgent's own sandbox.
    Setting("FREEAGENT_API_URL", "https://api.freeagent.com", "{sandbox}", url=True),
    # FreeAgent refuses calls without a User-Agent naming the application.
    Setting("FREEAGENT_USER_AGENT", "Ledgerlink (+https://github.com/ledgerlink/ledgerlink)"),
    # How long the sandbox's access tokens live (seconds; unset: FreeAgent's hour).
    Setting("FREEAGENT_SANDBOX_ACCESS_SECONDS"),
)

SANDBOX_SPECS: dict[str, str] = {}  # FreeAgent publishes no machine-readable spec
