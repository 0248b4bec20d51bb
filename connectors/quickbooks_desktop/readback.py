"""QuickBooks Desktop's books read back through its own API, qbXML (CustomerQuery,
VendorQuery, InvoiceQuery, CreditMemoQuery, ReceivePaymentQuery), for tests and the bench (see
connectors/readback.py). In sandbox mode the simulated company file takes qbXML over HTTP
(standing in for QBXMLRP2 on the customer's PC), at the address the demo kept with the
connection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from connectors.base import Credentials
from connectors.quickbooks_desktop import qbxml, responses
from connectors.quickbooks_desktop.lookups import decimal_of
from connectors.readback import Doc, PackageBooks, PaymentLine, dec, source_id


def company_url(config: Mapping[str, Any], creds: Credentials) -> str:
    company = creds.extra.get("sandbox_company_id", "")
    return f"{config['QBD_SANDBOX_URL']}/companies/{company}/qbxml"


def run(config: Mapping[str, Any], creds: Credentials, requests_: list[Any]) -> str:
    """One qbXML document run in the company file; its response document."""
    body = qbxml.envelope(requests_, on_error="continueOnError")
    answer = requests.post(company_url(config, creds), data=body, timeout=60,
                           headers={"Content-Type": "text/xml; charset=utf-8"})
    if answer.status_code != 200:
        raise AssertionError((answer.status_code, answer.text[:500]))
    return answer.text


def _txns(config: Mapping[str, Any], creds: Credentials, name: str) -> list[Any]:
    from lxml import etree

    rq = etree.Element(f"{name}Rq", requestID="1")
    if name != "ReceivePaymentQuery":
        etree.SubElement(rq, "IncludeLinkedTxns").text = "true"
    found = responses.by_request_id(run(config, creds, [rq]), ["1"])
    return found["1"].rets if "1" in found else []


def _text(element: Any, path: str) -> str:
    return (element.findtext(path) or "").strip()


def read_books(config: Mapping[str, Any], creds: Credentials,
               names: Mapping[str, str] | None = None) -> PackageBooks:
    """Contacts are keyed by their AccountNumber (our reference); a payment by the Memo that
    holds our reference; a credit memo applied to its invoice (a payment of 0) is no payment."""
    books = PackageBooks()
    reply = run(config, creds, [qbxml.customer_query("c", active_only=False),
                                qbxml.vendor_query("v", active_only=False)])
    for request_id, into in (("c", books.contacts), ("v", books.suppliers)):
        for contact in responses.contacts(reply, request_id).items:
            into.append((contact.reference or contact.name, contact.external_id))

    def doc(ret: Any, left: str) -> Doc:
        subtotal, tax = dec(decimal_of(ret, "Subtotal")), dec(decimal_of(ret, "SalesTaxTotal"))
        return Doc(_text(ret, "TxnID"), _text(ret, "RefNumber"), subtotal + tax, tax,
                   dec(decimal_of(ret, left)), _text(ret, "CustomerRef/ListID"))

    books.invoices = [doc(r, "BalanceRemaining") for r in _txns(config, creds, "InvoiceQuery")]
    books.credit_notes = [doc(r, "CreditRemaining")
                          for r in _txns(config, creds, "CreditMemoQuery")]
    for ret in _txns(config, creds, "ReceivePaymentQuery"):
        if dec(decimal_of(ret, "TotalAmount")) == 0:
            continue
        for applied in ret.findall("AppliedToTxnRet"):
            books.payments.append(PaymentLine(source_id(_text(ret, "Memo")),
                                              _text(applied, "TxnID"),
                                              dec(decimal_of(applied, "Amount")),
                                              _text(ret, "TxnID")))
    return books
