"""Transaction queries in the QuickBooks Desktop company simulator beyond the look-up by
RefNumber our renderer sends: RefNumberFilter, EntityFilter, PaidStatus, TxnDateRangeFilter,
IncludeLineItems, ReceivePaymentQuery, an invoice iterator, a CustomerRef by an unknown ListID
and IsAutoApply. Every response is validated against the qbXML 13.0 schema."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from connectors.base import Allocation
from connectors.quickbooks_desktop import qbxml, responses
from tests.sandboxes import test_quickbooks_desktop_company as harness
from tests.sandboxes.test_quickbooks_desktop_company import add_customer, send
from tests.sandboxes.test_quickbooks_desktop_company_documents import (
    add,
    invoice,
    payment,
    refusal,
)

qb_schema, qbd, company = harness.qb_schema, harness.qbd, harness.company
D = Decimal


def query(name: str, request_id: str, *children: tuple[str, Any], **attrs: str
          ) -> etree._Element:
    """A query Rq of our own: children as (tag, text) or (tag, [(tag, text)...])."""
    rq = etree.Element(f"{name}Rq", requestID=request_id, **attrs)

    def fill(parent: etree._Element, items: tuple[tuple[str, Any], ...]) -> None:
        for tag, value in items:
            child = etree.SubElement(parent, tag)
            if isinstance(value, list):
                fill(child, tuple(value))
            else:
                child.text = value

    fill(rq, children)
    return rq


def refs(reply: str, tag: str = "InvoiceRet") -> list[str]:
    root = etree.fromstring(reply.split("?>", 2)[2].encode())
    return [ret.findtext("RefNumber") for ret in root.iter(tag)]


def _books(qbd: dict[str, Any], company: str) -> tuple[str, str]:
    hollis = add_customer(qbd, company, "Hollis & Daughters Ltd")
    other = add_customer(qbd, company, "Other Ltd")
    first = add(qbd, company, qbxml.invoice_add(invoice(hollis), "1")).findtext("TxnID")
    add(qbd, company, qbxml.invoice_add(invoice(hollis, reference="INV-2002",
                                                date=date(2026, 12, 1)), "2"))
    add(qbd, company, qbxml.invoice_add(invoice(other, reference="X-9", contact_name="Other Ltd"),
                                        "3"))
    add(qbd, company, qbxml.receive_payment_add(payment(
        hollis, Allocation(first, "INV-1001", D("160.13")), amount=D("160.13")), "4"))
    return hollis, first


def test_transaction_filters(qbd, company) -> None:  # type: ignore[no-untyped-def]
    hollis, _ = _books(qbd, company)
    reply = send(
        qbd, company,
        query("InvoiceQuery", "a", ("RefNumberFilter", [("MatchCriterion", "StartsWith"),
                                                        ("RefNumber", "inv-")])),
        query("InvoiceQuery", "b", ("EntityFilter", [("ListID", hollis)]),
              ("PaidStatus", "NotPaidOnly")),
        query("InvoiceQuery", "c", ("TxnDateRangeFilter", [("FromTxnDate", "2026-11-15")])),
        query("InvoiceQuery", "d", ("EntityFilter", [("FullName", "other ltd")])),
        query("InvoiceQuery", "e", ("PaidStatus", "PaidOnly"), ("IncludeLineItems", "true")),
        query("InvoiceQuery", "f", ("RefNumberCaseSensitive", "inv-1001")),
        on_error="continueOnError")
    by_id = {a.request_id: a for a in responses.answers(reply)}
    assert [r.findtext("RefNumber") for r in by_id["a"].rets] == ["INV-1001", "INV-2002"]
    assert [r.findtext("RefNumber") for r in by_id["b"].rets] == ["INV-2002"]
    assert [r.findtext("RefNumber") for r in by_id["c"].rets] == ["INV-2002"]
    assert [r.findtext("RefNumber") for r in by_id["d"].rets] == ["X-9"]
    [paid] = by_id["e"].rets
    assert paid.findtext("IsPaid") == "true" and len(paid.findall("InvoiceLineRet")) == 2
    assert all(not r.findall("InvoiceLineRet") for r in by_id["a"].rets)  # lines not asked
    assert by_id["f"].status_code == 1  # exactly that case: none


def test_payments_are_found_by_customer_and_show_what_they_paid(qbd, company) -> None:  # type: ignore[no-untyped-def]
    hollis, first = _books(qbd, company)
    reply = send(qbd, company, query("ReceivePaymentQuery", "p",
                                     ("EntityFilter", [("ListID", hollis)])))
    [ret] = responses.answers(reply)[0].rets
    assert ret.findtext("TotalAmount") == "160.13"
    assert ret.findtext("AppliedToTxnRet/TxnID") == first
    assert ret.findtext("AppliedToTxnRet/TxnType") == "Invoice"


def test_an_invoice_iterator(qbd, company) -> None:  # type: ignore[no-untyped-def]
    _books(qbd, company)
    start = responses.answers(send(qbd, company, query(
        "InvoiceQuery", "1", ("MaxReturned", "2"), iterator="Start")))[0]
    assert len(start.rets) == 2 and start.iterator_remaining == 1
    more = responses.answers(send(qbd, company, query(
        "InvoiceQuery", "2", ("MaxReturned", "2"), iterator="Continue",
        iteratorID=start.iterator_id)))[0]
    assert [r.findtext("RefNumber") for r in more.rets] == ["X-9"]
    assert more.iterator_remaining == 0


def test_a_customer_ref_by_an_unknown_list_id_and_auto_apply(qbd, company) -> None:  # type: ignore[no-untyped-def]
    hollis = add_customer(qbd, company, "Hollis & Daughters Ltd")
    answer = refusal(qbd, company, qbxml.invoice_add(invoice("80000FFF-1700000000"), "1"))
    assert answer.status_code == 3140 and '"80000FFF-1700000000"' in answer.message
    first = add(qbd, company, qbxml.invoice_add(invoice(hollis), "2")).findtext("TxnID")
    second = add(qbd, company, qbxml.invoice_add(invoice(hollis, reference="INV-2"), "3")
                 ).findtext("TxnID")
    rq = qbxml.receive_payment_add(payment(hollis, Allocation(first, "INV-1001", D("1")),
                                           amount=D("200.00")), "4")
    body = rq.find("ReceivePaymentAdd")
    for applied in body.findall("AppliedToTxnAdd"):
        body.remove(applied)
    etree.SubElement(body, "IsAutoApply").text = "true"
    ret = add(qbd, company, rq)
    assert [(a.findtext("TxnID"), a.findtext("Amount")) for a in ret.findall(
        "AppliedToTxnRet")] == [(first, "160.13"), (second, "39.87")]
    assert ret.findtext("UnusedPayment") == "0.00"
