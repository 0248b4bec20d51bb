"""QuickBooks Online's books read back through its query endpoint (`select * from Invoice
startposition n maxresults m`, paged until a short page), for tests and the bench (see
connectors/readback.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from connectors.base import Credentials
from connectors.quickbooks_online.payloads import display_name
from connectors.readback import Doc, PackageBooks, PaymentLine, dec, get_json, source_id

PAGE = 1000  # QBO's largest MAXRESULTS


def _headers(creds: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {creds.access_token}", "Accept": "application/json"}


def _minor_version(config: Mapping[str, Any]) -> str:
    return str(config.get("QBO_MINOR_VERSION") or "75")


def api_request(config: Mapping[str, Any], creds: Credentials, method: str, path: str,
                **kwargs: Any) -> requests.Response:
    """One call under the company's API, e.g. ("GET", "invoice/12")."""
    params = {"minorversion": _minor_version(config), **kwargs.pop("params", {})}
    return requests.request(
        method, f"{config['QBO_API_URL']}/v3/company/{creds.tenant_id}/{path}",
        headers=_headers(creds), params=params, timeout=30, **kwargs)


def list_all(config: Mapping[str, Any], creds: Credentials, entity: str) -> list[dict]:
    """Every object of an entity ("Invoice", ...), through the query endpoint."""
    base = f"{config['QBO_API_URL']}/v3/company/{creds.tenant_id}"
    items: list[dict] = []
    start = 1
    while True:
        text = f"select * from {entity} startposition {start} maxresults {PAGE}"  # noqa: S608 (a fixed entity name)
        page = get_json(f"{base}/query", _headers(creds),
                        {"query": text, "minorversion": _minor_version(config)}
                        )["QueryResponse"].get(entity, [])
        items += page
        if len(page) < PAGE:
            return items
        start += PAGE


def read_books(config: Mapping[str, Any], creds: Credentials,
               names: Mapping[str, str] | None = None) -> PackageBooks:
    """`names` maps our customers' names to their source ids: QBO customers have no code
    field, so the connector finds them by DisplayName and so must we."""
    by_name = {display_name(name): key for name, key in (names or {}).items()}

    def every(entity: str) -> list[dict]:
        return list_all(config, creds, entity)

    def doc(x: dict) -> Doc:
        return Doc(x["Id"], x.get("DocNumber", ""), dec(x["TotalAmt"]),
                   dec((x.get("TxnTaxDetail") or {}).get("TotalTax")), dec(x["Balance"]),
                   x["CustomerRef"]["value"])

    def contact_key(c: dict) -> str:
        shown = c.get("DisplayName", "")
        return by_name.get(shown, shown)

    books = PackageBooks()
    books.contacts = [(contact_key(c), c["Id"]) for c in every("Customer")]
    # Vendors carry our code in AcctNum (payloads.contact_payload), else their name.
    books.suppliers = [(c.get("AcctNum") or contact_key(c), c["Id"]) for c in every("Vendor")]
    books.invoices = [doc(x) for x in every("Invoice")]
    books.credit_notes = [doc(x) for x in every("CreditMemo")]
    for x in every("Payment"):
        links = [(line["LinkedTxn"][0], dec(line["Amount"])) for line in x.get("Line", [])
                 if line.get("LinkedTxn")]
        if any(link["TxnType"] == "CreditMemo" for link, _ in links):
            continue  # a credit memo applied to its invoice (a zero payment), not money in
        for link, amount in links:
            if link["TxnType"] == "Invoice":
                books.payments.append(PaymentLine(source_id(str(x.get("PrivateNote") or "")),
                                                  link["TxnId"], amount, x["Id"]))
    return books
