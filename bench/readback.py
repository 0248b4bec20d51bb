"""Reading the pushed records back through the package's own API in its sandbox (Xero's REST
lists, QuickBooks Online's query endpoint), as any client of the package would, and checking
each is there exactly once with the source's totals to the penny.

The reading itself is tests/sync/readback.py, shared with the end-to-end tests.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any


def verify(app: Any, base_url: str, connection_id: int, payloads: list[tuple[str, dict]]
           ) -> tuple[list[str], list[str], list[str]]:
    """Problems with (exactly-once, totals, credit-note allocations); empty lists mean all is
    well."""
    from app.demo_records import invoice_total
    from tests.sync.readback import read_books

    customers = {b["source_id"]: b for p, b in payloads if p == "customers"}
    invoices = {b["number"]: b for p, b in payloads if p == "invoices"}
    credits = {b["number"]: b for p, b in payloads if p == "credit-notes"}
    held = read_books(app, base_url, connection_id,
                      {b["name"]: k for k, b in customers.items()})

    once: list[str] = []
    totals: list[str] = []

    def check(what: str, keys: list[str], expected: dict[str, Any]) -> None:
        counts = Counter(keys)
        dupes = sorted(str(k) for k, n in counts.items() if n > 1 and k in expected)
        missing = sorted(str(k) for k in set(expected) - set(counts))
        if dupes:
            once.append(f"{what}: {len(dupes)} twice or more, e.g. {dupes[:3]}")
        if missing:
            once.append(f"{what}: {len(missing)} missing, e.g. {missing[:3]}")

    check("customers", [k for k, _ in held.contacts], customers)
    for what, docs, expected in (("invoices", held.invoices, invoices),
                                 ("credit notes", held.credit_notes, credits)):
        check(what, [d.number for d in docs], expected)
        for doc in docs:
            if doc.number in expected and doc.total != invoice_total(expected[doc.number]):
                totals.append(f"{doc.number}: {doc.total} != {invoice_total(expected[doc.number])}")
    # Each (payment, invoice) allocation exactly once, for the amount sent.
    by_number = {b["source_id"]: b["number"] for b in invoices.values()}
    number_of = {d.package_id: d.number for d in held.invoices}
    expected_pay = {(b["source_id"], by_number[a["invoice_source_id"]]): Decimal(str(a["amount"]))
                    for p, b in payloads if p == "payments" for a in b["allocations"]}
    pairs = [(p.source_id, number_of.get(p.invoice_id, "")) for p in held.payments]
    check("payment allocations", pairs, expected_pay)
    for line, pair in zip(held.payments, pairs, strict=True):
        if pair in expected_pay and line.amount != expected_pay[pair]:
            totals.append(f"payment {pair}: {line.amount} != {expected_pay[pair]}")
    # Each credit note is applied to its invoice (no payment touches those invoices), so the
    # invoice owes its total less the credit.
    allocated: list[str] = []
    found = {d.number: d for d in held.invoices}
    for body in credits.values():
        number = by_number.get(body.get("invoice_source_id") or "")
        invoice = found.get(number or "")
        if invoice is None:
            continue
        owed = invoice_total(invoices[number]) - invoice_total(body)
        if invoice.due != owed:
            allocated.append(f"{body['number']} on {number}: due {invoice.due} != {owed}")
    return once, totals, allocated
