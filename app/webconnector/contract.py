"""Which package's contract the Web Connector service speaks: the registered package that is
collected through the Web Connector (connectors.capabilities.WebConnectorContract). There is
one Web Connector contract, Intuit's; the service takes it from the package that brings it
rather than naming that package here."""

from __future__ import annotations

from functools import cache

from connectors import connector_class, package_keys
from connectors.capabilities import WebConnectorContract


@cache
def web_connector_contract() -> type[WebConnectorContract]:
    for key in package_keys("pull"):
        cls = connector_class(key)
        if issubclass(cls, WebConnectorContract):
            return cls
    raise LookupError("no registered package is collected through the Web Connector")
