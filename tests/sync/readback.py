"""What a package's books hold, read through the package's OWN API in its sandbox (as any client
of Xero or QuickBooks Online would read them), normalised to one shape so that one set of checks
serves every package.

- Xero: the REST lists (`GET /Contacts?page=`, `/Invoices`, `/CreditNotes`, `/Payments`).
- QuickBooks Online: the query endpoint (`select * from Invoice startposition n maxresults m`),
  paged until a short page.

Nothing here trusts our own database: ids, totals and balances are the package's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

QBO_PAGE = 1000  # QBO's largest MAXRESULTS
XERO_PAGE = 100


@dataclass(frozen=True)
class Doc:
    """An invoice or credit note as the package holds it."""

    package_id: str
    number: str
    total: Decimal
    tax: Decimal
    due: Decimal  # Xero AmountDue / RemainingCredit, QBO Balance
    contact_id: str


@dataclass(frozen=True)
class PaymentLine:
    """Money received against one invoice by one of our payments."""

    source_id: str  # our payment's source id, from the reference we gave it
    invoice_id: str  # the package's invoice id
    amount: Decimal
    package_id: str  # the package's payment id (QBO: one payment, many lines)


@dataclass
class PackageBooks:
    # Lists, not dicts: a duplicate in the package must stay visible to the checks.
    contacts: list[tuple[str, str]] = field(default_factory=list)  # (our key, package id)
    invoices: list[Doc] = field(default_factory=list)
    credit_notes: list[Doc] = field(default_factory=list)
    payments: list[PaymentLine] = field(default_factory=list)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def _source_id(reference: str) -> str:
    """Our payment references are "<their reference> (<source id>)" or the source id alone."""
    reference = reference.strip()
    if reference.endswith(")") and "(" in reference:
        return reference.rsplit("(", 1)[-1][:-1]
    return reference


def _get(url: str, headers: dict[str, str], params: dict[str, Any]) -> dict:
    """One read, waiting out a 429 (reading back is not what the tests measure)."""
    for _ in range(10):
        answer = requests.get(url, headers=headers, params=params, timeout=60)
        if answer.status_code == 429:
            time.sleep(min(float(answer.headers.get("Retry-After", "2")), 10))
            continue
        assert answer.status_code == 200, (url, params, answer.status_code, answer.text[:500])
        return answer.json()
    raise AssertionError(f"{url} kept answering 429")


# ---------------------------------------------------------------------------- Xero
def xero_books(base_url: str, access_token: str, tenant_id: str) -> PackageBooks:
    headers = {"Authorization": f"Bearer {access_token}", "xero-tenant-id": tenant_id,
               "Accept": "application/json"}

    def every(collection: str) -> list[dict]:
        items: list[dict] = []
        page = 1
        while True:
            batch = _get(f"{base_url}/sandbox/xero/api.xro/2.0/{collection}", headers,
                         {"page": page})[collection]
            items += batch
            if len(batch) < XERO_PAGE:
                return items
            page += 1

    books = PackageBooks()
    books.contacts = [(c.get("ContactNumber") or "", c["ContactID"]) for c in every("Contacts")]
    books.invoices = [
        Doc(x["InvoiceID"], x["InvoiceNumber"], _dec(x["Total"]), _dec(x["TotalTax"]),
            _dec(x["AmountDue"]), x["Contact"]["ContactID"])
        for x in every("Invoices")
    ]
    books.credit_notes = [
        Doc(x["CreditNoteID"], x["CreditNoteNumber"], _dec(x["Total"]), _dec(x["TotalTax"]),
            _dec(x.get("RemainingCredit")), x["Contact"]["ContactID"])
        for x in every("CreditNotes")
    ]
    # Xero makes one Payment per invoice paid.
    books.payments = [
        PaymentLine(_source_id(str(x.get("Reference") or "")), x["Invoice"]["InvoiceID"],
                    _dec(x["Amount"]), x["PaymentID"])
        for x in every("Payments")
    ]
    return books


# ---------------------------------------------------------------------------- QuickBooks Online
def qbo_books(api_url: str, access_token: str, realm_id: str,
              contact_key: Callable[[dict], str]) -> PackageBooks:
    """`contact_key` turns a QBO Customer into our key (QBO customers have no code field: the
    connector finds them by DisplayName)."""
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}

    def every(entity: str) -> list[dict]:
        items: list[dict] = []
        start = 1
        while True:
            text = f"select * from {entity} startposition {start} maxresults {QBO_PAGE}"  # noqa: S608 (a fixed entity name)
            page = _get(f"{api_url}/v3/company/{realm_id}/query", headers,
                        {"query": text, "minorversion": "75"})["QueryResponse"].get(entity, [])
            items += page
            if len(page) < QBO_PAGE:
                return items
            start += QBO_PAGE

    def doc(x: dict) -> Doc:
        return Doc(x["Id"], x.get("DocNumber", ""), _dec(x["TotalAmt"]),
                   _dec((x.get("TxnTaxDetail") or {}).get("TotalTax")), _dec(x["Balance"]),
                   x["CustomerRef"]["value"])

    books = PackageBooks()
    books.contacts = [(contact_key(c), c["Id"]) for c in every("Customer")]
    books.invoices = [doc(x) for x in every("Invoice")]
    books.credit_notes = [doc(x) for x in every("CreditMemo")]
    for x in every("Payment"):
        links = [(line["LinkedTxn"][0], _dec(line["Amount"])) for line in x.get("Line", [])
                 if line.get("LinkedTxn")]
        if any(link["TxnType"] == "CreditMemo" for link, _ in links):
            continue  # a credit memo applied to its invoice (a zero payment), not money in
        for link, amount in links:
            if link["TxnType"] == "Invoice":
                books.payments.append(PaymentLine(_source_id(str(x.get("PrivateNote") or "")),
                                                  link["TxnId"], amount, x["Id"]))
    return books


def read_books(app: Any, base_url: str, connection_id: int,
               names: dict[str, str] | None = None) -> PackageBooks:
    """The connection's package books. `names`: our customers' names -> source ids, for
    packages that know a customer by name only."""
    from app.extensions import db
    from app.models import Connection
    from app.sync.tokens import fresh_credentials

    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        package = connection.package
        creds = fresh_credentials(connection)
        api_url = app.config["QBO_API_URL"]
        db.session.remove()
    if package == "xero":
        return xero_books(base_url, creds.access_token, creds.tenant_id)
    if package == "quickbooks_online":
        from connectors.quickbooks_online.payloads import display_name

        by_name = {display_name(name): key for name, key in (names or {}).items()}
        return qbo_books(api_url, creds.access_token, creds.tenant_id,
                         lambda c: by_name.get(c.get("DisplayName", ""), c.get("DisplayName", "")))
    raise ValueError(f"no read-back for {package}")
