"""Registry of accounting packages: key -> connector class.

Adding a package means adding its folder and one line here; the sync engine never changes.
Besides its connector class a package's folder declares, in modules found here by name:
settings.py (SETTINGS: its environment variables), demo.py (DEMO: its sandbox demo set-up) and
readback.py (read_books: its books read back through its own API, for tests).

Two hooks serve the money property test (tests/connectors/test_money_property.py, which fails
for a package that lacks either, saying what to add):
- connectors/<key>/payloads.py `document_payload(kind, record, refs) -> PayloadRequest | None`:
  the request the connector makes, short of HTTP, for an invoice or credit note (a
  DocumentRecord), a credit note applied to its invoice ("credit_applied": refs carries the
  package's id of the credit note and what the invoice still owes; None when nothing is sent)
  and a payment (a PaymentRecord); connectors/money_hook.py has the types. It must be what the
  pusher sends, query parameters included.
- sandboxes/<key>/totals.py `document_totals(kind, request, rates) -> Totals` and
  `amounts_left(documents, settlements, rates) -> {id: amount}`: what the package makes of
  those requests (net, tax, total; what each invoice still owes and each credit note has left),
  by the sandbox's own arithmetic on the bodies alone (sandboxes/kit/oracle.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import ModuleType
from typing import Any

from connectors.base import Connector

# key -> "module:Class", imported on first use so one broken package cannot stop the others.
_REGISTRY: dict[str, str] = {
    "xero": "connectors.xero:XeroConnector",
    "quickbooks_online": "connectors.quickbooks_online:QuickBooksOnlineConnector",
    "sage_accounting": "connectors.sage_accounting:SageAccountingConnector",
    "freeagent": "connectors.freeagent:FreeAgentConnector",
    "kashflow": "connectors.kashflow:KashFlowConnector",
    "quickbooks_desktop": "connectors.quickbooks_desktop:QuickBooksDesktopConnector",
    "sage50": "connectors.sage50:Sage50Connector",
}


def connector_class(key: str) -> type[Connector]:
    """The connector class for a package key; KeyError for an unknown package."""
    target = _REGISTRY[key]
    module_name, class_name = target.split(":")
    return getattr(import_module(module_name), class_name)


def package_keys(mode: str | None = None) -> list[str]:
    """Every registered package, or those of one mode: "push" (we call the package) or
    "pull" (its desktop side collects from us)."""
    if mode is None:
        return list(_REGISTRY)
    return [key for key in _REGISTRY if connector_class(key).mode == mode]


def package_module(key: str, part: str) -> ModuleType:
    """connectors/<key>/<part>.py of a registered package, e.g. its settings or demo."""
    package = _REGISTRY[key].split(":")[0]
    return import_module(f"{package}.{part}")


def package_settings(env: Mapping[str, str], sandbox: bool, base_url: str) -> dict[str, Any]:
    """Every package's settings from the environment; in sandbox mode the defaults point at
    each package's simulator under {base_url}/sandbox/<key>."""
    from connectors.settings import resolve

    values: dict[str, Any] = {}
    for key in _REGISTRY:
        try:
            declared = package_module(key, "settings").SETTINGS
        except ModuleNotFoundError as exc:
            # A variant registered by a test lives outside connectors/ and reads the settings
            # of the package it extends; a real package missing its settings still fails.
            if not exc.name or exc.name.startswith("connectors."):
                raise
            continue
        values.update(resolve(declared, env, sandbox, f"{base_url}/sandbox/{key}"))
    return values
