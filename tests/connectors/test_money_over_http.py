"""The money property's in-process check stands for the real thing: a few of its generated
cases, sent through the real pipeline (inbound API over HTTP, Send Data on a real RQ worker,
each package's connector, its sandbox over HTTP) and read back through the package's own API,
come to our totals to the penny and leave owing what we say is owed.

So the hook a package gives the property test (document_payload) is what its pusher really
sends (Xero's unitdp=4 included), and the sandbox's in-process oracle is the sandbox.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from connectors import package_keys
from tests.connectors.money_cases import Case, Doc, our_records, random_case
from tests.sync.conftest import connected_books  # noqa: F401  (fixture used here)

CASES = 6


def _number(value: Decimal) -> float:
    """A JSON number with exactly these digits: at most 9 significant ones, which a float's
    shortest repr (how json writes it) keeps as they are."""
    assert Decimal(repr(float(value))) == value
    return float(value)


def _lines(doc: Doc) -> list[dict]:
    return [{"description": f"Line {i + 1}", "quantity": _number(ln.quantity),
             "unit_price": _number(ln.unit_price), "account": "sales", "tax_rate": ln.rate_key}
            for i, ln in enumerate(doc.lines)]


def _records(p: str, customer: str, cases: list[Case]) -> list[tuple[str, dict]]:
    """The cases as the job system posts them: one customer, then each case's documents."""
    posts: list[tuple[str, dict]] = [("customers", {"source_id": f"{p}C", "name": customer})]
    for i, case in enumerate(cases):
        posts.append(("invoices", {
            "source_id": f"{p}I{i}", "number": f"{p}I{i}", "customer_source_id": f"{p}C",
            "date": "2026-10-15", "due_date": "2026-11-14",
            "amounts_are": case.invoice.amounts_are, "lines": _lines(case.invoice)}))
        if case.credit_note is not None:
            posts.append(("credit-notes", {
                "source_id": f"{p}N{i}", "number": f"{p}N{i}", "customer_source_id": f"{p}C",
                "invoice_source_id": f"{p}I{i}", "date": "2026-10-16",
                "amounts_are": case.credit_note.amounts_are,
                "lines": _lines(case.credit_note)}))
        for j, amount in enumerate(case.payments):
            posts.append(("payments", {
                "source_id": f"{p}P{i}-{j}", "customer_source_id": f"{p}C",
                "date": "2026-10-20", "amount": _number(amount), "bank_account": "bank",
                "reference": f"Card {i}-{j}",
                "allocations": [{"invoice_source_id": f"{p}I{i}", "amount": _number(amount)}]}))
    return posts


@pytest.mark.parametrize("key", package_keys("push"))
def test_generated_cases_sent_for_real_come_to_our_totals(
        key, connected_books, worker_process) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    books = connected_books(package=key)
    rng = random.Random(f"money-over-http-{key}")
    cases = [random_case(rng, max_lines=12) for _ in range(CASES)]
    p = f"M{books.company_id}-"
    customer = f"Money Property {p}"
    books.post_all(_records(p, customer, cases))
    worker_process()
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished", run

    held = books.package_books({customer: f"{p}C"})
    invoices = {d.number: d for d in held.invoices}
    credits = {d.number: d for d in held.credit_notes}
    problems = []
    for i, case in enumerate(cases):
        ours = our_records(case)
        owed = ours.invoice.total - sum(case.payments, Decimal(0))
        if ours.credit_note is not None:
            owed -= ours.credit_note.total
            note = credits[f"{p}N{i}"]
            if (note.total, note.tax, note.due) != (ours.credit_note.total,
                                                    ours.credit_note.tax_total, 0):
                problems.append(f"credit note {i}: ours {ours.credit_note.total}, "
                                f"{ours.credit_note.tax_total}, 0 left; {key} {note}")
        invoice = invoices[f"{p}I{i}"]
        if (invoice.total, invoice.tax, invoice.due) != (ours.invoice.total,
                                                         ours.invoice.tax_total, owed):
            problems.append(f"invoice {i}: ours {ours.invoice.total}, {ours.invoice.tax_total}, "
                            f"{owed} owed; {key} {invoice}")
    assert not problems, "\n".join(problems)
    # Nothing was refused or left aside: every record reached the package.
    states = {t.state for t in books.transfers()}
    assert states == {"sent"}, states
