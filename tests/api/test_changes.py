"""Edits after sending: the transfer asks the bookkeeper for a manual update, field by field."""

from __future__ import annotations

from app.extensions import db
from app.models import Connection, Document, Transfer, TransferEvent
from app.records.snapshot import snapshot
from tests.api.conftest import customer, invoice


def _setup(app, api):  # type: ignore[no-untyped-def]
    with app.app_context():
        connection = Connection(company_id=api.company_id, package="xero")
        db.session.add(connection)
        db.session.commit()
    c = customer()
    api.post("/customers", c)
    body = invoice(c["source_id"])
    assert api.post("/invoices", body).status_code == 201
    return body


def _mark(app, api, source_id: str, state: str, with_snapshot: bool = True) -> int:  # type: ignore[no-untyped-def]
    """Put the invoice's transfer where the engine would after a send (or during one)."""
    with app.app_context():
        doc = db.session.execute(db.select(Document).filter_by(
            company_id=api.company_id, kind="invoice", source_id=source_id)).scalar_one()
        transfer = db.session.execute(db.select(Transfer).filter_by(
            record_type="invoice", record_id=doc.id)).scalar_one()
        transfer.state = state
        if with_snapshot:
            transfer.sent_snapshot = snapshot("invoice", doc)
            transfer.external_id = "xero-invoice-1"
        db.session.commit()
        return transfer.id


def _events(app, transfer_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return [(e.from_state, e.to_state) for e in db.session.execute(
            db.select(TransferEvent).filter_by(transfer_id=transfer_id).order_by(TransferEvent.id)
        ).scalars()]


def test_change_after_send_needs_manual_update(app, api):  # type: ignore[no-untyped-def]
    body = _setup(app, api)
    transfer_id = _mark(app, api, body["source_id"], "sent")
    body["lines"][0]["unit_price"] = 50
    got = api.post("/invoices", body).json
    transfer = got["transfers"][0]
    assert transfer["state"] == "needs_manual_update"
    assert transfer["external_id"] == "xero-invoice-1"
    assert {c["field"]: (c["old"], c["new"]) for c in transfer["changes"]} == {
        "lines[1].unit_price": ("45.00", "50.00"),
        "subtotal": ("90.00", "95.00"),
        "tax": ("18.00", "19.00"),
        "total": ("108.00", "114.00"),
    }
    # A second edit accumulates against what was sent, not against the first edit.
    body["reference"] = "JOB-77"
    changes = api.post("/invoices", body).json["transfers"][0]["changes"]
    assert {c["field"] for c in changes} == {"lines[1].unit_price", "subtotal", "tax", "total",
                                             "reference"}
    assert next(c for c in changes if c["field"] == "lines[1].unit_price")["old"] == "45.00"
    # Re-posting the same edit moves nothing.
    api.post("/invoices", body)
    # Undoing the edits brings it back to sent.
    body["lines"][0]["unit_price"] = 45
    del body["reference"]
    transfer = api.post("/invoices", body).json["transfers"][0]
    assert transfer["state"] == "sent"
    assert transfer["changes"] is None
    assert _events(app, transfer_id) == [
        ("", "pending"), ("sent", "needs_manual_update"), ("needs_manual_update", "sent")]


def test_added_line_shows_as_new_fields(app, api):  # type: ignore[no-untyped-def]
    body = _setup(app, api)
    _mark(app, api, body["source_id"], "sent")
    body["lines"].append({"description": "Flue", "quantity": 1, "unit_price": 10,
                          "account": "sales", "tax_rate": "standard"})
    changes = api.post("/invoices", body).json["transfers"][0]["changes"]
    by_field = {c["field"]: (c["old"], c["new"]) for c in changes}
    assert by_field["lines[3].description"] == (None, "Flue")
    assert by_field["total"] == ("108.00", "120.00")


def test_edit_while_sending_is_recorded_not_moved(app, api):  # type: ignore[no-untyped-def]
    body = _setup(app, api)
    transfer_id = _mark(app, api, body["source_id"], "sending", with_snapshot=False)
    body["date"] = "2026-03-02"
    transfer = api.post("/invoices", body).json["transfers"][0]
    assert transfer["state"] == "sending"
    assert transfer["changes"] == [{"field": "date", "old": "2026-03-01", "new": "2026-03-02"}]
    body["date"] = "2026-03-03"
    transfer = api.post("/invoices", body).json["transfers"][0]
    # Still measured against the version in flight.
    assert transfer["changes"] == [{"field": "date", "old": "2026-03-01", "new": "2026-03-03"}]
    assert _events(app, transfer_id) == [("", "pending")]


def test_do_not_send_is_left_alone(app, api):  # type: ignore[no-untyped-def]
    body = _setup(app, api)
    _mark(app, api, body["source_id"], "do_not_send", with_snapshot=False)
    body["number"] = body["number"] + "-B"
    transfer = api.post("/invoices", body).json["transfers"][0]
    assert transfer["state"] == "do_not_send"
    assert transfer["changes"] is None
