"""What every customer transaction add (InvoiceAdd, CreditMemoAdd, ReceivePaymentAdd) does the
same way: find its body, resolve the customer and the Accounts Receivable account, check the
date against the closing date, stamp the new transaction's identity, and move the customer's
balance once it is saved.

Kept in one place so that a rule QuickBooks applies to all of them (the A/R account default,
the closing date) cannot drift between documents.py and payments.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from sandboxes.quickbooks_desktop import store
from sandboxes.quickbooks_desktop.reading import a_date, open_period, ref, required_ref, resolve
from sandboxes.quickbooks_desktop.replies import amount_text, invalid_reference, save_error
from sandboxes.quickbooks_desktop.replies import ref as ref_to


@dataclass
class Opening:
    """A customer transaction add's request, its references resolved and its date allowed."""

    body: etree._Element
    customer: dict[str, Any]
    account: dict[str, Any]
    txn_date: date


def ar_account(company: str, body: etree._Element, where: str) -> dict[str, Any]:
    """ARAccountRef as given (an Accounts Receivable account), else the company's first."""
    wanted = ref(body, "ARAccountRef")
    if wanted is not None:
        account = resolve(company, store.ACCOUNTS, wanted, "Account", where)
        if account.get("AccountType") != "AccountsReceivable":
            raise invalid_reference("Account", wanted.shown, where)
        return account
    for account in store.find_data(company, store.ACCOUNTS):
        if account.get("AccountType") == "AccountsReceivable":
            return account
    raise save_error(where, "The company file has no Accounts Receivable account.")


def find_body(rq: etree._Element, tag: str, where: str) -> etree._Element:
    """The <tag> inside the request, refused when it is missing."""
    body = rq.find(tag)
    if body is None:
        raise save_error(where, f"The request has no {tag}.")
    return body


def open_transaction(company: str, body: etree._Element, where: str) -> Opening:
    """The customer and A/R account resolved and the date checked against the closing date,
    in QuickBooks' order: a bad customer is reported before a bad account or date."""
    customer = resolve(company, store.CUSTOMERS, required_ref(body, "CustomerRef", where),
                       "Customer", where)
    account = ar_account(company, body, where)
    txn_date = a_date(body, "TxnDate", where) or store.today()
    open_period(company, txn_date, where)
    return Opening(body, customer, account, txn_date)


def new_transaction(company: str, opening: Opening) -> tuple[str, str, dict[str, Any]]:
    """(TxnID, the time made, the fields every customer transaction's Ret opens with)."""
    txn_id, number = store.new_txn(company)
    made = store.stamp()
    return txn_id, made, {
        "TxnID": txn_id, "TimeCreated": made, "TimeModified": made,
        "EditSequence": store.edit_sequence(), "TxnNumber": str(number),
        "CustomerRef": ref_to(opening.customer), "ARAccountRef": ref_to(opening.account),
        "TxnDate": opening.txn_date.isoformat(),
    }


def move_customer_balance(company: str, customer: dict[str, Any], change: Decimal) -> None:
    """The customer's Balance and TotalBalance moved by `change` (up for an invoice, down for
    a credit memo or a payment), saved."""
    for field in ("Balance", "TotalBalance"):
        customer[field] = amount_text(Decimal(str(customer.get(field) or 0)) + change)
    store.save(company, store.CUSTOMERS, customer, "ListID", customer["Name"])
