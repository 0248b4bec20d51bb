"""Realistic job-system records for the demo, the tests and the benchmarks, as inbound API
payloads (path, body), in the order a job system would send them."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from app.money import document_totals, line_amounts

FIRST = ["Alan", "Beth", "Carl", "Dina", "Evan", "Fay", "Gus", "Hana", "Ivan", "Jo", "Kit", "Lee"]
LAST = ["Smith", "Patel", "Jones", "Okafor", "Brown", "Nowak", "Evans", "Khan", "Wright", "Hill"]
TOWNS = [("Leeds", "LS1"), ("York", "YO1"), ("Bath", "BA1"), ("Hull", "HU1"), ("Derby", "DE1")]
JOBS = [
    ("Boiler service", "sales", "standard"),
    ("Annual gas safety certificate", "sales", "standard"),
    ("Radiator valve (materials)", "materials_sales", "standard"),
    ("Call-out fee", "callout_fees", "standard"),
    ("Energy-saving insulation (materials)", "materials_sales", "reduced"),
    ("Children's car seat fitting", "sales", "zero"),
    ("Insurance admin fee", "sales", "exempt"),
]


def _money(rng: random.Random, low: int, high: int) -> float:
    # JSON numbers, as the API takes them; a float with 2 dp survives the round trip exactly
    # (json writes the shortest repr, and the API reads it back as a Decimal).
    return float(Decimal(rng.randint(low * 100, high * 100)) / 100)


def generate(
    customers: int = 50,
    invoices: int = 200,
    payments: int = 100,
    credit_notes: int = 20,
    seed: int = 7,
    prefix: str = "",
    start: date = date(2026, 10, 1),
) -> list[tuple[str, dict]]:
    """Payloads for POST /api/v1/<path>. Payments pay whole invoices (one or two each), credit
    notes credit part of an invoice that no payment touches, so every figure can be checked."""
    rng = random.Random(seed)  # noqa: S311 (sample data, not secrets)
    out: list[tuple[str, dict]] = []
    for i in range(customers):
        town, pc = rng.choice(TOWNS)
        out.append(
            (
                "customers",
                {
                    "source_id": f"{prefix}C{i:05d}",
                    "name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {prefix}{i:05d}",
                    "email": f"customer{i}@example.test",
                    "phone": f"0113 496 {i:04d}",
                    "address": {
                        "line1": f"{i + 1} High Street",
                        "line2": "",
                        "city": town,
                        "postcode": f"{pc} {i % 9}AB",
                        "country": "GB",
                    },
                },
            )
        )
    invoice_customer: list[str] = []
    for i in range(invoices):
        cust = f"{prefix}C{rng.randrange(customers):05d}"
        invoice_customer.append(cust)
        when = start + timedelta(days=rng.randrange(40))
        lines = []
        for _ in range(rng.randint(1, 4)):
            desc, account, tax = rng.choice(JOBS)
            lines.append(
                {
                    "description": desc,
                    "quantity": rng.choice([1, 1, 2, 3, 1.5]),
                    "unit_price": _money(rng, 5, 450),
                    "account": account,
                    "tax_rate": tax,
                }
            )
        out.append(
            (
                "invoices",
                {
                    "source_id": f"{prefix}I{i:05d}",
                    "number": f"{prefix}INV-{i + 1:05d}",
                    "customer_source_id": cust,
                    "date": when.isoformat(),
                    "due_date": (when + timedelta(days=30)).isoformat(),
                    "reference": f"Job {1000 + i}",
                    "amounts_are": rng.choice(["exclusive", "exclusive", "inclusive"]),
                    "lines": lines,
                },
            )
        )
    # Credit notes on the last invoices, payments on the first ones: they never overlap.
    for i in range(credit_notes):
        inv = invoices - 1 - i
        out.append(
            (
                "credit-notes",
                {
                    "source_id": f"{prefix}N{i:05d}",
                    "number": f"{prefix}CN-{i + 1:05d}",
                    "customer_source_id": invoice_customer[inv],
                    "invoice_source_id": f"{prefix}I{inv:05d}",
                    "date": (start + timedelta(days=45)).isoformat(),
                    "reference": "Goodwill discount",
                    "amounts_are": "exclusive",
                    "lines": [
                        {
                            "description": "Discount",
                            "quantity": 1,
                            "unit_price": _money(rng, 1, 5),
                            "account": "sales",
                            "tax_rate": "standard",
                        }
                    ],
                },
            )
        )
    # Payments settle whole invoices; a few settle two invoices of the same customer at once.
    totals = {body["source_id"]: invoice_total(body) for path, body in out if path == "invoices"}
    by_customer: dict[str, list[int]] = {}
    for idx in range(min(payments * 2, invoices - credit_notes)):
        by_customer.setdefault(invoice_customer[idx], []).append(idx)
    used: set[int] = set()
    made = 0
    for idx in range(invoices - credit_notes):
        if made >= payments:
            break
        if idx in used:
            continue
        used.add(idx)
        group = [idx]
        others = [j for j in by_customer.get(invoice_customer[idx], []) if j not in used]
        if made % 4 == 3 and others:
            group.append(others[0])
            used.add(others[0])
        allocations = [
            {
                "invoice_source_id": f"{prefix}I{j:05d}",
                "amount": float(totals[f"{prefix}I{j:05d}"]),
            }
            for j in group
        ]
        amount = sum((Decimal(str(a["amount"])) for a in allocations), Decimal("0.00"))
        out.append(
            (
                "payments",
                {
                    "source_id": f"{prefix}P{made:05d}",
                    "customer_source_id": invoice_customer[idx],
                    "date": (start + timedelta(days=50)).isoformat(),
                    "amount": float(amount),
                    "bank_account": "bank",
                    "reference": f"Card payment {made + 1}",
                    "allocations": allocations,
                },
            )
        )
        made += 1
    return out


RATES = {"standard": Decimal(20), "reduced": Decimal(5), "zero": Decimal(0), "exempt": Decimal(0)}


def invoice_total(body: dict) -> Decimal:
    """What the document comes to under the default chart's VAT rates."""
    inclusive = body["amounts_are"] == "inclusive"
    lines = [
        line_amounts(
            Decimal(str(ln["quantity"])),
            Decimal(str(ln["unit_price"])),
            RATES[ln["tax_rate"]],
            inclusive,
        )
        for ln in body["lines"]
    ]
    return document_totals(lines, inclusive).total
