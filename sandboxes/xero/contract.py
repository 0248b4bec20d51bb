"""What the connector contract suite (tests/contract) needs from the Xero sandbox: how many
contacts one page of GET /Contacts holds, and how to make Xero refuse a record for each reason
the Xero connector gives (connectors/xero/errors.py REJECT_REASONS).

Set-ups go through Xero's own API where Xero has one (archiving a contact); a lock date is set
in the organisation's settings, which Xero's API does not change, so it is written into the
sandbox's organisation as a person would set it in Xero.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import requests

from connectors.base import Record
from connectors.contract import ContractBooks, Provocation
from sandboxes.xero import store

CONTACTS_PER_PAGE = 100  # Xero's page size for GET /Contacts?page=N
LOCK_DATE = date(2021, 3, 31)  # a year end long past, locked
MISSING_ID = "00000000-0000-4000-8000-000000000001"


def _api(books: ContractBooks, method: str, path: str, body: Any) -> dict[str, Any]:
    """One call to Xero's accounting API in the sandbox, as any client makes it."""
    creds = books.credentials
    answer = requests.request(
        method, f"{books.config['XERO_API_URL']}/api.xro/2.0/{path}", json=body, timeout=30,
        headers={"Authorization": f"Bearer {creds.access_token}",
                 "xero-tenant-id": creds.tenant_id, "Accept": "application/json"})
    if answer.status_code != 200:
        raise AssertionError(f"set-up refused: {method} {path} {answer.status_code} "
                             f"{answer.text[:300]}")
    return answer.json()


def _archived_contact(books: ContractBooks) -> Record:
    customer = books.sent_contact()
    _api(books, "POST", f"Contacts/{customer[1]}",
         {"Contacts": [{"ContactID": customer[1], "ContactStatus": "ARCHIVED"}]})
    return books.document(customer)


def _name_taken(books: ContractBooks) -> Record:
    taken, _ = books.sent_contact()
    return books.contact(name=taken.name)


def _number_taken(books: ContractBooks) -> Record:
    invoice, _ = books.sent_invoice()
    return books.document(books.sent_contact(), reference=invoice.reference)


def _locked(books: ContractBooks) -> Record:
    tenant = books.tenant_id

    def lock() -> None:
        org = store.get_data(store.GLOBAL, "organisations", tenant)
        if org is None:
            raise AssertionError(f"no sandbox organisation {tenant}")
        store.put(store.GLOBAL, "organisations", tenant,
                  org | {"EndOfYearLockDate": store.msdate(LOCK_DATE)}, ref=org["Name"])

    books.change_sandbox(lock)
    return books.document(books.sent_contact(), on=date(2021, 2, 14))


def _draft_paid(books: ContractBooks) -> Record:
    return books.payment(books.sent_invoice(as_draft=True))


def _overpaid(books: ContractBooks) -> Record:
    invoice = books.sent_invoice()
    return books.payment(invoice, amount=invoice[0].total + 1)


def _unknown_invoice(books: ContractBooks) -> Record:
    invoice, _ = books.sent_invoice()
    return books.payment((invoice, MISSING_ID))


def _into_an_expense_account(books: ContractBooks) -> Record:
    return books.payment(books.sent_invoice(), bank_account_code="429")  # General Expenses


PROVOCATIONS: tuple[Provocation, ...] = (
    Provocation("contact_archived", "an invoice for a contact archived in Xero",
                _archived_contact),
    Provocation("contact_missing", "an invoice for a ContactID Xero does not have",
                lambda books: books.document((books.contact(), MISSING_ID))),
    Provocation("duplicate_name", "a new contact named as an active one", _name_taken),
    Provocation("duplicate_reference", "an invoice numbered as one already in Xero",
                _number_taken),
    Provocation("account_unknown", "a line on account code 999, which the chart lacks",
                lambda books: books.document(books.sent_contact(), account_code="999")),
    Provocation("account_archived", "a line on account 205, archived in the chart",
                lambda books: books.document(books.sent_contact(), account_code="205")),
    Provocation("tax_rate_unknown", "a line with tax type NOSUCHTAX",
                lambda books: books.document(books.sent_contact(), tax_code="NOSUCHTAX")),
    Provocation("locked_period", "an invoice dated before the end of year lock date", _locked),
    Provocation("invoice_draft", "a payment against a draft invoice", _draft_paid),
    Provocation("amount_exceeds_due", "a payment of more than the invoice's amount due",
                _overpaid),
    Provocation("invoice_missing", "a payment against an InvoiceID Xero does not have",
                _unknown_invoice),
    Provocation("validation", "a payment into an expense account", _into_an_expense_account),
)
