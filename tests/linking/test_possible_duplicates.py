"""Looking in the package before a contact is created (issue 7): an exact twin is linked by
itself, a likely one holds the contact as a "possible duplicate" on the Linking page with its
invoices waiting, and the bookkeeper links it or creates it anyway. Real Send Data runs in a
worker against the sandbox Xero; Xero is read back through its own API."""

from __future__ import annotations

from collections import Counter

from app.extensions import db
from app.models import TransferEvent
from tests.linking.conftest import make_xero_contacts, squash
from tests.linking.test_linking import invoice


def _notes(app, transfer_id: int) -> list[str]:
    with app.app_context():
        notes = list(db.session.execute(db.select(TransferEvent.note).filter_by(
            transfer_id=transfer_id).order_by(TransferEvent.id)).scalars())
        db.session.remove()
        return notes


def test_look_before_creating_links_holds_and_asks(app, linker, worker_process) -> None:
    page = linker()
    books = page.books
    theirs = make_xero_contacts(books, [
        {"Name": "Jane Patel", "EmailAddress": "jane@patel.test"},
        {"Name": "Greenfield Boilers Ltd"},
        {"Name": "Hall and Co Ltd", "EmailAddress": "office@hall-builders.test"},
        {"Name": "Northern Counties Property Maintenance and Facilities Management "
                 "Services Group of Companies, Oakwood Division, Leeds and Bradford"},
    ])
    books.post_all([
        ("customers", {"source_id": "C1", "name": "J. Patel", "email": "Jane@Patel.test"}),
        ("customers", {"source_id": "C2", "name": "GREENFIELD BOILERS"}),
        ("customers", {"source_id": "C3", "name": "Oakwood"}),
        ("customers", {"source_id": "C4", "name": "Hall & Co", "email": "hall@other.test"}),
        invoice("1", "C1"), invoice("2", "C2"), invoice("3", "C3"), invoice("4", "C4"),
    ])
    worker_process()
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished", run

    # Exact (same name once "Ltd" and case are set aside): linked, not created.
    greenfield = page.transfer("C2")
    assert (greenfield.state, greenfield.external_id) == ("sent",
                                                          theirs["Greenfield Boilers Ltd"])
    assert any(n.startswith("found in Xero before creating it: “Greenfield Boilers Ltd”")
               for n in _notes(app, greenfield.id))
    # Likely (same email, name alike; same name but another email): held, never created.
    patel, hall = page.transfer("C1"), page.transfer("C4")
    assert (patel.state, patel.reason) == ("blocked", "possible_duplicate")
    assert patel.possible_duplicate == [{"id": theirs["Jane Patel"], "name": "Jane Patel",
                                         "reasons": ["same email (jane@patel.test)",
                                                     "name 82% alike",
                                                     "an initial where the other has the "
                                                     "whole word"]}]
    assert "Possibly already in Xero as “Jane Patel”" in patel.explanation
    assert (hall.state, hall.reason) == ("blocked", "possible_duplicate")
    assert "but a different email" in hall.possible_duplicate[0]["reasons"]
    # Their invoices wait, blocked by them with that reason.
    by_record = {t.record_id: t for t in books.transfers() if t.record_type == "invoice"}
    waiting = [t for t in by_record.values() if t.blocked_by_id in (patel.id, hall.id)]
    assert len(waiting) == 2 and {t.state for t in waiting} == {"blocked"}
    assert {t.reason for t in waiting} == {"parent_possible_duplicate"}
    assert all("may already be in Xero" in t.explanation for t in waiting)
    # The held customer's own page says why, and where to decide.
    record = squash(page.client.get(f"/records/{patel.id}").get_data(as_text=True))
    assert "Possibly already in Xero as “Jane Patel”" in record
    assert "Open the Linking page →" in record
    # A long unrelated name that merely contains ours is not a twin: Oakwood was created.
    assert page.transfer("C3").state == "sent"
    names = Counter(c["Name"] for c in books.package_list("Contacts"))
    assert names == Counter(["Jane Patel", "Greenfield Boilers Ltd", "Hall and Co Ltd",
                             "Oakwood", next(n for n in theirs if n.startswith("Northern"))])

    # A second run changes nothing about them: still held, no new history, not created.
    history = _notes(app, patel.id)
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished", run
    assert page.transfer("C1").state == "blocked"
    assert _notes(app, patel.id) == history

    # The Linking page shows them first (before a plain new one, alphabetically earlier), as
    # "possible duplicate: link or create?".
    books.post_all([("customers", {"source_id": "C5", "name": "Aardvark Heating"})])
    body = squash(page.page().get_data(as_text=True))
    aardvark = page.transfer("C5")
    rows = [body.index(f'id="link-row-{t.id}"') for t in (hall, patel, aardvark)]
    assert rows == sorted(rows), rows
    assert body.count("Possible duplicate: link or create?") == 2
    assert "Held back as possibly this one" in body
    assert "same email (jane@patel.test), name 82% alike" in body
    assert "Create it anyway" in body

    # The bookkeeper links one and creates the other anyway.
    linked = page.post(f"/{patel.id}/link", {"external_id": theirs["Jane Patel"]})
    assert linked.status_code == 200, linked.get_data(as_text=True)
    made = page.post(f"/{hall.id}/create-new")
    assert made.status_code == 200
    assert "the next Send Data creates “Hall &amp; Co” as a new contact in Xero" in squash(
        made.get_data(as_text=True))
    after = page.transfer("C4")
    assert (after.state, after.create_anyway, after.possible_duplicate) == ("pending", True,
                                                                            None)
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished", run

    assert {t.state for t in books.transfers()} == {"sent"}
    names = Counter(c["Name"] for c in books.package_list("Contacts"))
    assert names["Jane Patel"] == 1 and names["J. Patel"] == 0
    assert names["Hall & Co"] == 1 and names["Hall and Co Ltd"] == 1
    assert names["Aardvark Heating"] == 1
    invoices = {i["InvoiceNumber"]: i["Contact"]["ContactID"]
                for i in books.package_list("Invoices")}
    assert invoices["INV-1"] == theirs["Jane Patel"]
    assert invoices["INV-2"] == theirs["Greenfield Boilers Ltd"]
    assert invoices["INV-4"] == page.transfer("C4").external_id != theirs["Hall and Co Ltd"]


