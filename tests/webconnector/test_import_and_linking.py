"""QuickBooks Desktop's customers and suppliers, as the Web Connector sends them with the lists:
the one-time import creates ours from them, linked, and a customer of ours already in the
company file is linked before any CustomerAdd, never added a second time."""

from __future__ import annotations

import requests
from lxml import etree

from connectors.quickbooks_desktop import qbxml
from tests.webconnector.conftest import Desktop


def _add_in_quickbooks(books: Desktop, kind: str, name: str) -> None:
    """Someone keyed a customer (or vendor) into QuickBooks by hand, before Ledgerlink."""
    rq = etree.Element(f"{kind}AddRq", requestID="1")
    body = etree.SubElement(rq, f"{kind}Add")
    etree.SubElement(body, "Name").text = name
    if kind == "Customer":
        etree.SubElement(body, "Email").text = "hand@example.test"
    answer = requests.post(
        f"{books.server.url}/sandbox/quickbooks_desktop/companies/{books.sandbox_company}/qbxml",
        data=qbxml.envelope([rq]), timeout=30, headers={"Content-Type": "text/xml"})
    assert answer.status_code == 200 and 'statusCode="0"' in answer.text, answer.text


def test_the_import_creates_ours_from_what_the_web_connector_sent(desktop) -> None:  # type: ignore[no-untyped-def]
    books = desktop(schedule="manual")
    _add_in_quickbooks(books, "Customer", "Hand Keyed Heating")
    _add_in_quickbooks(books, "Vendor", "Pipe Supplies Ltd")
    with books.server.app.app_context():
        from app.extensions import db
        from app.models import Connection
        from app.sync.audit import ExchangeLog
        from app.sync.engine import build_connector
        from app.sync.importing import import_contacts
        from connectors.base import ConnectorError

        connection = db.session.get(Connection, books.connection_id)
        connector = build_connector(connection, None, ExchangeLog())
        try:  # nothing has come from the Web Connector yet: said so, nothing made
            import_contacts(connection, connector)
            raise AssertionError("the import ran before the lists came")
        except ConnectorError as exc:
            assert "have not arrived yet" in str(exc)
        db.session.remove()
    assert books.session().completed  # the lists, the customers and vendors with them
    with books.server.app.app_context():
        connection = db.session.get(Connection, books.connection_id)
        result = import_contacts(connection, build_connector(connection, None, ExchangeLog()))
        assert (result.customers, result.suppliers) == (1, 1), result
        db.session.remove()
    states = {(t.record_type, t.state) for t in books.transfers()}
    assert states == {("customer", "sent"), ("supplier", "sent")}, states


def test_a_customer_already_in_quickbooks_is_linked_not_added_again(desktop) -> None:  # type: ignore[no-untyped-def]
    books = desktop()
    _add_in_quickbooks(books, "Customer", "Carl Evans 00000")
    books.post_all([("customers", {"source_id": "C00000", "name": "Carl Evans 00000",
                                   "email": "hand@example.test"})])
    books.sessions_until_idle()
    customers = [c for c in books.books()["customers"] if c["Name"] == "Carl Evans 00000"]
    assert len(customers) == 1, customers  # linked, not added (nor refused as a name in use)
    (transfer,) = [t for t in books.transfers() if t.record_type == "customer"]
    assert transfer.state == "sent" and transfer.external_id == customers[0]["ListID"]
