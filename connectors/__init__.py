"""Registry of accounting packages: key -> connector class.

Adding a package means adding its folder and one line here; the sync engine never changes.
"""

from __future__ import annotations

from importlib import import_module

from connectors.base import Connector

# key -> "module:Class", imported on first use so one broken package cannot stop the others.
_REGISTRY: dict[str, str] = {
    "xero": "connectors.xero:XeroConnector",
    "quickbooks_online": "connectors.quickbooks_online:QuickBooksOnlineConnector",
}


def connector_class(key: str) -> type[Connector]:
    """The connector class for a package key; KeyError for an unknown package."""
    target = _REGISTRY[key]
    module_name, class_name = target.split(":")
    return getattr(import_module(module_name), class_name)


def package_keys() -> list[str]:
    return list(_REGISTRY)
