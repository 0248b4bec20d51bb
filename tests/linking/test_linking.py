"""The Linking page end to end: contacts already in a sandbox Xero organisation, our customers
posted through the inbound API, suggestions with reasons, one link by hand, strong matches
confirmed in bulk, unlink before anything went against the link, then a real Send Data that
creates no duplicate and sends the invoices to the existing Xero contacts."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Transfer, TransferEvent
from tests.linking.conftest import make_xero_contacts, squash


def invoice(source_id: str, customer: str) -> tuple[str, dict]:
    return ("invoices", {
        "source_id": source_id, "number": f"INV-{source_id}", "customer_source_id": customer,
        "date": "2026-11-01", "amounts_are": "exclusive",
        "lines": [{"description": "Boiler service", "quantity": 1, "unit_price": 85,
                   "account": "sales", "tax_rate": "standard"}]})


def checked_pairs(html: str) -> list[str]:
    return re.findall(r'name="pair" value="([^"]+)"[^>]*checked', html)


def test_suggest_link_bulk_unlink_and_send_without_duplicates(app, linker, worker_process):
    page = linker()
    books = page.books
    theirs = make_xero_contacts(books, [
        {"Name": "Bob's Plumbing", "EmailAddress": "bob@bobs.test",
         "Addresses": [{"AddressType": "POBOX", "AddressLine1": "1 Mill St",
                        "PostalCode": "LS1 4AB"}]},
        {"Name": "Hannah Jones Heating", "EmailAddress": "accounts@hjh.test",
         "Addresses": [{"AddressType": "POBOX", "PostalCode": "LS6 2AA"}]},
        {"Name": "Smith & Sons Ltd",
         "Addresses": [{"AddressType": "POBOX", "AddressLine1": "2 Low Rd",
                        "PostalCode": "BD7 1AA"}]},
        {"Name": "Archived Carpentry"},
        {"Name": "Quite Unrelated Ltd"},
    ])
    archived = books.package_api("POST", f"Contacts/{theirs['Archived Carpentry']}",
                          json={"Contacts": [{"ContactStatus": "ARCHIVED"}]})
    assert archived.status_code == 200, archived.text
    books.post_all([
        ("customers", {"source_id": "C1", "name": "Bob’s Plumbing Ltd",
                       "email": "BOB@bobs.test", "address": {"postcode": "ls1 4ab"}}),
        ("customers", {"source_id": "C2", "name": "Smith and Sons",
                       "address": {"line1": "2 Low Road", "postcode": "BD71AA"}}),
        ("customers", {"source_id": "C3", "name": "H. Jones Heating",
                       "email": "hannah@jones.test", "address": {"postcode": "LS6 2AA"}}),
        ("customers", {"source_id": "C4", "name": "Archived Carpentry"}),
        ("customers", {"source_id": "C5", "name": "Zed Newcomer"}),
        invoice("1", "C1"), invoice("3", "C3"), invoice("5", "C5"),
    ])

    # The page comes from our tables at once; the contacts arrive by HTMX.
    full = page.page(hx=False)
    assert full.status_code == 200 and "HX-Request" in full.headers["Vary"]
    assert "Fetching Xero’s contacts" in squash(full.get_data(as_text=True))
    answer = page.page()
    assert answer.status_code == 200 and "HX-Request" in answer.headers["Vary"]
    html = answer.get_data(as_text=True)
    body = squash(html)
    assert "<html" not in html and "Waiting to be created in Xero (5)" in body
    assert "Xero’s contacts as fetched" in body and "(5 active contacts)" not in body
    assert "(4 active contacts)" in body  # the archived one is not offered

    def row_of(source_id: str) -> str:
        t = page.transfer(source_id)
        match = re.search(rf'id="link-row-{t.id}".*?(?=id="link-row-|id="linked-list")',
                          body)
        assert match, source_id
        return match.group(0)

    bob = row_of("C1")
    assert theirs["Bob's Plumbing"] in bob
    assert "Strong match" in bob and ("same email (bob@bobs.test), same postcode (LS1 4AB), "
                                      "same name once “Ltd”, punctuation and case are set "
                                      "aside") in bob
    hannah = row_of("C3")
    first = re.search(r'name="external_id" value="([^"]+)"', hannah).group(1)
    assert first == theirs["Hannah Jones Heating"]
    # A name only partly alike is suggested because the postcode is the same too.
    assert re.search(r"same postcode \(LS6 2AA\), name \d+% alike", hannah)
    assert "same email" not in hannah
    assert theirs["Archived Carpentry"] not in body  # archived: never suggested
    assert "No likely match in Xero." in row_of("C5")
    assert "Create new in Xero" in row_of("C5")
    # Strong matches (same email; same postcode with the same name) are pre-ticked.
    t1, t2, t3 = (page.transfer(s).id for s in ("C1", "C2", "C3"))
    pairs = checked_pairs(html)
    bobs, smiths = theirs["Bob's Plumbing"], theirs["Smith & Sons Ltd"]
    assert sorted(pairs) == sorted([f"{t1}:{bobs}", f"{t2}:{smiths}"])

    # "Create new" changes nothing, and says so.
    t5 = page.transfer("C5")
    answer = page.post(f"/{t5.id}/create-new")
    assert answer.status_code == 200
    assert "the next Send Data creates “Zed Newcomer” as a new contact in Xero" in squash(
        answer.get_data(as_text=True))
    assert page.transfer("C5").state == "pending"

    # Link one by hand: the row confirms, the linked list shows it out of band.
    answer = page.post(f"/{t3}/link", {"external_id": theirs["Hannah Jones Heating"]})
    text = squash(answer.get_data(as_text=True))
    assert answer.status_code == 200, text
    assert "Linked: “H. Jones Heating” is “Hannah Jones Heating” in Xero" in text
    assert 'id="linked-list" aria-labelledby="linked-title" hx-swap-oob="true"' in text
    linked = page.transfer("C3")
    assert (linked.state, linked.external_id) == ("sent", theirs["Hannah Jones Heating"])
    assert linked.sent_snapshot["name"] == "H. Jones Heating"
    with app.app_context():
        note = db.session.execute(db.select(TransferEvent.note).filter_by(
            transfer_id=t3).order_by(TransferEvent.id.desc())).scalars().first()
    assert note.startswith("linked to Hannah Jones Heating in Xero by l-")

    # Never two of ours on one of theirs without saying so.
    answer = page.post(f"/{t5.id}/link", {"external_id": theirs["Hannah Jones Heating"]})
    assert answer.status_code == 409
    assert "is already linked to our customer “H. Jones Heating”" in squash(
        answer.get_data(as_text=True))
    answer = page.post(f"/{page.transfer('C4').id}/link",
                       {"external_id": theirs["Archived Carpentry"]})
    assert answer.status_code == 409 and "is archived in Xero" in squash(
        answer.get_data(as_text=True))
    assert page.transfer("C5").state == "pending" and page.transfer("C4").state == "pending"

    # Confirm the strong ones in bulk.
    answer = page.post("/bulk", MultiDict([("pair", p) for p in pairs]))
    text = squash(answer.get_data(as_text=True))
    assert answer.status_code == 200, text
    assert "Linked 2 contacts to Xero" in text and "Waiting to be created in Xero (2)" in text
    assert page.transfer("C1").external_id == theirs["Bob's Plumbing"]
    assert page.transfer("C2").external_id == theirs["Smith & Sons Ltd"]

    # Unlink is allowed before anything went against the link: pending, a fresh key.
    before = page.transfer("C2")
    answer = page.post(f"/{t2}/unlink")
    assert answer.status_code == 200
    assert "the next Send Data creates “Smith and Sons” as a new contact in Xero" in squash(
        answer.get_data(as_text=True))
    after = page.transfer("C2")
    assert (after.state, after.external_id, after.sent_snapshot) == ("pending", None, None)
    assert after.idempotency_key != before.idempotency_key
    # ... and it can be linked again.
    answer = page.post(f"/{t2}/link", {"external_id": theirs["Smith & Sons Ltd"]})
    assert answer.status_code == 200

    # Send Data with a real worker: only Zed Newcomer and our archived namesake are created.
    worker_process()
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished", run
    everyone = books.package_api("GET", "Contacts", params={"includeArchived": "true"}).json()
    names = sorted((c["Name"], c["ContactStatus"]) for c in everyone["Contacts"])
    assert names == sorted([
        ("Bob's Plumbing", "ACTIVE"), ("Hannah Jones Heating", "ACTIVE"),
        ("Smith & Sons Ltd", "ACTIVE"), ("Quite Unrelated Ltd", "ACTIVE"),
        ("Archived Carpentry", "ARCHIVED"),  # never offered for linking ...
        ("Archived Carpentry", "ACTIVE"),  # ... so ours was created as new
        ("Zed Newcomer", "ACTIVE")])
    invoices = {i["InvoiceNumber"]: i["Contact"]["ContactID"]
                for i in books.package_list("Invoices")}
    assert invoices["INV-1"] == theirs["Bob's Plumbing"]
    assert invoices["INV-3"] == theirs["Hannah Jones Heating"]
    assert invoices["INV-5"] not in theirs.values()

    # Now an invoice went against Bob's link: unlink is refused, with why.
    answer = page.post(f"/{t1}/unlink")
    text = squash(answer.get_data(as_text=True))
    assert answer.status_code == 409
    assert "cannot be unlinked: invoice INV-1 was already sent to Xero" in text
    assert page.transfer("C1").state == "sent"
    listing = squash(page.page().get_data(as_text=True))
    assert "Linked by hand (3)" in listing
    assert "Cannot be unlinked: invoice INV-1 already went to Xero against it." in listing
    assert "Nothing is waiting to be created" in listing
    with app.app_context():
        states = dict(db.session.execute(db.select(Transfer.record_type, Transfer.state)
                                         .filter_by(connection_id=books.connection_id,
                                                    record_type="invoice")).all())
    assert states == {"invoice": "sent"}
