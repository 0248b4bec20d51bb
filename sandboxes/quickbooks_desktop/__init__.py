"""Simulator of a QuickBooks Desktop UK company file, as QBXMLRP2 reaches it: qbXML 13.0
request documents in, response documents out (processor.process), served under
/sandbox/quickbooks_desktop in sandbox mode (server.bp) for the simulated Web Connector.

What is Intuit's and what is ours is said module by module; every status code and wording
not in the schema is unverified (replies.py names where each came from).
"""

from sandboxes.quickbooks_desktop.processor import (
    ParseError,
    UnknownCompany,
    end_session,
    process,
    set_closing_date,
)
from sandboxes.quickbooks_desktop.seed import create_company, ensure_company
from sandboxes.quickbooks_desktop.server import bp

__all__ = ["ParseError", "UnknownCompany", "bp", "create_company", "end_session",
           "ensure_company", "process", "set_closing_date"]
