"""FreeAgent's books read back through its own API (`GET /v2/contacts`, `/v2/invoices`,
`/v2/credit_notes`, and each bank account's `/v2/bank_transaction_explanations`, paged by the
Link header), for tests and the bench (see connectors/readback.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import requests

from connectors.base import Credentials
from connectors.freeagent.client import PER_PAGE, user_agent
from connectors.freeagent.pushing import contact_name, name_key
from connectors.readback import Doc, PackageBooks, PaymentLine, dec, source_id


def _headers(config: Mapping[str, Any], creds: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {creds.access_token}", "Accept": "application/json",
            "User-Agent": user_agent(config)}


def api_request(config: Mapping[str, Any], creds: Credentials, method: str, path: str,
                **kwargs: Any) -> requests.Response:
    """One call under FreeAgent's API, e.g. ("POST", "contacts", json=...)."""
    return requests.request(method, f"{config['FREEAGENT_API_URL']}/v2/{path}",
                            headers=_headers(config, creds), timeout=30, **kwargs)


def list_all(config: Mapping[str, Any], creds: Credentials, path: str, key: str,
             params: Mapping[str, Any] | None = None) -> Iterator[dict]:
    """Every item of a list, following rel="next", waiting out a 429."""
    url: str | None = f"{config['FREEAGENT_API_URL']}/v2/{path}"
    query: dict[str, Any] | None = {**(params or {}), "per_page": PER_PAGE}
    while url:
        for _ in range(10):
            answer = requests.get(url, headers=_headers(config, creds), params=query, timeout=60)
            if answer.status_code != 429:
                break
            time.sleep(min(float(answer.headers.get("Retry-After", "2")), 10))
        if answer.status_code != 200:
            raise AssertionError((url, answer.status_code, answer.text[:500]))
        yield from answer.json()[key]
        url, query = answer.links.get("next", {}).get("url"), None


def read_books(config: Mapping[str, Any], creds: Credentials,
               names: Mapping[str, str] | None = None) -> PackageBooks:
    """`names` maps our contacts' names to their source ids: FreeAgent contacts have no code
    field, so the connector finds them by name and so must we."""
    by_name = {name_key(name): key for name, key in (names or {}).items()}

    def doc(x: dict) -> Doc:
        # Credit notes are held negative; the checks compare amounts as positive.
        return Doc(x["url"], str(x.get("reference") or ""), abs(dec(x.get("total_value"))),
                   abs(dec(x.get("sales_tax_value"))), abs(dec(x.get("due_value"))),
                   str(x.get("contact") or ""))

    books = PackageBooks()
    for c in list_all(config, creds, "contacts", "contacts", {"view": "all"}):
        books.contacts.append((by_name.get(name_key(contact_name(c)), contact_name(c)),
                               c["url"]))
    books.suppliers = list(books.contacts)  # one contact is customer and supplier alike
    books.invoices = [doc(x) for x in list_all(config, creds, "invoices", "invoices",
                                               {"view": "all"})]
    books.credit_notes = [doc(x) for x in list_all(config, creds, "credit_notes",
                                                   "credit_notes", {"view": "all"})]
    for bank in list_all(config, creds, "bank_accounts", "bank_accounts"):
        for x in list_all(config, creds, "bank_transaction_explanations",
                          "bank_transaction_explanations", {"bank_account": bank["url"]}):
            if x.get("paid_invoice"):
                books.payments.append(PaymentLine(source_id(str(x.get("description") or "")),
                                                  x["paid_invoice"], dec(x["gross_value"]),
                                                  x["url"]))
    return books
