"""KashFlow's settings (environment variables; see the README's configuration table).

KashFlow's REST API is signed into with the user's own login (no OAuth app, so no client id):
the API lives at {KASHFLOW_API_URL}/sessiontoken, /customers, /invoices...
"""

from __future__ import annotations

from connectors.settings import Setting

SETTINGS: tuple[Setting, ...] = (
    Setting("KASHFLOW_API_URL", "https://api.kashflow.com/v2", "{sandbox}/v2", url=True),
    # How long the sandbox keeps an unused session token (seconds; unset: KashFlow's hour).
    Setting("KASHFLOW_SANDBOX_IDLE_SECONDS"),
)

SANDBOX_SPECS: dict[str, str] = {}  # KashFlow publishes no machine-readable spec