def test_xero_busy_while_looking_parks_the_run_and_creates_nothing_blind(
    app, connected_books, worker_process
) -> None:
    """The look-up is a call like any other: a 429 on it parks the run (nothing is created
    without looking first), and the resumed run looks, then links or creates once."""
    import time

    from tests.sync.test_engine_scenarios import _connection, _worker_ready, _xero_is_busy

    books = connected_books()
    theirs = make_xero_contacts(books, [{"Name": "Busy Bee Heating Ltd"}])
    books.post_all([("customers", {"source_id": "C1", "name": "Busy Bee Heating"}),
                    ("customers", {"source_id": "C2", "name": "Quiet Newcomer"}),
                    invoice("1", "C1")])
    worker_process()
    _worker_ready(app)
    _xero_is_busy(app, _connection(books).tenant_id, retry_after=4)
    run_id = books.send()["id"]
    deadline = time.monotonic() + 20
    while (waiting := books.get(f"runs/{run_id}"))["status"] != "waiting":
        assert time.monotonic() < deadline and waiting["status"] != "finished", waiting
        time.sleep(0.05)
    assert "Xero asked us to slow down" in waiting["detail"], waiting
    assert {t.state for t in books.transfers()} == {"pending"}
    run = books.wait_for_run(run_id, timeout=60)
    assert run["status"] == "finished", run
    names = Counter(c["Name"] for c in books.package_list("Contacts"))
    assert names == Counter(["Busy Bee Heating Ltd", "Quiet Newcomer"])
    invoices = {i["InvoiceNumber"]: i["Contact"]["ContactID"]
                for i in books.package_list("Invoices")}
    assert invoices == {"INV-1": theirs["Busy Bee Heating Ltd"]}


