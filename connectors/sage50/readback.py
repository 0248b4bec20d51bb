"""Sage 50's books read back for tests and the bench (see connectors/readback.py). Sage 50 has
no API of its own to read through: in sandbox mode the simulated company (the company file on
the customer's PC) shows every record and posting at its books address, kept with the
connection by the demo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import Credentials
from connectors.readback import Doc, PackageBooks, PaymentLine, dec, get_json, source_id

SI, SC, SR = 1, 2, 3  # the audit trail's types, as Sage Data Objects number them


def books_url(config: Mapping[str, Any], creds: Credentials) -> str:
    company = creds.extra.get("sandbox_company_id", "")
    return f"{config['SAGE50_SANDBOX_URL']}/companies/{company}/books"


def read_books(config: Mapping[str, Any], creds: Credentials,
               names: Mapping[str, str] | None = None) -> PackageBooks:
    """Contacts keyed by our source id through their names (`names`; the account ref is
    Sage's); a receipt's lines by the reference that holds our payment's source id."""
    found = get_json(books_url(config, creds), {}, {})
    names = names or {}
    books = PackageBooks()
    for record in found["customers"]:
        books.contacts.append((names.get(record["NAME"], record["NAME"]),
                               record["ACCOUNT_REF"]))
    for record in found["suppliers"]:
        books.suppliers.append((names.get(record["NAME"], record["NAME"]),
                                record["ACCOUNT_REF"]))
    for header in found["transactions"]:
        number = str(header["tran_number"])
        if header["type"] in (SI, SC):
            doc = Doc(number, header["inv_ref"], dec(header["gross"]), dec(header["tax"]),
                      dec(header["gross"]) - dec(header["amount_paid"]),
                      header["account_ref"])
            (books.invoices if header["type"] == SI else books.credit_notes).append(doc)
        elif header["type"] == SR:
            for allocation in header.get("allocations", []):
                books.payments.append(PaymentLine(source_id(header["inv_ref"]),
                                                  str(allocation["tran_number"]),
                                                  dec(allocation["amount"]), number))
    return books
