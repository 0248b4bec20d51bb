"""KashFlow's books read back through its own API (`GET /v2/customers`, `/v2/suppliers`,
`/v2/invoices`, `/v2/creditnotes`, paged by MetaData.NextPageUrl; payments from each invoice's
PaymentLines), for tests and the bench (see connectors/readback.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import requests

from connectors.base import Credentials
from connectors.kashflow.client import PER_PAGE, under_api
from connectors.kashflow.payloads import contact_code, external_id
from connectors.readback import Doc, PackageBooks, PaymentLine, dec, source_id


def _headers(creds: Credentials) -> dict[str, str]:
    return {"Authorization": f"KfToken {creds.access_token}", "Accept": "application/json"}


def api_request(config: Mapping[str, Any], creds: Credentials, method: str, path: str,
                **kwargs: Any) -> requests.Response:
    """One call under KashFlow's API, e.g. ("PUT", "customers/C1", json=...)."""
    return requests.request(method, f"{config['KASHFLOW_API_URL']}/{path.lstrip('/')}",
                            headers=_headers(creds), timeout=30, **kwargs)


class ListRefused(AssertionError):
    """KashFlow answered a list with an error (status and text kept)."""

    def __init__(self, url: str, status: int, text: str) -> None:
        super().__init__((url, status, text[:500]))
        self.status = status


def list_all(config: Mapping[str, Any], creds: Credentials, path: str,
             params: Mapping[str, Any] | None = None) -> Iterator[dict]:
    """Every item of a list, following NextPageUrl, waiting out a 429."""
    base = str(config["KASHFLOW_API_URL"]).rstrip("/")
    url: str | None = f"{base}/{path}"
    query: dict[str, Any] | None = {**(params or {}), "page": 1, "perpage": PER_PAGE}
    while url:
        for _ in range(10):
            answer = requests.get(url, headers=_headers(creds), params=query, timeout=60)
            if answer.status_code != 429:
                break
            time.sleep(min(float(answer.headers.get("Retry-After", "2")), 10))
        if answer.status_code != 200:
            raise ListRefused(url, answer.status_code, answer.text)
        reply = answer.json()
        yield from reply["Data"]
        link = (reply.get("MetaData") or {}).get("NextPageUrl")
        url, query = (under_api(base, link) if link else None), None


def _documents(config: Mapping[str, Any], creds: Credentials, path: str,
               customers: list[str]) -> list[dict]:
    """The company's invoices or credit notes: one list, or (if KashFlow insists on a
    customer) each customer's."""
    try:
        return list(list_all(config, creds, path))
    except ListRefused as exc:
        if exc.status != 400:
            raise
    return [x for code in customers
            for x in list_all(config, creds, path, {"customercode": code})]


def read_books(config: Mapping[str, Any], creds: Credentials,
               names: Mapping[str, str] | None = None) -> PackageBooks:
    """Contacts are keyed by their Code, which is our reference (cut and hashed when longer
    than KashFlow's 20 characters: `names` gives the references to undo that with)."""
    ours = {contact_code(ref): ref for ref in (names or {}).values()}

    def doc(x: dict, kind: str, settled: str) -> Doc:
        total = abs(dec(x.get("GrossAmount")))
        return Doc(external_id(kind, x["Number"]), str(x.get("CustomerReference") or ""),
                   total, abs(dec(x.get("VATAmount"))), total - abs(dec(x.get(settled))),
                   str(x.get("CustomerCode") or ""))

    books = PackageBooks()
    for c in list_all(config, creds, "customers"):
        books.contacts.append((ours.get(str(c["Code"]), str(c["Code"])), str(c["Code"])))
    for c in list_all(config, creds, "suppliers"):
        books.suppliers.append((ours.get(str(c["Code"]), str(c["Code"])), str(c["Code"])))
    customers = [code for _, code in books.contacts]
    invoices = _documents(config, creds, "invoices", customers)
    books.invoices = [doc(x, "invoice", "AmountPaid") for x in invoices]
    books.credit_notes = [doc(x, "credit_note", "AmountApplied")
                          for x in _documents(config, creds, "creditnotes", customers)]
    for x in invoices:
        for line in x.get("PaymentLines") or []:
            books.payments.append(PaymentLine(
                source_id(str(line.get("Reference") or "")), external_id("invoice", x["Number"]),
                dec(line.get("Amount")), external_id("payment", line["Number"])))
    return books
