"""The whole journey through real components: inbound API over HTTP -> Send Data -> a real RQ
worker -> the Xero connector -> the sandbox over HTTP, read back through Xero's API."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from decimal import Decimal

from app.demo_records import generate, invoice_total


def _by(items: list[dict], key: str) -> dict[str, dict]:
    counts = Counter(i[key] for i in items)
    dupes = [k for k, n in counts.items() if n > 1]
    assert not dupes, f"duplicates in the package: {dupes[:5]}"
    return {i[key]: i for i in items}


def _check_books(books, payloads) -> None:  # type: ignore[no-untyped-def]
    """Each record exactly once in the sandbox, totals and tax to the penny."""
    customers = {b["source_id"]: b for p, b in payloads if p == "customers"}
    invoices = {b["number"]: b for p, b in payloads if p == "invoices"}
    credits = {b["number"]: b for p, b in payloads if p == "credit-notes"}
    payments = [b for p, b in payloads if p == "payments"]

    contacts = _by(books.xero_all("Contacts"), "ContactNumber")
    assert set(contacts) == set(customers)
    xinvoices = _by(books.xero_all("Invoices"), "InvoiceNumber")
    assert set(xinvoices) == set(invoices)
    for number, body in invoices.items():
        x = xinvoices[number]
        assert Decimal(str(x["Total"])) == invoice_total(body), number
        assert x["Contact"]["ContactID"] == contacts[body["customer_source_id"]]["ContactID"]
    xcredits = _by(books.xero_all("CreditNotes"), "CreditNoteNumber")
    assert set(xcredits) == set(credits)
    for number, body in credits.items():
        assert Decimal(str(xcredits[number]["Total"])) == invoice_total(body), number
    xpayments = books.xero_all("Payments")
    expected = Counter()
    for p in payments:
        for a in p["allocations"]:
            expected[a["invoice_source_id"]] += Decimal(str(a["amount"]))
    paid = Counter()
    by_id = {x["InvoiceID"]: x for x in xinvoices.values()}
    source_by_number = {b["number"]: b["source_id"] for b in invoices.values()}
    for x in xpayments:
        inv = by_id[x["Invoice"]["InvoiceID"]]
        paid[source_by_number[inv["InvoiceNumber"]]] += Decimal(str(x["Amount"]))
    assert paid == expected
    # Paid invoices are settled to the penny in Xero, and credited ones reduced by the credit.
    number_of = {b["source_id"]: n for n, b in invoices.items()}
    for source_id in expected:
        assert Decimal(str(xinvoices[number_of[source_id]]["AmountDue"])) == 0, source_id
    for body in credits.values():
        number = number_of[body["invoice_source_id"]]
        owed = invoice_total(invoices[number]) - invoice_total(body)
        assert Decimal(str(xinvoices[number]["AmountDue"])) == owed, number


def test_full_journey_exactly_once(connected_books, worker_process) -> None:
    books = connected_books()
    payloads = generate(customers=50, invoices=200, payments=100, credit_notes=20,
                        prefix=f"J{books.company_id}-")
    books.post_all(payloads)
    worker_process()
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished", run
    states = Counter(t.state for t in books.transfers())
    assert states == {"sent": 370}, states
    _check_books(books, payloads)
    # A second Send Data finds nothing to do and sends nothing twice.
    again = books.wait_for_run(books.send()["id"])
    assert again["status"] == "finished" and again["sent"] == 0
    _check_books(books, payloads)


def test_worker_killed_mid_run_still_exactly_once(connected_books, worker_process, app) -> None:
    books = connected_books()
    payloads = generate(customers=30, invoices=150, payments=60, credit_notes=10,
                        prefix=f"K{books.company_id}-", seed=11)
    books.post_all(payloads)
    worker = worker_process()
    run = books.send()
    # Kill the worker as soon as something has been sent, in the middle of the run.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(t.state == "sent" for t in books.transfers()):
            break
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    states = Counter(t.state for t in books.transfers())
    assert states.get("sent", 0) < 250, f"the run finished before the kill: {states}"
    # A new worker; the sweep (the cron tick) hands it the dead worker's run.
    worker_process()
    with app.app_context():
        from app.jobs import cron_tick

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            cron_tick()
            status = books.get(f"runs/{run['id']}")["status"]
            if status in ("finished", "failed"):
                break
            time.sleep(1)
    final = books.wait_for_run(run["id"])
    assert final["status"] == "finished", final
    states = Counter(t.state for t in books.transfers())
    assert states == {"sent": len(payloads)}, states
    _check_books(books, payloads)
