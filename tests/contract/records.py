"""Canonical records for the contract suite, mapped to a package's sandbox chart by the package's
own demo declaration (connectors/<key>/demo.py: our chart's codes -> the sandbox's), so no test
names a package or one of its codes."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from connectors.base import (
    Allocation,
    ContactRecord,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
)
from connectors.demo_setup import DemoSetup
from connectors.money import to_pennies

STANDARD_RATE = Decimal("20")  # our chart's "standard" VAT rate, mapped by the demo


class RecordFactory:
    """New records with references of their own: one factory per connected organisation."""

    def __init__(self, demo: DemoSetup) -> None:
        self.demo = demo
        self.tag = uuid.uuid4().hex[:5]
        self.counter = itertools.count(1)
        # Every contact name made, with its reference: packages that know a customer by its
        # name alone are read back through these (connectors/readback.py).
        self.names: dict[str, str] = {}

    def _next(self, letter: str) -> str:
        # Short enough for every package's reference fields (QBO's vendor AcctNum: 15).
        return f"{letter}{self.tag}{next(self.counter):04d}"

    def contact(self, kind: Literal["customer", "supplier"] = "customer", name: str = "",
                email: str = "") -> ContactRecord:
        reference = self._next("C" if kind == "customer" else "S")
        name = name or f"Contract {kind} {reference}"
        self.names.setdefault(name, reference)  # a second contact of one name is a twin
        return ContactRecord(key=uuid.uuid4().hex, kind=kind, reference=reference, name=name,
                             email=email)

    def document(self, contact: tuple[ContactRecord, str], *,
                 kind: Literal["invoice", "credit_note"] = "invoice", account_code: str = "",
                 tax_code: str = "", on: date | None = None, reference: str = "",
                 invoice: tuple[DocumentRecord, str] | None = None,
                 as_draft: bool = False) -> DocumentRecord:
        """One line at 20% VAT: an invoice of 2 x 50.00 (120.00 with VAT), or a credit note of
        1 x 20.00 (24.00), so a credit leaves something owed on its invoice."""
        record, contact_id = contact
        quantity, price = (Decimal("2"), Decimal("50.00")) if kind == "invoice" else (
            Decimal("1"), Decimal("20.00"))
        net = to_pennies(quantity * price)
        tax = to_pennies(net * STANDARD_RATE / 100)
        line = DocumentLine(
            description="Boiler service" if kind == "invoice" else "Refund: parts not used",
            quantity=quantity, unit_price=price,
            account_code=account_code or self.demo.accounts["sales"],
            tax_code=tax_code or self.demo.tax_rates["standard"], tax_rate=STANDARD_RATE,
            line_amount=net, tax_amount=tax)
        return DocumentRecord(
            key=uuid.uuid4().hex, kind=kind,
            reference=reference or self._next("I" if kind == "invoice" else "N"),
            contact_external_id=contact_id, contact_name=record.name, date=on or date.today(),
            due_date=None, their_reference="", amounts_are="exclusive", lines=(line,),
            subtotal=net, tax_total=tax, total=net + tax,
            invoice_external_id=invoice[1] if invoice else None,
            invoice_reference=invoice[0].reference if invoice else None, as_draft=as_draft)

    def payment(self, invoice: tuple[DocumentRecord, str], amount: Any = None,
                bank_account_code: str = "") -> PaymentRecord:
        record, invoice_id = invoice
        paid = to_pennies(Decimal(str(amount))) if amount is not None else record.total
        return PaymentRecord(
            key=uuid.uuid4().hex, kind="payment", reference=self._next("P"),
            contact_external_id=record.contact_external_id, contact_name=record.contact_name,
            date=record.date, amount=paid,
            bank_account_code=bank_account_code or self.demo.accounts["bank"],
            allocations=(Allocation(invoice_id, record.reference, paid),))
