"""The whole journey through real components, for every web package: inbound API over HTTP ->
Send Data -> a real RQ worker -> the package's connector -> its sandbox over HTTP, read back
through the package's own API (tests/sync/readback.py)."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from decimal import Decimal

import pytest

from app.demo_records import RATES, generate, invoice_total
from app.money import document_totals, line_amounts
from connectors import package_module
from tests.sync.conftest import PACKAGES


def invoice_tax(body: dict) -> Decimal:
    """The VAT on a document as we compute it (per line, half-up, summed)."""
    inclusive = body["amounts_are"] == "inclusive"
    lines = [line_amounts(Decimal(str(ln["quantity"])), Decimal(str(ln["unit_price"])),
                          RATES[ln["tax_rate"]], inclusive) for ln in body["lines"]]
    return document_totals(lines, inclusive).tax


def _once(pairs: list[tuple[str, object]], what: str) -> dict:
    counts = Counter(key for key, _ in pairs)
    dupes = [k for k, n in counts.items() if n > 1]
    assert not dupes, f"{what} twice or more in the package: {dupes[:5]}"
    return dict(pairs)


def _check_books(books, payloads) -> None:  # type: ignore[no-untyped-def]
    """Each record exactly once in the package, totals and tax to the penny, paid invoices
    settled and credited ones reduced by the credit, all as the package reports them."""
    customers = {b["source_id"]: b for p, b in payloads if p == "customers"}
    invoices = {b["number"]: b for p, b in payloads if p == "invoices"}
    credits = {b["number"]: b for p, b in payloads if p == "credit-notes"}
    payments = {b["source_id"]: b for p, b in payloads if p == "payments"}
    held = books.package_books({b["name"]: k for k, b in customers.items()})

    contacts = _once(held.contacts, "customers")
    assert set(contacts) == set(customers)
    theirs = _once([(d.number, d) for d in held.invoices], "invoices")
    assert set(theirs) == set(invoices)
    for number, body in invoices.items():
        doc = theirs[number]
        assert (doc.total, doc.tax) == (invoice_total(body), invoice_tax(body)), number
        assert doc.contact_id == contacts[body["customer_source_id"]], number
    their_credits = _once([(d.number, d) for d in held.credit_notes], "credit notes")
    assert set(their_credits) == set(credits)
    for number, body in credits.items():
        doc = their_credits[number]
        assert (doc.total, doc.tax) == (invoice_total(body), invoice_tax(body)), number
        assert doc.contact_id == contacts[body["customer_source_id"]], number
    # Every (payment, invoice) allocation exactly once, for the amount we sent.
    number_of = {b["source_id"]: n for n, b in invoices.items()}
    by_package_id = {d.package_id: d.number for d in theirs.values()}
    received = _once([((p.source_id, by_package_id.get(p.invoice_id)), p.amount)
                      for p in held.payments], "payment allocations")
    expected = {(source_id, number_of[a["invoice_source_id"]]): Decimal(str(a["amount"]))
                for source_id, body in payments.items() for a in body["allocations"]}
    assert received == expected
    # Paid invoices are settled to the penny, and credited ones reduced by the credit.
    for _payment, number in expected:
        assert theirs[number].due == 0, number
    for body in credits.values():
        number = number_of[body["invoice_source_id"]]
        owed = invoice_total(invoices[number]) - invoice_total(body)
        assert theirs[number].due == owed, number


# make e2e only; in make test, tests/journey/test_push_journey_small.py runs it at a tenth.
@pytest.mark.e2e
@pytest.mark.parametrize("package", PACKAGES)
def test_full_journey_exactly_once(package, connected_books, worker_process, app,  # type: ignore[no-untyped-def]
                                   monkeypatch) -> None:
    # The subject is exactly once and to the penny, not the package's limits: our budget under
    # them (test_ratelimit.py, the SIGKILL test below) and the time they cost (the bench, on a
    # simulated clock) are measured elsewhere. Under real limits a one-call-per-record package
    # would spend minutes of the suite waiting here.
    monkeypatch.setenv("CALL_BUDGET_ENABLED", "0")
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
    books = connected_books(package=package)
    payloads = generate(customers=50, invoices=200, payments=100, credit_notes=20,
                        prefix=f"J{books.company_id}-")
    books.post_all(payloads)
    worker_process()
    run = books.wait_for_run(books.send()["id"], timeout=300)
    assert run["status"] == "finished", run
    states = Counter(t.state for t in books.transfers())
    assert states == {"sent": 370}, states
    _check_books(books, payloads)
    # A second Send Data finds nothing to do and sends nothing twice.
    again = books.wait_for_run(books.send()["id"], timeout=120)
    assert again["status"] == "finished" and again["sent"] == 0
    _check_books(books, payloads)


# make e2e only; in make test, tests/resilience/test_worker_killed_quick.py runs this body on
# quick recovery clocks.
@pytest.mark.e2e
@pytest.mark.parametrize("package", PACKAGES)
def test_worker_killed_mid_run_still_exactly_once(package, connected_books, worker_process,  # type: ignore[no-untyped-def]
                                                   app) -> None:
    books = connected_books(package=package)
    mix = package_module(package, "bench").BENCH.kill_mix
    payloads = generate(**mix, prefix=f"K{books.company_id}-", seed=11)
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
    assert states.get("sent", 0) < len(payloads), f"the run finished before the kill: {states}"
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
