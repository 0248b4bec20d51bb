"""What the connector contract suite (tests/contract) needs from the Sage Accounting sandbox: how
many contacts one page of the connector's contact list holds, and how to make Sage refuse a
record for each reason the connector gives (connectors/sage_accounting/errors.py REJECT_REASONS).

Set-ups go through Sage's own API where it has one (a contact already holding a reference);
what only Sage's web pages change (an inactive contact, a ledger account hidden from the chart,
the lock date) is written into the sandbox's own state, as a person would set it in Sage.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import requests

from connectors.base import Record
from connectors.contract import ContractBooks, Provocation
from sandboxes.sage_accounting import store

CONTACTS_PER_PAGE = 200  # the connector asks items_per_page=200, Sage's largest page
LOCK_DATE = date(2021, 3, 31)  # a year end long past, locked
HIDDEN_ACCOUNT = 4900  # "Other income": a sales account, hidden from the chart here
UNKNOWN_ACCOUNT = "9999"  # no such nominal code in the seeded chart


def _fresh_id() -> str:
    """An id in Sage's shape that the business has never issued."""
    return uuid.uuid4().hex


def _api(books: ContractBooks, method: str, path: str, body: Any) -> dict[str, Any]:
    """One call to Sage's API in the sandbox, as any client makes it."""
    creds = books.credentials
    answer = requests.request(
        method, f"{books.config['SAGE_API_URL']}/{path}", json=body, timeout=30,
        headers={"Authorization": f"Bearer {creds.access_token}",
                 "X-Business": creds.tenant_id, "Accept": "application/json"})
    if answer.status_code not in (200, 201):
        raise AssertionError(f"set-up refused: {method} {path} {answer.status_code} "
                             f"{answer.text[:300]}")
    return answer.json()


def _inactive_contact(books: ContractBooks) -> Record:
    customer = books.sent_contact()
    tenant = books.tenant_id
    books.change_sandbox(lambda: store.set_contact_active(tenant, customer[1], False))
    return books.document(customer)


def _reference_taken(books: ContractBooks) -> Record:
    record = books.contact()
    _api(books, "POST", "contacts", {"contact": {
        "name": f"Already here {record.reference}", "contact_type_ids": ["CUSTOMER"],
        "reference": record.reference}})
    return record


def _hidden_account(books: ContractBooks) -> Record:
    tenant = books.tenant_id
    books.change_sandbox(lambda: store.set_included_in_chart(tenant, HIDDEN_ACCOUNT, False))
    return books.document(books.sent_contact(), account_code=str(HIDDEN_ACCOUNT))


def _locked(books: ContractBooks) -> Record:
    tenant = books.tenant_id
    books.change_sandbox(lambda: store.set_lock_date(tenant, LOCK_DATE))
    return books.document(books.sent_contact(), on=date(2021, 2, 14))


def _unknown_invoice(books: ContractBooks) -> Record:
    invoice, _ = books.sent_invoice()
    return books.payment((invoice, _fresh_id()))


def _overpaid(books: ContractBooks) -> Record:
    invoice = books.sent_invoice()
    return books.payment(invoice, amount=invoice[0].total + 1)


def _blank_description(books: ContractBooks) -> Record:
    document = books.document(books.sent_contact())
    return replace(document, lines=tuple(replace(line, description="")
                                         for line in document.lines))


PROVOCATIONS: tuple[Provocation, ...] = (
    Provocation("contact_archived", "an invoice for a contact made inactive in Sage",
                _inactive_contact),
    Provocation("contact_missing", "an invoice for a contact id Sage does not have",
                lambda books: books.document((books.contact(), _fresh_id()))),
    Provocation("duplicate_reference", "a new contact with a reference another contact has",
                _reference_taken),
    Provocation("account_unknown", f"a line on nominal code {UNKNOWN_ACCOUNT}, not in the chart",
                lambda books: books.document(books.sent_contact(),
                                             account_code=UNKNOWN_ACCOUNT)),
    Provocation("account_archived", f"a line on ledger account {HIDDEN_ACCOUNT}, hidden from "
                "the chart", _hidden_account),
    Provocation("tax_rate_unknown", "a line with tax rate GB_NOSUCH",
                lambda books: books.document(books.sent_contact(), tax_code="GB_NOSUCH")),
    Provocation("locked_period", "an invoice dated on or before the lock date", _locked),
    Provocation("invoice_missing", "a receipt against an invoice id Sage does not have",
                _unknown_invoice),
    Provocation("amount_exceeds_due", "a receipt of more than the invoice's outstanding amount",
                _overpaid),
    Provocation("validation", "an invoice line with a blank description", _blank_description),
)
