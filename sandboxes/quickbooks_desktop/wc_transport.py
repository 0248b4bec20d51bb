"""The simulated Web Connector's SOAP client: a real zeep client over requests, loaded from the
WSDL the setting QBD_SANDBOX_WSDL names (else the service's own `?wsdl`), its address always
bound to the URL the session was given, and able to drop the connection mid-call when the
session's fault asks for it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import requests
import zeep
from zeep.transports import Transport

from sandboxes.kit.config import setting
from sandboxes.quickbooks_desktop.wc_faults import NetworkFailure

NS = "http://developer.intuit.com/"
BINDING = f"{{{NS}}}QBWebConnectorSvcSoap"


class DroppedConnection(requests.ConnectionError):
    """The connection the simulated Web Connector was using dropped (a NetworkFailure fault)."""


class FaultyTransport(Transport):
    """zeep's transport, counting calls by SOAPAction and dropping the one the fault names."""

    def __init__(self, failure: NetworkFailure | None = None, timeout: float = 30.0) -> None:
        super().__init__(timeout=timeout, operation_timeout=timeout)
        self.failure = failure
        self.calls: Counter[str] = Counter()

    def post(self, address: str, message: Any, headers: dict[str, str]) -> requests.Response:
        action = headers.get("SOAPAction", "").strip('"').removeprefix(NS)
        self.calls[action] += 1
        failure = self.failure
        hit = (failure is not None and failure.call == action
               and failure.number == self.calls[action])
        if hit and not failure.reached_server:
            raise DroppedConnection(f"the connection dropped before {action} was sent")
        response = super().post(address, message, headers)
        if hit:
            raise DroppedConnection(f"the connection dropped after {action} reached the "
                                    f"service (HTTP {response.status_code}, answer lost)")
        return response


def wsdl_source(qbwc_url: str) -> str:
    """The WSDL to load: the file QBD_SANDBOX_WSDL names (tests point it at Intuit's), else
    the service's own."""
    return setting("QBD_SANDBOX_WSDL") or f"{qbwc_url}?wsdl"


def service(qbwc_url: str, transport: FaultyTransport) -> Any:
    """The zeep service proxy for the Web Connector operations at `qbwc_url` (whatever address
    the WSDL itself names)."""
    client = zeep.Client(wsdl_source(qbwc_url), transport=transport)
    return client.create_service(BINDING, qbwc_url)
