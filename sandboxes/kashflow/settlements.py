"""POST /v2/invoices/bulk/payments in the KashFlow sandbox: one payment (numbered from 7001 per
company) of one or more invoices into a bank nominal, all or nothing: an unknown invoice or a
line paying more than its invoice still owes refuses the whole payment. Each paid invoice shows
the line in its PaymentLines. unverified: the endpoint's body and answer are the wire
contract's reading of KashFlow's docs."""

from __future__ import annotations

from typing import Any

from sandboxes.kashflow import arithmetic, rules
from sandboxes.kashflow import store as store
from sandboxes.kashflow.documents import INVOICE, save
from sandboxes.kashflow.replies import decimal_text, validation

FIRST_PAYMENT = 7001
REFERENCE_MAX = 50
PAYMENTS = "payments"


def _invoice_of(company: str) -> arithmetic.InvoiceOf:
    def invoice_of(line: dict[str, Any], label: str) -> tuple[dict[str, Any], int]:
        number = rules.required_whole(line, "InvoiceNumber", label)
        return rules.invoice(company, number, label), number

    return invoice_of


def create_payment(company: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The new payment as KashFlow answers it (stored with its invoices, not committed)."""
    on = rules.required_date(resource, "PaymentDate")
    bank = rules.required_whole(resource, "BankAccount")
    rules.nominal(company, bank, "BankAccount", kind="Bank")
    reference = rules.text(resource, "Reference", REFERENCE_MAX)
    method = rules.text(resource, "PaymentMethod", 20) or "BACS"
    if method not in ("BACS", "Cash", "Cheque", "Card"):
        # unverified: KashFlow's payment methods.
        raise validation("PaymentMethod must be BACS, Cash, Cheque or Card.")
    lines = arithmetic.check_payment_lines(resource.get("PaymentLines"), _invoice_of(company))
    rules.open_period(company, on, "PaymentDate")
    number = store.next_number(company, PAYMENTS, FIRST_PAYMENT)
    paid: dict[int, dict[str, Any]] = {}
    for invoice, invoice_number, amount in lines:
        # Several lines on one invoice pay the copy already changed.
        current = paid.setdefault(invoice_number, invoice)
        arithmetic.settle(current, amount)
        current["PaymentLines"] = [*current["PaymentLines"], {
            "Number": number, "Date": on.isoformat(), "Amount": decimal_text(amount),
            "Reference": reference, "BankAccount": bank, "PaymentMethod": method}]
    for invoice in paid.values():
        save(company, INVOICE, invoice)
    made = {"Number": number, "PaymentDate": on.isoformat(), "BankAccount": bank,
            "Reference": reference, "PaymentMethod": method,
            "PaymentLines": [{"InvoiceNumber": n, "Amount": decimal_text(a)}
                             for _i, n, a in lines]}
    store.put(company, PAYMENTS, str(number), made, ref=reference)
    return made
