"""The one-time import of the package's contacts, against the sandbox over HTTP."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.linking.conftest import linker  # noqa: F401  (fixture used below)


def _xero_contact(name: str, number: str = "", archived: bool = False) -> dict:
    body = {"Name": name, "EmailAddress": f"{name.split()[0].lower()}@example.test",
            "Addresses": [{"AddressType": "POBOX", "City": "Leeds", "PostalCode": "LS1 1AA"}]}
    if number:
        body["ContactNumber"] = number
    return body


def test_import_creates_linked_contacts_once(app, connected_books, worker_process) -> None:
    books = connected_books()
    made = books.package_api("PUT", "Contacts", json={"Contacts": [
        _xero_contact("Existing Plumbing Ltd", "EX-1"),
        _xero_contact("Boiler Parts Wholesale"),
        _xero_contact("Gone Away Ltd", "EX-3"),
    ]})
    assert made.status_code == 200, made.text
    ids = {c["Name"]: c["ContactID"] for c in made.json()["Contacts"]}
    gone = books.package_api("POST", f"Contacts/{ids['Gone Away Ltd']}",
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
    invoices = books.package_list("Invoices")
    assert [i["Contact"]["ContactID"] for i in invoices] == [ids["Existing Plumbing Ltd"]]
    names = [c["Name"] for c in books.package_list("Contacts")]
    assert sorted(names) == ["Boiler Parts Wholesale", "Existing Plumbing Ltd"]  # no duplicate


def _our_contacts(app, company_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        from app.extensions import db
        from app.models import Contact

        rows = db.session.execute(db.select(Contact.kind, Contact.name).filter_by(
            company_id=company_id).order_by(Contact.kind, Contact.name)).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def _import(app, connection_id: int, again: bool = False) -> dict:
    with app.app_context():
        from app.extensions import db
        from app.jobs import import_contacts
        from app.models import Connection

        if again:  # what a second import would do, were it allowed
            db.session.get(Connection, connection_id).imported_at = None
            db.session.commit()
        result = import_contacts(connection_id)
        db.session.remove()
        return result


def test_import_after_linking_and_sending_adds_only_what_is_new(
    app, linker, worker_process  # noqa: F811
) -> None:
    """Issue 7: imported after some customers were linked, J. Patel came back as "Jane Patel",
    our supplier "Screwfix Direct" came back as a customer. The import must skip every package
    contact already behind one of ours (by the package id on this connection's transfers),
    keep a supplier a supplier, link (not duplicate) a contact of ours still waiting, and a
    second import must add nothing."""
    page = linker()
    books = page.books
    theirs = {}
    for body in ({"Name": "Jane Patel", "EmailAddress": "jane@patel.test"},
                 {"Name": "Greenfield Boilers Ltd"},
                 {"Name": "Hillside Lettings", "EmailAddress": "accounts@hillside.test"},
                 {"Name": "Meadow Farm"}):
        made = books.package_api("PUT", "Contacts", json={"Contacts": [body]})
        assert made.status_code == 200, made.text
        theirs[body["Name"]] = made.json()["Contacts"][0]["ContactID"]
    books.post_all([
        ("customers", {"source_id": "C1", "name": "J. Patel", "email": "jane@patel.test"}),
        ("customers", {"source_id": "C2", "name": "Greenfield Boilers"}),
        ("suppliers", {"source_id": "S1", "name": "Screwfix Direct"}),
        ("customers", {"source_id": "C3", "name": "Zed Newcomer"}),
    ])
    # The bookkeeper links J. Patel to Xero's Jane Patel by hand.
    page.page()  # fetches Xero's contacts for the page
    linked = page.post(f"/{page.transfer('C1').id}/link",
                       {"external_id": theirs["Jane Patel"]})
    assert linked.status_code == 200, linked.get_data(as_text=True)
    worker_process()
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished", run
    assert page.transfer("C2").external_id == theirs["Greenfield Boilers Ltd"]  # found, linked
    assert page.transfer("S1", "supplier").state == "sent"
    # Ours, posted after that send, still waiting to be created: Xero's "Meadow Farm" is it.
    books.post_all([("customers", {"source_id": "C4", "name": "Meadow Farm Ltd"})])

    result = _import(app, books.connection_id)
    assert result == {"customers": 1, "suppliers": 0, "linked_existing": 1,
                      "skipped_archived": 0, "already_linked": 4}
    assert _our_contacts(app, books.company_id) == [
        ("customer", "Greenfield Boilers"), ("customer", "Hillside Lettings"),
        ("customer", "J. Patel"), ("customer", "Meadow Farm Ltd"),
        ("customer", "Zed Newcomer"), ("supplier", "Screwfix Direct")]
    assert page.transfer("C4").external_id == theirs["Meadow Farm"]

    again = _import(app, books.connection_id, again=True)
    assert again == {"customers": 0, "suppliers": 0, "linked_existing": 0,
                     "skipped_archived": 0, "already_linked": 6}
    assert len(_our_contacts(app, books.company_id)) == 6
    names = sorted(c["Name"] for c in books.package_list("Contacts"))
    assert names == ["Greenfield Boilers Ltd", "Hillside Lettings", "Jane Patel", "Meadow Farm",
                     "Screwfix Direct", "Zed Newcomer"]


def test_a_supplier_without_documents_comes_back_as_a_supplier(app, connected_books) -> None:
    """Xero flags a contact as a supplier only once it has bills: one that carries the code of
    one of our suppliers is that supplier, not a new customer."""
    books = connected_books()
    books.post_all([("suppliers", {"source_id": "SUP-9", "name": "Plumb Centre"})])
    made = books.package_api("PUT", "Contacts", json={"Contacts": [
        {"Name": "Plumb Centre Wakefield", "ContactNumber": "SUP-9"}]})
    assert made.status_code == 200, made.text
    result = _import(app, books.connection_id)
    assert (result["customers"], result["suppliers"], result["linked_existing"]) == (0, 0, 1)
    assert _our_contacts(app, books.company_id) == [("supplier", "Plumb Centre")]
    supplier = next(t for t in books.transfers() if t.record_type == "supplier")
    assert supplier.state == "sent"
    assert supplier.external_id == made.json()["Contacts"][0]["ContactID"]


def test_qbo_import_tells_a_vendor_from_a_customer_with_the_same_id(
    app, connected_books, worker_process
) -> None:
    """QuickBooks Online numbers customers and vendors separately: Vendor 1 is not our
    Customer 1, so it must be imported (as a supplier), not skipped as already ours."""
    from tests.journey.test_two_packages import QboBooks

    books = connected_books(package="quickbooks_online")
    qbo = QboBooks(app, books.connection_id)
    vendor = qbo.call("POST", "vendor", json={"DisplayName": "Builders Merchant"})["Vendor"]
    books.post_all([("customers", {"source_id": "C1", "name": "Alpha Heating"})])
    worker_process()
    assert books.wait_for_run(books.send()["id"])["status"] == "finished"
    customer = next(t for t in books.transfers() if t.record_type == "customer")
    assert customer.external_id == vendor["Id"]  # the same number, two different contacts

    result = _import(app, books.connection_id)
    assert (result["customers"], result["suppliers"], result["already_linked"]) == (0, 1, 1)
    assert _our_contacts(app, books.company_id) == [("customer", "Alpha Heating"),
                                                    ("supplier", "Builders Merchant")]
