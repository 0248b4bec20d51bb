"""QuickBooks Desktop's settings (environment variables; see the README's configuration table).

Nothing here points at QuickBooks: the Web Connector on the customer's PC calls us, at
{BASE_URL}/qbwc, so there is no API address and no client id.
"""

from __future__ import annotations

from connectors.settings import Setting

SETTINGS: tuple[Setting, ...] = (
    # Where the simulated company files take qbXML (sandbox mode; a real company file is on
    # the customer's PC, reached only by the Web Connector, so a real install leaves it empty).
    Setting("QBD_SANDBOX_URL", "", "{sandbox}", url=True),
    # How often the Web Connector runs (the .qwc file's RunEveryNMinutes), and so how long a
    # silence is before the dashboard and the digest say it has not checked in.
    Setting("QBWC_RUN_EVERY_MINUTES", "60", "1"),
    # The official schema and WSDL the simulators check every request against (set by the
    # tests, and by `make run` when ../shared/specs is beside the project).
    Setting("QBD_SANDBOX_SCHEMA"),
    Setting("QBD_SANDBOX_WSDL"),
)

# The official specs the tests point those settings at, relative to the shared folder.
SANDBOX_SPECS: dict[str, str] = {
    "QBD_SANDBOX_SCHEMA": "specs/quickbooks-desktop/qbxmlops130.xsd",
    "QBD_SANDBOX_WSDL": "specs/quickbooks-desktop/QBWebConnectorSvc.wsdl",
}
