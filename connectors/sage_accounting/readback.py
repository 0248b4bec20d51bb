"""Sage Accounting's books read back through its own lists (`GET /contacts`, `/sales_invoices`,
`/sales_credit_notes`, `/contact_payments`, paged by `$next`), for tests and the bench (see
connectors/readback.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from connectors.base import Credentials
from connectors.readback import Doc, PackageBooks, PaymentLine, dec, get_json, source_id

LIST = {"attributes": "all", "items_per_page": 200}


def _headers(creds: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {creds.access_token}", "X-Business": creds.tenant_id,
            "Accept": "application/json"}


def api_request(config: Mapping[str, Any], creds: Credentials, method: str, path: str,
                **kwargs: Any) -> requests.Response:
    """One call to Sage's API, e.g. ("POST", "contacts", json=...)."""
    return requests.request(method, f"{config['SAGE_API_URL']}/{path}",
                            headers=_headers(creds), timeout=30, **kwargs)


def list_all(config: Mapping[str, Any], creds: Credentials, collection: str) -> list[dict]:
    """Every item of a list ("sales_invoices", ...), following $next."""
    base = config["SAGE_API_URL"]
    url, params = f"{base}/{collection}", dict(LIST)
    items: list[dict] = []
    while url:
        page = get_json(url, _headers(creds), params)
        items += page["$items"]
        following = page.get("$next")
        url, params = (f"{base}/{following.lstrip('/')}", {}) if following else ("", {})
    return items


def _doc(x: dict) -> Doc:
    # Sage numbers documents itself (SI-1); ours is the reference.
    return Doc(x["id"], x.get("reference") or "", dec(x["total_amount"]), dec(x["tax_amount"]),
               dec(x["outstanding_amount"]), x["contact"]["id"])


def read_books(config: Mapping[str, Any], creds: Credentials,
               names: Mapping[str, str] | None = None) -> PackageBooks:
    """Sage keys contacts by our code (their reference), so `names` is not needed."""

    def every(collection: str) -> list[dict]:
        return list_all(config, creds, collection)

    books = PackageBooks()
    for c in every("contacts"):
        kinds = {t.get("id") for t in c.get("contact_types") or []}
        entry = (c.get("reference") or "", c["id"])
        if "CUSTOMER" in kinds:
            books.contacts.append(entry)
        if "VENDOR" in kinds:
            books.suppliers.append(entry)
    books.invoices = [_doc(x) for x in every("sales_invoices")]
    books.credit_notes = [_doc(x) for x in every("sales_credit_notes")]
    # One receipt may settle several invoices: a line per invoice it pays.
    for x in every("contact_payments"):
        for line in x.get("allocated_artefacts") or []:
            books.payments.append(PaymentLine(source_id(str(x.get("reference") or "")),
                                              line["artefact"]["id"], dec(line["amount"]),
                                              x["id"]))
    return books