def test_a_held_contact_is_looked_at_again_and_one_business_is_one_xero_contact(
    app, connected_books, worker_process
) -> None:
    """Held "Hall & Co" is released once Xero's look-alike is archived; our customer and our
    supplier of the same name, both new, become one Xero contact (Xero's contacts are both)."""
    books = connected_books()
    theirs = make_xero_contacts(books, [{"Name": "Hall and Co Ltd",
                                         "EmailAddress": "office@hall.test"}])
    books.post_all([
        ("customers", {"source_id": "C1", "name": "Hall & Co", "email": "hall@other.test"}),
        ("customers", {"source_id": "C2", "name": "Dual Trading"}),
        ("suppliers", {"source_id": "S2", "name": "Dual Trading Ltd"}),
        invoice("1", "C1"),
    ])
    worker_process()
    assert books.wait_for_run(books.send()["id"])["status"] == "finished"
    by_kind = {(t.record_type, t.record_id): t for t in books.transfers()}
    hall = next(t for (k, _), t in by_kind.items() if k == "customer" and t.state == "blocked")
    customer = next(t for (k, _), t in by_kind.items() if k == "customer" and t.id != hall.id)
    supplier = next(t for (k, _), t in by_kind.items() if k == "supplier")
    assert customer.state == supplier.state == "sent"
    assert customer.external_id == supplier.external_id  # one Xero contact for both

    archived = books.package_api("POST", f"Contacts/{theirs['Hall and Co Ltd']}",
                          json={"Contacts": [{"ContactStatus": "ARCHIVED"}]})
    assert archived.status_code == 200, archived.text
    assert books.wait_for_run(books.send()["id"])["status"] == "finished"
    assert {t.state for t in books.transfers()} == {"sent"}
    assert any(n.startswith("no longer looks like a contact already in Xero")
               for n in _notes(app, hall.id))
    active = Counter(c["Name"] for c in books.package_list("Contacts")
                     if c["ContactStatus"] == "ACTIVE")
    assert active == Counter(["Hall & Co", "Dual Trading"])


def test_a_contact_found_before_creating_is_shown_and_can_be_unlinked(
    app, linker, worker_process
) -> None:
    """A link Send Data made by itself is listed on the Linking page and can be undone (while
    nothing went against it); then the contact is created as new, not linked back."""
    page = linker()
    books = page.books
    theirs = make_xero_contacts(books, [{"Name": "Oak Tree Dental Ltd"}])
    books.post_all([("customers", {"source_id": "C1", "name": "Oak Tree Dental"})])
    worker_process()
    assert books.wait_for_run(books.send()["id"])["status"] == "finished"
    found = page.transfer("C1")
    assert (found.state, found.external_id) == ("sent", theirs["Oak Tree Dental Ltd"])
    body = squash(page.page().get_data(as_text=True))
    assert "Found in Xero and linked (1)" in body
    assert "Linked by hand (0)" in body

    answer = page.post(f"/{found.id}/unlink")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "Unlinked: the next Send Data creates “Oak Tree Dental” as a new contact" in squash(
        answer.get_data(as_text=True))
    after = page.transfer("C1")
    assert (after.state, after.create_anyway) == ("pending", True)
    assert books.wait_for_run(books.send()["id"])["status"] == "finished"
    created = page.transfer("C1")
    assert created.state == "sent" and created.external_id != theirs["Oak Tree Dental Ltd"]
    names = sorted(c["Name"] for c in books.package_list("Contacts"))
    assert names == ["Oak Tree Dental", "Oak Tree Dental Ltd"]
