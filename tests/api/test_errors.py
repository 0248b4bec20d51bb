"""Bad requests get a 4xx naming the problem: never a 500, never a half-written record."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models import (
    ApiKey,
    Contact,
    Document,
    DocumentLine,
    Payment,
    PaymentAllocation,
    Transfer,
    utcnow,
)
from tests.api.conftest import customer, invoice, payment, uid

TABLES = (Contact, Document, DocumentLine, Payment, PaymentAllocation, Transfer)


def _counts(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return {t.__tablename__: db.session.execute(db.select(db.func.count(t.id))).scalar()
                for t in TABLES}


def _fields(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.json
    assert response.json["error"] == "invalid_request"
    return {p["field"]: p["message"] for p in response.json["problems"]}


# ----------------------------------------------------------------------------- auth
@pytest.mark.parametrize("header, words", [
    (None, "missing"),
    ("Basic abc", "Bearer"),
    ("Bearer llk_not-a-real-key", "not valid"),
])
def test_bad_keys_get_401(client, header, words):  # type: ignore[no-untyped-def]
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/customers", json=customer(), headers=headers)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert words in response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_gets_401(app, api):  # type: ignore[no-untyped-def]
    with app.app_context():
        key = db.session.execute(db.select(ApiKey).filter_by(company_id=api.company_id)
                                 ).scalar_one()
        key.revoked_at = utcnow()
        db.session.commit()
    response = api.post("/customers", customer())
    assert response.status_code == 401
    assert "revoked" in response.json["message"]


# ----------------------------------------------------------------------------- body
def test_garbage_json_is_400(app, api):  # type: ignore[no-untyped-def]
    before = _counts(app)
    for raw in (b"{not json", b"", b"\xff\xfe\x00garbage", b'{"amount": NaN}',
                b"[" * 100_000):
        response = api.client.post("/api/v1/customers", data=raw, headers=api.headers,
                                   content_type="application/json")
        assert response.status_code == 400, (raw[:20], response.json)
        assert response.json["message"]
    assert _counts(app) == before


def test_wrong_content_type_is_400(api):  # type: ignore[no-untyped-def]
    response = api.client.post("/api/v1/customers", data=json.dumps(customer()),
                               headers=api.headers, content_type="text/plain")
    assert response.status_code == 400
    assert "application/json" in response.json["message"]


def test_not_an_object_is_422(api):  # type: ignore[no-untyped-def]
    assert _fields(api.post("/customers", [customer()])) == {
        "(body)": "the body must be a JSON object"}


def test_five_megabyte_body_is_413(app, api):  # type: ignore[no-untyped-def]
    before = _counts(app)
    body = customer(name="x" * (5 * 1024 * 1024))
    response = api.client.post("/api/v1/customers", data=json.dumps(body),
                               headers=api.headers, content_type="application/json")
    assert response.status_code == 413
    assert response.is_json
    assert _counts(app) == before


def test_missing_unknown_and_wrong_type_fields(app, api):  # type: ignore[no-untyped-def]
    before = _counts(app)
    body = invoice("C-1")
    del body["date"]
    body["colour"] = "blue"
    body["lines"][1]["unit_price"] = "22.50"  # a string where a number belongs
    body["lines"][0]["quantity"] = True
    body["number"] = 1234
    fields = _fields(api.post("/invoices", body))
    assert fields["date"] == "is required"
    assert "colour" in fields
    assert "number" in fields["lines[1].unit_price"]
    assert "lines[0].quantity" in fields
    assert "string" in fields["number"]
    assert _counts(app) == before


def test_money_precision_dates_and_enums(api):  # type: ignore[no-untyped-def]
    body = invoice("C-1", date="01/03/2026", due_date="2026-02-30", amounts_are="gross")
    body["lines"][0]["unit_price"] = 45.12345
    body["total"] = 108.001
    fields = _fields(api.post("/invoices", body))
    assert set(fields) >= {"date", "due_date", "amounts_are", "lines[0].unit_price", "total"}
    assert "YYYY-MM-DD" in fields["date"]


def test_lines_must_be_one_to_five_hundred(api):  # type: ignore[no-untyped-def]
    assert "lines" in _fields(api.post("/invoices", invoice("C-1", lines=[])))
    line = invoice("C-1")["lines"][0]
    assert "lines" in _fields(api.post("/invoices", invoice("C-1", lines=[line] * 501)))


# ----------------------------------------------------------------------------- books
def test_unknown_account_and_tax_keys_name_line_and_allowed_keys(app, api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    before = _counts(app)
    body = invoice(c["source_id"])
    body["lines"][1]["account"] = "salez"
    body["lines"][0]["account"] = "bank"
    body["lines"][1]["tax_rate"] = "vat20"
    fields = _fields(api.post("/invoices", body))
    assert "salez" in fields["lines[1].account"] and "materials_sales" in fields[
        "lines[1].account"]
    assert "bank account" in fields["lines[0].account"]
    assert "standard" in fields["lines[1].tax_rate"]
    assert _counts(app) == before


def test_missing_and_foreign_references_are_422(app, make_api):  # type: ignore[no-untyped-def]
    ours, theirs = make_api(), make_api()
    c = customer()
    theirs.post("/customers", c)
    their_invoice = invoice(c["source_id"])
    assert theirs.post("/invoices", their_invoice).status_code == 201
    before = _counts(app)

    fields = _fields(ours.post("/invoices", invoice(c["source_id"])))
    assert c["source_id"] in fields["customer_source_id"]
    ours.post("/customers", c)
    fields = _fields(ours.post("/payments", payment(c["source_id"],
                                                    [(their_invoice["source_id"], 10)])))
    assert their_invoice["source_id"] in fields["allocations[0].invoice_source_id"]
    note = invoice(c["source_id"], invoice_source_id=their_invoice["source_id"])
    assert "invoice_source_id" in _fields(ours.post("/credit-notes", note))
    after = _counts(app)
    assert after["contacts"] == before["contacts"] + 1  # only the customer we created
    assert {k: v for k, v in after.items() if k != "contacts"} == {
        k: v for k, v in before.items() if k != "contacts"}


def test_payment_cannot_allocate_another_customers_invoice(app, api):  # type: ignore[no-untyped-def]
    alice, bob = customer(), customer(name="Bob")
    api.post("/customers", alice)
    api.post("/customers", bob)
    bobs = invoice(bob["source_id"])
    alices = invoice(alice["source_id"])
    api.post("/invoices", bobs)
    api.post("/invoices", alices)
    before = _counts(app)
    body = payment(alice["source_id"], [(alices["source_id"], 50), (bobs["source_id"], 50)])
    fields = _fields(api.post("/payments", body))
    assert set(fields) == {"allocations[1].invoice_source_id"}
    assert bob["source_id"] in fields["allocations[1].invoice_source_id"]
    assert _counts(app) == before


def test_payment_sums_bank_account_and_overpayment(api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    inv = invoice(c["source_id"])  # 108.00
    api.post("/invoices", inv)
    body = payment(c["source_id"], [(inv["source_id"], 100)], amount=90, bank_account="sales")
    fields = _fields(api.post("/payments", body))
    assert "100.00" in fields["amount"] or "100" in fields["amount"]
    assert "bank" in fields["bank_account"]
    first = payment(c["source_id"], [(inv["source_id"], 100)])
    assert api.post("/payments", first).status_code == 201
    # Only 8.00 is left on the invoice.
    fields = _fields(api.post("/payments", payment(c["source_id"], [(inv["source_id"], 10)])))
    assert "8.00" in fields["allocations[0].amount"]
    # Re-posting the first payment does not count it against itself.
    assert api.post("/payments", first).status_code == 200
    # And the invoice cannot shrink below what is paid, nor move to another customer.
    other = customer()
    api.post("/customers", other)
    shrunk = inv | {"lines": [inv["lines"][0]]}
    assert "lines" in _fields(api.post("/invoices", shrunk))
    moved = inv | {"customer_source_id": other["source_id"]}
    assert "customer_source_id" in _fields(api.post("/invoices", moved))


def test_duplicate_invoice_number_is_422(app, api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    first = invoice(c["source_id"])
    api.post("/invoices", first)
    before = _counts(app)
    second = invoice(c["source_id"], number=first["number"])
    fields = _fields(api.post("/invoices", second))
    assert first["source_id"] in fields["number"]
    assert _counts(app) == before


def test_failing_update_leaves_the_record_as_it_was(api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    body = invoice(c["source_id"])
    before = api.post("/invoices", body).json
    bad = body | {"lines": body["lines"] + [
        {"description": "x", "quantity": 1, "unit_price": 1, "account": "sales",
         "tax_rate": "nope"}]}
    assert api.post("/invoices", bad).status_code == 422
    assert api.get(f"/invoices/{body['source_id']}").json == before


def test_credit_note_cannot_exceed_invoice(api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    inv = invoice(c["source_id"])
    api.post("/invoices", inv)
    note = invoice(c["source_id"], number=uid("CN"), invoice_source_id=inv["source_id"],
                   lines=[{"description": "Goodwill", "quantity": 1, "unit_price": 100,
                           "account": "sales", "tax_rate": "standard"}])
    assert "108.00" in _fields(api.post("/credit-notes", note))["invoice_source_id"]


def test_negative_invoice_and_due_before_date(api):  # type: ignore[no-untyped-def]
    c = customer()
    api.post("/customers", c)
    body = invoice(c["source_id"], due_date="2026-02-01", lines=[
        {"description": "Discount", "quantity": 1, "unit_price": -10, "account": "sales",
         "tax_rate": "zero"}])
    fields = _fields(api.post("/invoices", body))
    assert "due_date" in fields
    body["due_date"] = None
    assert "credit note" in _fields(api.post("/invoices", body))["lines"]


# ----------------------------------------------------------------------------- not found
def test_unknown_and_foreign_records_are_404(make_api):  # type: ignore[no-untyped-def]
    ours, theirs = make_api(), make_api()
    c = customer()
    theirs.post("/customers", c)
    for path in (f"/customers/{c['source_id']}", "/invoices/nope", "/credit-notes/nope",
                 "/payments/nope", "/suppliers/nope"):
        response = ours.get(path)
        assert response.status_code == 404, path
        assert response.is_json
    assert theirs.get(f"/customers/{c['source_id']}").status_code == 200
