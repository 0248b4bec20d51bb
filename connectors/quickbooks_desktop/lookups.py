"""The look-ups that settle a request whose answer was lost, before anything is added again.

QuickBooks Desktop takes no idempotency key, and (as far as is known: unverified) accepts a
second invoice with the same RefNumber through qbXML. So a record handed out in a session that
ended without its answer is looked for first, each kind by what we wrote into it:
- a customer or supplier by its Name (unique across QuickBooks' name lists), and taken as ours
  only when its AccountNumber is our reference;
- an invoice or credit memo by RefNumber, for the same customer;
- a payment among the customer's payments of that day, by the Memo that holds our reference
  in full (RefNumber holds only 20 characters);
- whether a credit memo is applied to its invoice by the memo's linked transactions, and what
  the invoice still owes by the invoice itself (both by TxnID).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from connectors.base import (
    ContactRecord,
    DocumentRecord,
    PaymentRecord,
    Record,
)
from connectors.quickbooks_desktop import limits, qbxml
from connectors.quickbooks_desktop.responses import Answer


def _sub(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if value is not None:
        child.text = value
    return child


def _rq(name: str, request_id: str) -> etree._Element:
    return etree.Element(f"{name}Rq", requestID=request_id)


def txn_by_id(name: str, request_id: str, txn_id: str) -> etree._Element:
    """InvoiceQueryRq / CreditMemoQueryRq for one TxnID, with its linked transactions."""
    rq = _rq(name, request_id)
    _sub(rq, "TxnID", limits.quickbooks_id(txn_id, "TxnID", "transaction"))
    _sub(rq, "IncludeLinkedTxns", "true")
    return rq


def payments_of_day(request_id: str, customer_list_id: str, when: date) -> etree._Element:
    """ReceivePaymentQueryRq: the customer's payments dated `when` (TxnFilter's date range,
    then EntityFilter, in the schema's order)."""
    rq = _rq("ReceivePaymentQuery", request_id)
    dates = _sub(rq, "TxnDateRangeFilter")
    _sub(dates, "FromTxnDate", when.isoformat())
    _sub(dates, "ToTxnDate", when.isoformat())
    entity = _sub(rq, "EntityFilter")
    _sub(entity, "ListID", limits.quickbooks_id(customer_list_id, "EntityFilter/ListID",
                                                "customer"))
    return rq


def check_request(record: Record, request_id: str) -> etree._Element:
    """The look-up for one record whose add may or may not have happened."""
    if isinstance(record, ContactRecord):
        build = qbxml.customer_query if record.kind == "customer" else qbxml.vendor_query
        return build(request_id, full_name=record.name)
    if isinstance(record, PaymentRecord):
        return payments_of_day(request_id, record.contact_external_id, record.date)
    if record.kind == "invoice":
        return qbxml.invoice_query(request_id, record.reference)
    return qbxml.credit_memo_query(request_id, record.reference)


def _text(element: etree._Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def decimal_of(element: etree._Element, path: str) -> Decimal | None:
    """A figure of a Ret, or None when it is absent or unreadable."""
    return _decimal(element, path)


def _decimal(element: etree._Element, path: str) -> Decimal | None:
    try:
        return Decimal(_text(element, path))
    except InvalidOperation:
        return None


def found_contact(answer: Answer, record: ContactRecord) -> tuple[str, str] | None:
    """(ListID, AccountNumber) of the contact of that name, or None when there is none."""
    for ret in answer.rets:
        list_id = _text(ret, "ListID")
        if list_id:
            return list_id, _text(ret, "AccountNumber")
    return None


def found_document(answer: Answer, record: DocumentRecord) -> str | None:
    """The TxnID of the invoice or credit memo with our RefNumber for the same customer."""
    for ret in answer.rets:
        if record.contact_external_id and _text(ret, "CustomerRef/ListID") not in (
                "", record.contact_external_id):
            continue  # the same number on another customer's document is not ours
        txn_id = _text(ret, "TxnID")
        if txn_id:
            return txn_id
    return None


def found_payment(answer: Answer, record: PaymentRecord) -> str | None:
    """The TxnID of the customer's payment that day whose Memo is our reference."""
    for ret in answer.rets:
        if _text(ret, "Memo") == record.reference.strip() and _text(ret, "TxnID"):
            return _text(ret, "TxnID")
    return None


def credit_applied(answer: Answer, invoice_txn_id: str) -> bool:
    """Whether the credit memo in this CreditMemoQueryRs is linked to the invoice already."""
    return any(_text(link, "TxnID") == invoice_txn_id
               for ret in answer.rets for link in ret.findall("LinkedTxn"))


def credit_remaining(answer: Answer) -> Decimal | None:
    for ret in answer.rets:
        return _decimal(ret, "CreditRemaining")
    return None


def balance_remaining(answer: Answer) -> Decimal | None:
    for ret in answer.rets:
        return _decimal(ret, "BalanceRemaining")
    return None
