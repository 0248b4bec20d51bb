"""What the connector contract suite (tests/contract) needs from the QuickBooks Online sandbox:
how many contacts one page of the connector's queries holds, and how to make QuickBooks Online
refuse a record for each reason the connector gives (connectors/quickbooks_online/errors.py
REJECT_REASONS).

Set-ups go through Intuit's own API where it has one (making a customer inactive is a sparse
update); the closing date ("Close the books" in QuickBooks' settings) is written into the
company's Preferences, as a person would set it in QuickBooks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import requests

from connectors.base import Record
from connectors.contract import ContractBooks, Provocation
from sandboxes.quickbooks_online import store

# The connector asks for QuickBooks' largest page (maxresults 1000): a listing of more
# customers than that takes a second page.
CONTACTS_PER_PAGE = 1000
CLOSING_DATE = date(2021, 3, 31)
MISSING_ID = "999999"
INACTIVE_ITEM = "4"  # "Discontinued work", made inactive in the sandbox's seed
EXPENSE_ACCOUNT = "52"  # "General expenses": no bank account


def _api(books: ContractBooks, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """One call under the company's API in the sandbox, as any client makes it."""
    creds = books.credentials
    answer = requests.request(
        method, f"{books.config['QBO_API_URL']}/v3/company/{creds.tenant_id}/{path}",
        params={"minorversion": str(books.config.get("QBO_MINOR_VERSION") or "75")},
        json=body, timeout=30,
        headers={"Authorization": f"Bearer {creds.access_token}", "Accept": "application/json"})
    if answer.status_code != 200 or "Fault" in answer.json():
        raise AssertionError(f"set-up refused: {method} {path} {answer.status_code} "
                             f"{answer.text[:300]}")
    return answer.json()


def _inactive_customer(books: ContractBooks) -> Record:
    customer = books.sent_contact()
    current = _api(books, "GET", f"customer/{customer[1]}")["Customer"]
    _api(books, "POST", "customer", {"Id": customer[1], "SyncToken": current["SyncToken"],
                                     "sparse": True, "Active": False})
    return books.document(customer)


def _name_taken(books: ContractBooks) -> Record:
    taken, _ = books.sent_contact()
    return books.contact(name=taken.name)


def _number_taken(books: ContractBooks) -> Record:
    invoice, _ = books.sent_invoice()
    return books.document(books.sent_contact(), reference=invoice.reference)


def _books_closed(books: ContractBooks) -> Record:
    realm = books.tenant_id

    def close() -> None:
        prefs = store.get_data(realm, "Preferences", "1") or {"Id": "1", "SyncToken": "0"}
        store.put(realm, "Preferences", "1", prefs | {
            "AccountingInfoPrefs": {"BookCloseDate": CLOSING_DATE.isoformat()}})

    books.change_sandbox(close)
    return books.document(books.sent_contact(), on=date(2021, 2, 14))


def _overpaid(books: ContractBooks) -> Record:
    invoice = books.sent_invoice()
    return books.payment(invoice, amount=invoice[0].total + 1)


def _unknown_invoice(books: ContractBooks) -> Record:
    invoice, _ = books.sent_invoice()
    return books.payment((invoice, MISSING_ID))


PROVOCATIONS: tuple[Provocation, ...] = (
    Provocation("contact_archived", "an invoice for a customer made inactive",
                _inactive_customer),
    Provocation("contact_missing", "an invoice for a customer id the company lacks",
                lambda books: books.document((books.contact(), MISSING_ID))),
    Provocation("duplicate_name", "a new customer named as one already there", _name_taken),
    Provocation("duplicate_reference", "an invoice with a DocNumber already used",
                _number_taken),
    Provocation("account_unknown", "a line on an item id the company lacks",
                lambda books: books.document(books.sent_contact(), account_code=MISSING_ID)),
    Provocation("account_archived", "a line on an inactive item",
                lambda books: books.document(books.sent_contact(), account_code=INACTIVE_ITEM)),
    Provocation("tax_rate_unknown", "a line with a tax code id the company lacks",
                lambda books: books.document(books.sent_contact(), tax_code=MISSING_ID)),
    Provocation("locked_period", "an invoice dated on or before the closing date",
                _books_closed),
    Provocation("amount_exceeds_due", "a payment of more than the invoice's balance", _overpaid),
    Provocation("invoice_missing", "a payment against an invoice id the company lacks",
                _unknown_invoice),
    Provocation("validation", "a payment deposited to an expense account",
                lambda books: books.payment(books.sent_invoice(),
                                            bank_account_code=EXPENSE_ACCOUNT)),
)
