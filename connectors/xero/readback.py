"""Xero's books read back through its REST lists (`GET /Contacts?page=`, `/Invoices`,
`/CreditNotes`, `/Payments`), for tests and the bench (see connectors/readback.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from connectors.base import Credentials
from connectors.readback import Doc, PackageBooks, PaymentLine, dec, get_json, source_id

PAGE = 100


def _headers(creds: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {creds.access_token}",
            "xero-tenant-id": creds.tenant_id, "Accept": "application/json"}


def api_request(config: Mapping[str, Any], creds: Credentials, method: str, path: str,
                **kwargs: Any) -> requests.Response:
    """One call to Xero's accounting API, e.g. ("PUT", "Contacts", json=...)."""
    return requests.request(method, f"{config['XERO_API_URL']}/api.xro/2.0/{path}",
                            headers=_headers(creds), timeout=30, **kwargs)


def list_all(config: Mapping[str, Any], creds: Credentials, collection: str) -> list[dict]:
    """Every item of a collection ("Invoices", ...), page by page."""
    base = f"{config['XERO_API_URL']}/api.xro/2.0"
    items: list[dict] = []
    page = 1
    while True:
        batch = get_json(f"{base}/{collection}", _headers(creds), {"page": page})[collection]
        items += batch
        if len(batch) < PAGE:
            return items
        page += 1


def read_books(config: Mapping[str, Any], creds: Credentials,
               names: Mapping[str, str] | None = None) -> PackageBooks:
    """Xero keys contacts by our ContactNumber, so `names` is not needed."""

    def every(collection: str) -> list[dict]:
        return list_all(config, creds, collection)

    books = PackageBooks()
    books.contacts = [(c.get("ContactNumber") or "", c["ContactID"]) for c in every("Contacts")]
    # One Contact is customer and supplier alike (Xero derives IsSupplier from bills).
    books.suppliers = list(books.contacts)
    books.invoices = [
        Doc(x["InvoiceID"], x["InvoiceNumber"], dec(x["Total"]), dec(x["TotalTax"]),
            dec(x["AmountDue"]), x["Contact"]["ContactID"])
        for x in every("Invoices")
    ]
    books.credit_notes = [
        Doc(x["CreditNoteID"], x["CreditNoteNumber"], dec(x["Total"]), dec(x["TotalTax"]),
            dec(x.get("RemainingCredit")), x["Contact"]["ContactID"])
        for x in every("CreditNotes")
    ]
    # Xero makes one Payment per invoice paid.
    books.payments = [
        PaymentLine(source_id(str(x.get("Reference") or "")), x["Invoice"]["InvoiceID"],
                    dec(x["Amount"]), x["PaymentID"])
        for x in every("Payments")
    ]
    return books
