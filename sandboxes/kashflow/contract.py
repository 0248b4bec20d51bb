"""What the connector contract suite (tests/contract) needs from the KashFlow sandbox: how many
contacts one page of the connector's contact list holds, how to make KashFlow refuse a record
for each reason its connector gives (connectors/kashflow/errors.py REJECT_REASONS), and how a
user withdraws access (KashFlow has no revoke endpoint: changing the password ends every session
token, which the sandbox's admin route does).

Set-ups go through KashFlow's own API, signed in as any client is (user name, password, three
characters of the memorable word, from the connection's Credentials.extra), or through the
sandbox's admin routes where KashFlow's settings pages would be used (the period lock). Numbers
KashFlow never issues are below its first (invoices start at 1001).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import requests

from connectors.base import Credentials, Record
from connectors.contract import ContractBooks, Provocation

CONTACTS_PER_PAGE = 100  # the connector asks perpage=100, KashFlow's largest page
UNKNOWN_ACCOUNT = "999"  # no such nominal code in the seeded chart
UNKNOWN_VAT = "NOSUCH"  # no such VAT code
NEVER_ISSUED_INVOICE = "999"  # invoices are numbered from 1001
LOCK_DATE = date(2021, 3, 31)  # a year end long past, locked
TIMEOUT = 30


def _admin_base(config: Mapping[str, Any]) -> str:
    """{BASE_URL}/sandbox/kashflow: KASHFLOW_API_URL without its /v2."""
    api = str(config["KASHFLOW_API_URL"]).rstrip("/")
    return api[: -len("/v2")] if api.endswith("/v2") else api


def _checked(answer: requests.Response, what: str) -> dict[str, Any]:
    if answer.status_code not in (200, 201):
        raise AssertionError(f"set-up refused: {what} {answer.status_code} {answer.text[:300]}")
    return answer.json() if answer.content else {}


def _extra(credentials: Credentials, *names: str) -> list[str]:
    try:
        return [str(credentials.extra[name]) for name in names]
    except KeyError as exc:
        raise AssertionError(f"the connection's Credentials.extra lacks {exc}: the sandbox "
                             "signs in with username, password and memorable_word") from None


def _username(credentials: Credentials) -> str:
    return _extra(credentials, "username")[0]


def _session(config: Mapping[str, Any], credentials: Credentials) -> str:
    """A session token of our own, signed in as KashFlow's docs describe."""
    api = str(config["KASHFLOW_API_URL"]).rstrip("/")
    username, password, word = _extra(credentials, "username", "password", "memorable_word")
    asked = _checked(requests.post(f"{api}/sessiontoken", timeout=TIMEOUT,
                                   json={"UserName": username, "Password": password}),
                     "POST /sessiontoken")
    answered = [{"Position": a["Position"], "Value": word[a["Position"] - 1]}
                for a in asked["MemorableWordList"]]
    found = _checked(requests.put(f"{api}/sessiontoken", timeout=TIMEOUT, json={
        "TemporaryToken": asked["TemporaryToken"], "MemorableWordList": answered}),
        "PUT /sessiontoken")
    return str(found["SessionToken"])


def _api(books: ContractBooks, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """One call to KashFlow's API in the sandbox, as any client makes it."""
    api = str(books.config["KASHFLOW_API_URL"]).rstrip("/")
    token = _session(books.config, books.credentials)
    return _checked(requests.request(
        method, f"{api}{path}", json=body, timeout=TIMEOUT,
        headers={"Authorization": f"KfToken {token}", "Accept": "application/json"}),
        f"{method} {path}")


def _archived_customer(books: ContractBooks) -> Record:
    customer = books.sent_contact()
    _api(books, "PUT", f"/customers/{customer[1]}", {"IsArchived": True})
    return books.document(customer)


def _code_taken(books: ContractBooks) -> Record:
    """A customer of another name already holds the Code the connector would give ours."""
    record = books.contact()
    _api(books, "POST", "/customers", {"Code": record.reference,
                                       "Name": f"Already here {record.reference}"})
    return record


def _locked(books: ContractBooks) -> Record:
    username = _username(books.credentials)
    _checked(requests.post(f"{_admin_base(books.config)}/sandbox/users/{username}/period-lock",
                           json={"LockDate": LOCK_DATE.isoformat()}, timeout=TIMEOUT),
             "POST period-lock")
    return books.document(books.sent_contact(), on=date(2021, 2, 14))


def _never_issued_code() -> str:
    return f"NONE{uuid.uuid4().hex[:8].upper()}"


def _overpaid(books: ContractBooks) -> Record:
    invoice = books.sent_invoice()
    return books.payment(invoice, amount=invoice[0].total + 1)


def _blank_description(books: ContractBooks) -> Record:
    document = books.document(books.sent_contact())
    return replace(document, lines=tuple(replace(line, description="")
                                         for line in document.lines))


def revoke(config: Mapping[str, Any], credentials: Credentials) -> None:
    """The user changes the password: every session token of theirs ends, and the stored
    password no longer signs in."""
    username = _username(credentials)
    _checked(requests.post(f"{_admin_base(config)}/sandbox/users/{username}/password",
                           json={"Password": secrets.token_urlsafe(16)}, timeout=TIMEOUT),
             "POST password")


PROVOCATIONS: tuple[Provocation, ...] = (
    Provocation("contact_missing", "an invoice for a customer Code KashFlow never issued",
                lambda books: books.document((books.contact(), _never_issued_code()))),
    Provocation("contact_archived", "an invoice for a customer archived in KashFlow",
                _archived_customer),
    Provocation("duplicate_reference", "a new customer whose Code a customer of another name "
                "already holds", _code_taken),
    Provocation("account_unknown", f"a line on nominal code {UNKNOWN_ACCOUNT}, not in the chart",
                lambda books: books.document(books.sent_contact(),
                                             account_code=UNKNOWN_ACCOUNT)),
    Provocation("tax_rate_unknown", f"a line with VAT code {UNKNOWN_VAT}",
                lambda books: books.document(books.sent_contact(), tax_code=UNKNOWN_VAT)),
    Provocation("locked_period", "an invoice dated on or before the period lock", _locked),
    Provocation("invoice_missing", f"a payment of invoice number {NEVER_ISSUED_INVOICE}, "
                "never issued", lambda books: books.payment((books.sent_invoice()[0],
                                                            NEVER_ISSUED_INVOICE))),
    Provocation("amount_exceeds_due", "a payment of more than the invoice still owes",
                _overpaid),
    Provocation("validation", "an invoice line with a blank description", _blank_description),
)
