"""Retry sends one record and only the parents it needs; records before the cut-off are already
in the books (looked up in the package, linked by hand when not found, never sent). Real
components throughout: the app's pages and API, a real RQ worker, the Xero sandbox over HTTP
read back through Xero's own API."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import date
from typing import Any

import pytest

from tests.sync.conftest import Books
from tests.sync.test_engine_scenarios import (
    _customer,
    _invoice,
    _invoice_numbers,
    _payment,
    _public,
    _send_and_wait,
    _session,
    _transfer,
    _update_transfer,
)
from tests.ui import page_token, sign_in

HX = {"HX-Request": "true"}


@pytest.fixture
def signed_in_books(app, live_url, make_company, client):  # type: ignore[no-untyped-def]
    """A company connected to its own Xero sandbox organisation, its admin signed in."""
    made = make_company()
    with app.app_context():
        from app.demo import connect_sandbox
        from app.extensions import db

        connection = connect_sandbox("xero", made.company_id, f"Org {uuid.uuid4().hex[:8]}")
        connection.schedule = "manual"
        db.session.commit()
        connection_id = connection.id
        db.session.remove()
    sign_in(client, made.email, made.password)
    books = Books(app, live_url, made.company_id, made.api_key, connection_id)
    return books, client, made


def _ensure_transfers(books: Books) -> None:
    from app.models import Connection
    from app.sync.plan import ensure_transfers

    with _session(books) as s:
        ensure_transfers(s.get(Connection, books.connection_id))


def _latest_run(books: Books) -> Any:
    from app.models import Run

    with _session(books) as s:
        run = s.execute(s.query(Run).filter_by(connection_id=books.connection_id)
                        .order_by(Run.id.desc()).limit(1).statement).scalar_one()
        s.expunge(run)
        return run


def _contact_names(books: Books) -> set[str]:
    return {c["Name"] for c in books.package_list("Contacts")}


def test_retry_sends_the_record_and_only_the_customer_it_needs(
    signed_in_books, worker_process
) -> None:
    books, client, made = signed_in_books
    p = f"R{books.company_id}-"
    books.post_all([
        _customer(f"{p}C1", f"A. Smith {p}"),
        _customer(f"{p}C2", f"B. Jones {p}"),  # unlinked on purpose: must not be created
        _customer(f"{p}C3", f"C. Brown {p}"),
        _invoice(f"{p}I1", f"{p}INV-12", f"{p}C1"),
        _invoice(f"{p}I3", f"{p}INV-13", f"{p}C3"),
    ])
    _ensure_transfers(books)
    # As after Xero refused it on an earlier run (its customer never went).
    _update_transfer(books, "invoice", f"{p}I1", state="failed", reason="validation",
                     explanation="Xero refused Invoice INV-12.")
    invoice_tid = _transfer(books, "invoice", f"{p}I1").id
    worker_process()

    answer = client.post(f"/records/{invoice_tid}/retry", headers=HX,
                         data={"csrf_token": page_token(client, f"/records/{invoice_tid}")})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    said = answer.get_data(as_text=True)
    assert f"Sending invoice {p}INV-12 and its customer A. Smith {p}." in said

    run = _latest_run(books)
    assert run.trigger == "retry" and run.scope is not None and len(run.scope) == 2
    finished = books.wait_for_run(run.id, timeout=90)
    assert finished["status"] == "finished" and finished["sent"] == 2, finished

    assert _contact_names(books) & {f"A. Smith {p}", f"B. Jones {p}", f"C. Brown {p}"} == {
        f"A. Smith {p}"}
    assert _invoice_numbers(books) == {f"{p}INV-12": 1}
    assert _public(books, "customer", f"{p}C2")["state"] == "pending"
    assert _public(books, "invoice", f"{p}I3")["state"] in ("pending", "blocked")

    # The history names who pressed Retry.
    page = client.get(f"/records/{invoice_tid}").get_data(as_text=True)
    name = made.email.split("@")[0]
    assert re.search(r"retry requested</span>\s*<span class=\"timeline-actor\">by "
                     + re.escape(name), page), page


def test_payment_after_the_cutoff_goes_against_the_invoice_found_in_the_package(
    connected_books, worker_process
) -> None:
    from app.models import Connection

    books = connected_books()
    p = f"F{books.company_id}-"
    books.post_all([
        _customer(f"{p}C1", f"Old Books {p}"),
        _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1", when="2026-10-01"),
    ])
    worker_process()
    assert _send_and_wait(books)["sent"] == 2
    xero_id = _transfer(books, "invoice", f"{p}I1").external_id
    # Now as if that invoice had been keyed into Xero before Ledgerlink: our side never sent it,
    # and the cut-off date says it is already in the books.
    _update_transfer(books, "invoice", f"{p}I1", state="pending", external_id=None,
                     sent_snapshot=None, attempt_count=0)
    with _session(books) as s:
        s.get(Connection, books.connection_id).cutoff_date = date(2026, 10, 10)
        s.commit()
    books.post_all([_payment(f"{p}P1", f"{p}C1", f"{p}I1", 120.0, when="2026-10-25")])

    run = _send_and_wait(books)
    assert run["status"] == "finished" and run["sent"] == 1, run
    invoice = _transfer(books, "invoice", f"{p}I1")
    assert invoice.state == "do_not_send" and invoice.external_id == xero_id
    assert "already in your books" in invoice.explanation
    assert _public(books, "payment", f"{p}P1")["state"] == "sent"
    assert _invoice_numbers(books) == {f"{p}INV-1": 1}  # never sent a second time
    payments = books.package_list("Payments")
    assert [pay["Invoice"]["InvoiceID"] for pay in payments] == [xero_id]


def _pick_in_browser(books: Books, made: Any, invoice_tid: int, number: str) -> None:
    """The bookkeeper picks the package's invoice on the record's page, in a real browser."""
    from playwright.sync_api import expect, sync_playwright

    from tests.helpers import browser_sign_in, watched_page
    from tests.ui.test_browser import CHROMIUM, CHROMIUM_ARGS

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = watched_page(browser, problems)
            browser_sign_in(page, books.base_url, made.email, made.password)
            page.goto(f"{books.base_url}/records/{invoice_tid}")
            status = page.locator("#transfer-status")
            expect(status).to_contain_text("already in your books")
            page.get_by_label(re.compile(re.escape(number))).check()
            page.get_by_role("button", name="Link to this Xero invoice").click()
            expect(status).to_contain_text(f"Linked to invoice {number} in Xero")
            expect(page.get_by_role("button", name="Link to this Xero invoice")).to_have_count(0)
        finally:
            browser.close()
    assert problems == [], problems


def test_invoice_before_the_cutoff_missing_from_the_package_is_linked_by_hand(
    signed_in_books, worker_process
) -> None:
    from app.models import Connection, Transfer
    from app.sync.audit import ExchangeLog
    from app.sync.canonical import Chart, to_record
    from app.sync.engine import build_connector
    from app.sync.records import load_rows

    books, client, made = signed_in_books
    p = f"N{books.company_id}-"
    with _session(books) as s:
        s.get(Connection, books.connection_id).cutoff_date = date(2026, 10, 10)
        s.commit()
    books.post_all([
        _customer(f"{p}C1", f"Hand Link {p}"),
        _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1", when="2026-10-01"),
        _payment(f"{p}P1", f"{p}C1", f"{p}I1", 120.0, when="2026-10-25"),
    ])
    worker_process()
    run = _send_and_wait(books)
    assert run["status"] == "finished" and run["sent"] == 1, run  # the customer only

    invoice_tid = _transfer(books, "invoice", f"{p}I1").id
    payment = _public(books, "payment", f"{p}P1")
    assert payment["state"] == "blocked"
    assert "already in your books" in payment["explanation"]
    page = client.get(f"/records/{_transfer(books, 'payment', f'{p}P1').id}").get_data(
        as_text=True)
    assert "after all" not in page and "Send Invoice" not in page
    invoice_page = client.get(f"/records/{invoice_tid}").get_data(as_text=True)
    assert "Find and link by number" in invoice_page and "Undo: send it after all" not in (
        invoice_page)
    assert books.package_list("Invoices") == []

    # In Xero the bookkeeper keyed it in long ago under another number.
    with _session(books) as s:
        t = s.get(Transfer, invoice_tid)
        connection = s.get(Connection, books.connection_id)
        chart = Chart.load(connection.company_id, connection.id)
        row = load_rows("invoice", [t.record_id])[t.record_id]
        customer = s.execute(s.query(Transfer).filter_by(
            connection_id=connection.id, record_type="customer").statement).scalar_one()
        record = to_record("invoice", row, t, chart, {("customer", row.customer_id):
                                                      customer.external_id})
        old = dataclasses.replace(record, reference=f"{p}OLD-1", key=uuid.uuid4().hex)
        [outcome] = build_connector(connection, None, ExchangeLog()).push("invoice", [old])
        xero_id = outcome.external_id

    # The picker lists the customer's invoices in Xero.
    invoice_page = client.get(f"/records/{invoice_tid}").get_data(as_text=True)
    assert f'value="{xero_id}"' in invoice_page and f"{p}OLD-1 · 01/10/2026 · £120.00" in (
        invoice_page)
    token = page_token(client, f"/records/{invoice_tid}")
    wrong = client.post(f"/records/{invoice_tid}/link-invoice", headers=HX,
                        data={"csrf_token": token, "number": f"{p}NOPE"})
    assert f"Xero has no invoice numbered {p}NOPE" in wrong.get_data(as_text=True)
    assert _transfer(books, "invoice", f"{p}I1").external_id is None
    _pick_in_browser(books, made, invoice_tid, f"{p}OLD-1")
    history = client.get(f"/records/{invoice_tid}").get_data(as_text=True)
    assert re.search(r"linked to invoice \S+OLD-1 in Xero</span>\s*"
                     r"<span class=\"timeline-actor\">by", history)
    assert _transfer(books, "invoice", f"{p}I1").external_id == xero_id

    run = _send_and_wait(books)
    assert run["sent"] == 1, run
    assert _public(books, "payment", f"{p}P1")["state"] == "sent"
    assert _invoice_numbers(books) == {f"{p}OLD-1": 1}
    assert [pay["Invoice"]["InvoiceID"] for pay in books.package_list("Payments")] == [xero_id]


def test_recovery_of_an_interrupted_claim_sends_nothing_else(connected_books, worker_process,
                                                             app) -> None:
    from datetime import timedelta

    from app.models import utcnow

    books = connected_books()
    p = f"V{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Cut Short {p}"), _customer(f"{p}C2", f"Left Be {p}")])
    _ensure_transfers(books)
    # A worker claimed C1 and died before any run could settle it.
    _update_transfer(books, "customer", f"{p}C1", state="sending", attempt_id="dead",
                     lease_until=utcnow() - timedelta(seconds=5))
    worker_process()
    with app.app_context():
        from app.sync.sweep import recover

        # The count covers every connection in the database: earlier tests may leave claims
        # of their own to recover. This connection's run below is what must be right.
        assert recover() >= 1
    run = _latest_run(books)
    assert run.trigger == "recovery" and run.scope == [_transfer(books, "customer", f"{p}C1").id]
    done = books.wait_for_run(run.id, timeout=90)
    assert done["status"] == "finished" and done["sent"] == 1, done
    names = _contact_names(books)
    assert f"Cut Short {p}" in names and f"Left Be {p}" not in names
    assert _public(books, "customer", f"{p}C2")["state"] == "pending"


@pytest.mark.parametrize("package", ("xero", "quickbooks_online"))
def test_connectors_list_a_customers_invoices_for_the_picker(package, connected_books,
                                                             worker_process) -> None:
    from decimal import Decimal

    from app.models import Connection
    from app.sync.audit import ExchangeLog
    from app.sync.engine import build_connector

    books = connected_books(package=package)
    p = f"L{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Listed {p}"), _customer(f"{p}C2", f"Other {p}"),
                    _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1"),
                    _invoice(f"{p}I2", f"{p}INV-2", f"{p}C2")])
    worker_process()
    assert _send_and_wait(books)["sent"] == 4
    customer = _transfer(books, "customer", f"{p}C1").external_id
    invoice = _transfer(books, "invoice", f"{p}I1").external_id
    with _session(books) as s:
        connector = build_connector(s.get(Connection, books.connection_id), None, ExchangeLog())
        listed = connector.invoices_of(customer)
    assert [(i.external_id, i.number, i.date, i.total) for i in listed] == [
        (invoice, f"{p}INV-1", "2026-10-15", Decimal("120.00"))]


def test_send_data_pressed_while_a_retry_waits_sends_everything(signed_in_books,
                                                                worker_process) -> None:
    books, client, _made = signed_in_books
    p = f"W{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"First {p}"), _customer(f"{p}C2", f"Second {p}"),
                    _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1")])
    _ensure_transfers(books)
    _update_transfer(books, "invoice", f"{p}I1", state="failed", reason="validation")
    tid = _transfer(books, "invoice", f"{p}I1").id
    client.post(f"/records/{tid}/retry", data={"csrf_token": page_token(client, f"/records/{tid}")})
    retry_run = _latest_run(books)
    assert retry_run.scope is not None  # queued: no worker yet
    joined = books.send()
    assert joined["id"] == retry_run.id
    assert _latest_run(books).scope is None
    worker_process()
    done = books.wait_for_run(retry_run.id, timeout=90)
    assert done["status"] == "finished" and done["sent"] == 3, done
    assert {f"First {p}", f"Second {p}"} <= _contact_names(books)
