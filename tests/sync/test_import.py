"""The one-time import of the package's contacts, against the sandbox over HTTP."""

from __future__ import annotations

from collections import Counter

import pytest


def _xero_contact(name: str, number: str = "", archived: bool = False) -> dict:
    body = {"Name": name, "EmailAddress": f"{name.split()[0].lower()}@example.test",
            "Addresses": [{"AddressType": "POBOX", "City": "Leeds", "PostalCode": "LS1 1AA"}]}
    if number:
        body["ContactNumber"] = number
    return body


def test_import_creates_linked_contacts_once(app, connected_books, worker_process) -> None:
    books = connected_books()
    made = books.xero("PUT", "Contacts", json={"Contacts": [
        _xero_contact("Existing Plumbing Ltd", "EX-1"),
        _xero_contact("Boiler Parts Wholesale"),
        _xero_contact("Gone Away Ltd", "EX-3"),
    ]})
    assert made.status_code == 200, made.text
    ids = {c["Name"]: c["ContactID"] for c in made.json()["Contacts"]}
    gone = books.xero("POST", f"Contacts/{ids['Gone Away Ltd']}",
                      json={"Contacts": [{"ContactID": ids["Gone Away Ltd"],
                                          "ContactStatus": "ARCHIVED"}]})
    assert gone.status_code == 200, gone.text

    with app.app_context():
        from app.extensions import db
        from app.jobs import import_contacts
        from app.models import Connection
        from app.sync.importing import ImportAlreadyDone

        result = import_contacts(books.connection_id)
        assert result == {"customers": 2, "suppliers": 0, "linked_existing": 0,
                          "skipped_archived": 1, "already_linked": 0}
        with pytest.raises(ImportAlreadyDone):
            import_contacts(books.connection_id)
        assert db.session.get(Connection, books.connection_id).imported_at is not None

    linked = {t.external_id: t for t in books.transfers()}
    assert set(linked) == {ids["Existing Plumbing Ltd"], ids["Boiler Parts Wholesale"]}
    assert Counter(t.state for t in linked.values()) == {"sent": 2}
    # The job system now invoices the imported customer by the package's own code.
    customer = books.get("customers/EX-1")
    assert customer["name"] == "Existing Plumbing Ltd"
    books.post_all([("invoices", {
        "source_id": "IMP-I1", "number": f"IMP-{books.company_id}-1",
        "customer_source_id": "EX-1", "date": "2026-11-02", "amounts_are": "exclusive",
        "lines": [{"description": "Service", "quantity": 1, "unit_price": 80,
                   "account": "sales", "tax_rate": "standard"}],
    })])
    worker_process()
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished" and run["sent"] == 1, run
    invoices = books.xero_all("Invoices")
    assert [i["Contact"]["ContactID"] for i in invoices] == [ids["Existing Plumbing Ltd"]]
    names = [c["Name"] for c in books.xero_all("Contacts")]
    assert sorted(names) == ["Boiler Parts Wholesale", "Existing Plumbing Ltd"]  # no duplicate
