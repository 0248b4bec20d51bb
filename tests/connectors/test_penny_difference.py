"""A penny is not a failure: when the package's own VAT arithmetic comes to other figures on a
document it did create, we keep its id, show the difference as a change to make by hand (with
both figures), and let its payments go. Real engine, real sandbox over HTTP."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

import connectors
from tests.connectors.test_qbo_create_item import _qbo_query
from tests.sync.conftest import connected_books  # noqa: F401  (fixture used here)
from tests.ui import csrf_from, sign_in


@pytest.fixture
def penny_off(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(connectors._REGISTRY, "qbo_penny_off",
                        "tests.connectors.penny_packages:PennyOffQbo")


def _run_here(app, books) -> dict:  # type: ignore[no-untyped-def]
    """Send Data, run by this process (the package above is registered only here)."""
    from rq import Queue

    from app.redis_conn import get_redis
    from app.sync.engine import execute_run

    run_id = books.send()["id"]
    with app.app_context():
        Queue(app.config["RQ_QUEUE"], connection=get_redis()).empty()  # no worker takes it
        execute_run(run_id)
    return books.get(f"runs/{run_id}")


def _transfer(app, books, kind: str):  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.models import Transfer

    with app.app_context():
        t = db.session.execute(db.select(Transfer).filter_by(
            connection_id=books.connection_id, record_type=kind)).scalar_one()
        db.session.expunge(t)
        db.session.remove()
    return t


def test_a_penny_of_vat_keeps_the_id_shows_both_figures_and_lets_payments_go(
        app, client, connected_books, penny_off) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.models import Connection

    books = connected_books(package="quickbooks_online")
    with app.app_context():
        db.session.get(Connection, books.connection_id).package = "qbo_penny_off"
        db.session.commit()
        db.session.remove()
    p = f"P{books.company_id}-"
    books.post_all([
        ("customers", {"source_id": f"{p}C1", "name": f"Penny Plumbing {p}"}),
        ("invoices", {"source_id": f"{p}I1", "number": f"{p}INV-1", "customer_source_id":
                      f"{p}C1", "date": "2026-10-15", "amounts_are": "exclusive",
                      "lines": [{"description": "Boiler service", "quantity": 1,
                                 "unit_price": 85.00, "account": "sales",
                                 "tax_rate": "standard"}]}),
        ("payments", {"source_id": f"{p}P1", "customer_source_id": f"{p}C1",
                      "date": "2026-10-25", "amount": 102.00, "bank_account": "bank",
                      "reference": "Card 1",
                      "allocations": [{"invoice_source_id": f"{p}I1", "amount": 102.00}]}),
    ])
    run = _run_here(app, books)
    assert run["status"] == "finished", run

    invoice = _transfer(app, books, "invoice")
    assert invoice.state == "needs_manual_update"
    assert invoice.reason == "totals_differ"
    in_qbo = _qbo_query(app, books.connection_id, "select * from Invoice")["Invoice"]
    assert [i["DocNumber"] for i in in_qbo] == [f"{p}INV-1"]
    assert invoice.external_id == in_qbo[0]["Id"]  # the package id is kept
    assert in_qbo[0]["TxnTaxDetail"]["TotalTax"] == 17.01  # ours is 17.00
    changes = {c["field"]: (c["old"], c["new"]) for c in invoice.changes}
    assert changes["tax"] == ("17.01", "17.00")
    assert changes["total"] == ("102.01", "102.00")
    assert "£17.01" in invoice.explanation and "£17.00" in invoice.explanation
    assert "£102.01" in invoice.explanation and "£102.00" in invoice.explanation

    payment = _transfer(app, books, "payment")
    assert payment.state == "sent" and payment.external_id  # not blocked behind the penny
    paid = _qbo_query(app, books.connection_id, "select * from Payment")["Payment"]
    assert [Decimal(str(x["TotalAmt"])) for x in paid] == [Decimal("102")]

    # Nothing is resent on the next Send Data.
    _run_here(app, books)
    again = _qbo_query(app, books.connection_id, "select * from Invoice")["Invoice"]
    assert Counter(i["DocNumber"] for i in again) == {f"{p}INV-1": 1}

    # The record page shows both figures as a change to make by hand; Done clears it.
    from tests.helpers import add_member

    email, password = add_member(app, books.company_id, "bookkeeper", password="pw-penny-ok-1")
    sign_in(client, email, password)
    page = client.get(f"/records/{invoice.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "17.01" in html and "17.00" in html
    assert "with other totals than ours" in html
    assert "Changed in the job system" not in html
    done = client.post(f"/records/{invoice.id}/done", headers={"X-CSRFToken": csrf_from(html)})
    assert done.status_code in (200, 302, 303), done.get_data(as_text=True)
    assert _transfer(app, books, "invoice").state == "sent"


def test_both_connectors_report_a_difference_as_sent_with_both_figures() -> None:
    from connectors.base import Sent, TotalsDiffer
    from connectors.quickbooks_online.pushing import check_totals
    from connectors.xero import payloads as xero_payloads
    from connectors.xero.pushing import _check_totals
    from tests.connectors.test_xero_payloads import document

    record = document()  # 85.00 + 37.05 net; VAT 17.00 + 1.85
    assert xero_payloads.invoice_payload(record)["Status"] == "AUTHORISED"
    assert xero_payloads.invoice_payload(document(as_draft=True))["Status"] == "DRAFT"
    ours_total, ours_tax = record.total, record.tax_total
    xero = _check_totals(Sent("x-1"), {"Total": float(ours_total + Decimal("0.01")),
                                       "TotalTax": float(ours_tax + Decimal("0.01"))}, record)
    qbo = check_totals(Sent("q-1"), {"TotalAmt": float(ours_total + Decimal("0.01")),
                                     "TxnTaxDetail": {"TotalTax": float(
                                         ours_tax + Decimal("0.01"))}}, record)
    expected = TotalsDiffer(ours_total + Decimal("0.01"), ours_tax + Decimal("0.01"),
                            ours_total, ours_tax)
    assert xero == Sent("x-1", expected)
    assert qbo == Sent("q-1", expected)
    agreeing = {"Total": float(ours_total), "TotalTax": float(ours_tax)}
    assert _check_totals(Sent("x-2"), agreeing, record) == Sent("x-2")
