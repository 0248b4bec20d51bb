"""Sage 50's settings (environment variables; see the README's configuration table).

Nothing here points at Sage 50: the agent on the customer's PC calls us, at
{BASE_URL}/agent/v1, so there is no API address and no client id.
"""

from __future__ import annotations

from connectors.settings import Setting

SETTINGS: tuple[Setting, ...] = (
    # Where the simulated Sage 50 companies are (sandbox mode; a real company is on the
    # customer's PC, reached only by the agent, so a real install leaves it empty).
    Setting("SAGE50_SANDBOX_URL", "", "{sandbox}", url=True),
    # How often the agent asks for work when there is none (it is told on every heartbeat).
    Setting("SAGE50_POLL_SECONDS", "30", "5"),
)

SANDBOX_SPECS: dict[str, str] = {}  # Sage publishes no machine-readable spec of SDO
