"""What the connector contract suite (tests/contract) needs from the FreeAgent sandbox: how many
contacts one page of the connector's contact list holds, how to make FreeAgent refuse a record
for each reason its connector gives (connectors/freeagent/errors.py REJECT_REASONS), and how a
user withdraws the app (FreeAgent has no revoke endpoint: its settings page does it).

Set-ups go through FreeAgent's own API, as any client would make them: a contact of a name
already held twice, an invoice holding a reference, an invoice left Draft. Ids FreeAgent never
issues are below the sandbox's smallest (it draws them from 100,000 up).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import requests

from connectors.base import Credentials, Record
from connectors.contract import ContractBooks, Provocation
from sandboxes.freeagent import identity

CONTACTS_PER_PAGE = 100  # the connector asks per_page=100, FreeAgent's largest page
UNKNOWN_ACCOUNT = "999"  # no such nominal code among the seeded categories
UNKNOWN_VAT = "17.5"  # a VAT code of no UK rate today
NEVER_ISSUED = "1"


def _api(books: ContractBooks, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """One call to FreeAgent's API in the sandbox, as any client makes it."""
    answer = requests.request(
        method, f"{books.config['FREEAGENT_API_URL']}/v2{path}", json=body, timeout=30,
        headers={"Authorization": f"Bearer {books.credentials.access_token}",
                 "Accept": "application/json", "User-Agent": "Ledgerlink contract set-up"})
    if answer.status_code not in (200, 201):
        raise AssertionError(f"set-up refused: {method} {path} {answer.status_code} "
                             f"{answer.text[:300]}")
    return answer.json()


def _never_issued(books: ContractBooks, collection: str) -> str:
    return f"{books.config['FREEAGENT_API_URL']}/v2/{collection}/{NEVER_ISSUED}"


def _api_contact(books: ContractBooks, name: str) -> str:
    return _api(books, "POST", "/contacts", {"contact": {"organisation_name": name}}
                )["contact"]["url"]


def _api_invoice(books: ContractBooks, contact_url: str, reference: str) -> str:
    """An invoice made through the API and left Draft, as FreeAgent makes every invoice."""
    return _api(books, "POST", "/invoices", {"invoice": {
        "contact": contact_url, "dated_on": "2024-05-01", "payment_terms_in_days": 30,
        "reference": reference, "invoice_items": [{
            "item_type": "-no unit-", "description": "Made in FreeAgent", "quantity": "1",
            "price": "10.0", "sales_tax_rate": "20.0"}]}})["invoice"]["url"]


def _reference_taken(books: ContractBooks) -> Record:
    record = books.document(books.sent_contact())
    _api_invoice(books, _api_contact(books, f"Someone else {uuid.uuid4().hex[:6]}"),
                 record.reference)
    return record


def _name_held_twice(books: ContractBooks) -> Record:
    name = f"Twice Ltd {uuid.uuid4().hex[:6]}"
    _api_contact(books, name)
    _api_contact(books, name)
    return books.contact(name=name)


def _draft_invoice(books: ContractBooks) -> Record:
    customer = books.sent_contact()
    document = books.document(customer)
    url = _api_invoice(books, customer[1], document.reference)
    return books.payment((document, url))


def _overpaid(books: ContractBooks) -> Record:
    invoice = books.sent_invoice()
    return books.payment(invoice, amount=invoice[0].total + 1)


def _blank_description(books: ContractBooks) -> Record:
    document = books.document(books.sent_contact())
    return replace(document, lines=tuple(replace(line, description="")
                                         for line in document.lines))


def revoke(config: Mapping[str, Any], credentials: Credentials) -> None:
    """The user removes the app in FreeAgent's settings: every token of the grant dies."""
    if not identity.withdraw(credentials.refresh_token or credentials.access_token):
        raise AssertionError("the sandbox knows no grant of these credentials")


PROVOCATIONS: tuple[Provocation, ...] = (
    Provocation("contact_missing", "an invoice for a contact URL FreeAgent never issued",
                lambda books: books.document((books.contact(),
                                              _never_issued(books, "contacts")))),
    Provocation("duplicate_reference", "an invoice whose reference another contact's invoice "
                "already has", _reference_taken),
    Provocation("duplicate_name", "a new customer whose name two FreeAgent contacts hold",
                _name_held_twice),
    Provocation("account_unknown", f"a line on nominal code {UNKNOWN_ACCOUNT}, no category",
                lambda books: books.document(books.sent_contact(),
                                             account_code=UNKNOWN_ACCOUNT)),
    Provocation("tax_rate_unknown", f"a line with VAT code {UNKNOWN_VAT}, no UK rate",
                lambda books: books.document(books.sent_contact(), tax_code=UNKNOWN_VAT)),
    Provocation("invoice_missing", "a payment against an invoice URL FreeAgent never issued",
                lambda books: books.payment((books.sent_invoice()[0],
                                             _never_issued(books, "invoices")))),
    Provocation("invoice_draft", "a payment against an invoice left Draft in FreeAgent",
                _draft_invoice),
    Provocation("amount_exceeds_due", "a payment of more than the invoice's due value",
                _overpaid),
    Provocation("validation", "an invoice line with a blank description", _blank_description),
)
