"""Creating, updating, re-posting and reading every record type through the inbound API."""

from __future__ import annotations

from app.extensions import db
from app.models import Connection, Contact, Document, Transfer, TransferEvent
from tests.api.conftest import customer, invoice, payment, uid


def _connect(app, company_id: int, package: str = "xero", status: str = "connected") -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        connection = Connection(company_id=company_id, package=package, status=status)
        db.session.add(connection)
        db.session.commit()
        return connection.id


def test_customer_create_update_and_get(api):  # type: ignore[no-untyped-def]
    body = customer()
    created = api.post("/customers", body)
    assert created.status_code == 201, created.json
    assert created.json["name"] == "A. Smith Plumbing"
    assert created.json["address"]["postcode"] == "LS1 1AA"

    updated = api.post("/customers", body | {"name": "A. Smith & Sons"})
    assert updated.status_code == 200
    got = api.get(f"/customers/{body['source_id']}")
    assert got.status_code == 200
    assert got.json["name"] == "A. Smith & Sons"
    assert got.json["kind"] == "customer"


def test_supplier_is_not_a_customer(api):  # type: ignore[no-untyped-def]
    body = customer(name="Plumb Centre")
    assert api.post("/suppliers", body).status_code == 201
    assert api.get(f"/suppliers/{body['source_id']}").json["kind"] == "supplier"
    assert api.get(f"/customers/{body['source_id']}").status_code == 404
    # An invoice needs a customer, not a supplier with that id.
    response = api.post("/invoices", invoice(body["source_id"]))
    assert response.status_code == 422
    assert response.json["problems"][0]["field"] == "customer_source_id"


def test_invoice_create_totals_update_lines(api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    body = invoice(c["source_id"], total=108.00)
    created = api.post("/invoices", body)
    assert created.status_code == 201, created.json
    doc = created.json
    assert (doc["subtotal"], doc["tax"], doc["total"]) == ("90.00", "18.00", "108.00")
    assert doc["lines"][1]["unit_price"] == "22.50"
    assert doc["lines"][1]["quantity"] == "2"

    body["lines"] = body["lines"][:1] + [
        {"description": "Labour", "quantity": 1.5, "unit_price": 40, "account": "sales",
         "tax_rate": "reduced"},
        {"description": "Call-out", "quantity": 1, "unit_price": 30, "account":
         "callout_fees", "tax_rate": "zero"},
    ]
    updated = api.post("/invoices", body)
    assert updated.status_code == 200, updated.json
    # 45 + 9 VAT; 60 + 3 VAT; 30 + 0.
    assert (updated.json["subtotal"], updated.json["tax"], updated.json["total"]) == (
        "135.00", "12.00", "147.00")
    assert [ln["description"] for ln in api.get(f"/invoices/{body['source_id']}").json["lines"]
            ] == ["Boiler service", "Labour", "Call-out"]


def test_inclusive_amounts(api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    body = invoice(c["source_id"], amounts_are="inclusive", lines=[
        {"description": "Fixed price job", "quantity": 1, "unit_price": 120, "account": "sales",
         "tax_rate": "standard"}])
    doc = api.post("/invoices", body).json
    assert (doc["subtotal"], doc["tax"], doc["total"]) == ("100.00", "20.00", "120.00")


def test_credit_note_against_invoice(api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    inv = invoice(c["source_id"])
    api.post("/invoices", inv)
    note = invoice(c["source_id"], number=uid("CN"), invoice_source_id=inv["source_id"],
                   lines=[{"description": "Refund valve", "quantity": 1, "unit_price": 22.5,
                           "account": "materials_sales", "tax_rate": "standard"}])
    created = api.post("/credit-notes", note)
    assert created.status_code == 201, created.json
    assert created.json["kind"] == "credit_note"
    assert created.json["invoice_source_id"] == inv["source_id"]
    assert created.json["total"] == "27.00"
    assert api.post("/credit-notes", note).status_code == 200
    # The invoice number space is separate from the credit notes'.
    assert api.get(f"/credit-notes/{note['source_id']}").json["number"] == note["number"]


def test_payment_create_update(api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    inv1, inv2 = invoice(c["source_id"]), invoice(c["source_id"])
    api.post("/invoices", inv1)
    api.post("/invoices", inv2)
    body = payment(c["source_id"], [(inv1["source_id"], 108.00), (inv2["source_id"], 50)])
    created = api.post("/payments", body)
    assert created.status_code == 201, created.json
    assert created.json["amount"] == "158.00"
    assert {a["invoice_source_id"] for a in created.json["allocations"]} == {
        inv1["source_id"], inv2["source_id"]}

    body = payment(c["source_id"], [(inv2["source_id"], 100)], source_id=body["source_id"])
    updated = api.post("/payments", body)
    assert updated.status_code == 200, updated.json
    assert updated.json["allocations"] == [{"invoice_source_id": inv2["source_id"],
                                            "amount": "100.00"}]


def test_get_shows_transfers_per_connection(app, api):  # type: ignore[no-untyped-def]
    xero = _connect(app, api.company_id, "xero")
    _connect(app, api.company_id, "quickbooks_online", status="disconnected")
    body = customer()
    created = api.post("/customers", body).json
    assert [(t["connection_id"], t["package"], t["state"]) for t in created["transfers"]] == [
        (xero, "xero", "pending")]
    transfer = created["transfers"][0]
    assert transfer["explanation"] == "" and transfer["external_id"] is None
    assert transfer["changes"] is None


def test_identical_repost_changes_nothing(app, api):  # type: ignore[no-untyped-def]
    _connect(app, api.company_id)
    c = customer()
    api.post("/customers", c)
    inv = invoice(c["source_id"])
    api.post("/invoices", inv)
    pay = payment(c["source_id"], [(inv["source_id"], 108)])
    api.post("/payments", pay)
    first = {p: api.get(p).json for p in (f"/customers/{c['source_id']}",
                                         f"/invoices/{inv['source_id']}",
                                         f"/payments/{pay['source_id']}")}
    with app.app_context():
        events = db.session.execute(db.select(db.func.count(TransferEvent.id))).scalar()

    assert api.post("/customers", c).status_code == 200
    assert api.post("/invoices", inv).status_code == 200
    assert api.post("/payments", pay).status_code == 200
    for path, before in first.items():
        assert api.get(path).json == before  # updated_at included: nothing was written
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(TransferEvent.id))).scalar() == events


def test_failed_transfer_goes_back_to_pending_on_edit(app, api):  # type: ignore[no-untyped-def]
    _connect(app, api.company_id)
    c = customer()
    api.post("/customers", c)
    with app.app_context():
        contact = db.session.execute(
            db.select(Contact).filter_by(company_id=api.company_id, source_id=c["source_id"])
        ).scalar_one()
        transfer = db.session.execute(
            db.select(Transfer).filter_by(record_type="customer", record_id=contact.id)
        ).scalar_one()
        transfer.state = "failed"
        transfer.explanation = "Xero refused the name"
        old_key, transfer_id = transfer.idempotency_key, transfer.id
        db.session.commit()
    got = api.post("/customers", c | {"name": "Another name"}).json
    assert got["transfers"][0]["state"] == "pending"
    assert got["transfers"][0]["explanation"] == ""
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        assert transfer.idempotency_key != old_key


def test_documents_stay_in_their_company(app, make_api):  # type: ignore[no-untyped-def]
    ours, theirs = make_api(), make_api()
    c = customer()
    assert ours.post("/customers", c).status_code == 201
    # The same source_id in another company is another customer.
    assert theirs.post("/customers", c | {"name": "Theirs"}).status_code == 201
    assert ours.get(f"/customers/{c['source_id']}").json["name"] == "A. Smith Plumbing"
    with app.app_context():
        assert db.session.execute(
            db.select(db.func.count(Contact.id)).filter_by(source_id=c["source_id"])
        ).scalar() == 2
        assert db.session.execute(
            db.select(db.func.count(Document.id)).filter_by(company_id=theirs.company_id)
        ).scalar() == 0
