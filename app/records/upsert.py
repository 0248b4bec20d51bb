"""Upsert services: a validated request in, the company's books checked, rows written in one
transaction, transfers brought up to date.

Each service checks everything first (references, chart keys, what is already paid) and raises
RecordProblems before writing a single row; the writing then happens in one transaction that is
rolled back on any error, so a request never leaves a half-written record. Re-sending identical
data changes nothing: no row is touched and no transfer moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from app.api.schemas import ContactIn, CreditNoteIn, InvoiceIn, LineIn, PaymentIn
from app.extensions import db
from app.models import Contact, Document, DocumentLine, Payment, PaymentAllocation, utcnow
from app.records.lookup import (
    account_kinds,
    find_contact,
    find_document,
    find_payment,
    settled_against,
)
from app.records.snapshot import money, snapshot
from app.records.totals import company_tax_rates, document_totals
from app.sync.changes import record_saved

T = TypeVar("T")
NOUNS = {"invoice": "invoice", "credit_note": "credit note"}


class RecordProblems(Exception):
    """The request is well-formed but does not fit the company's books (a 422)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


@dataclass
class Saved:
    row: Any
    created: bool


def _in_transaction(write: Callable[[], T]) -> T:
    """Run `write` and commit; roll back on any error. Two requests creating the same source_id
    at once collide on a unique constraint: the loser retries once and finds the winner's row."""
    for attempt in range(2):
        try:
            result = write()
            db.session.commit()
            return result
        except IntegrityError:
            db.session.rollback()
            if attempt == 1:
                raise
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _fingerprint(record_type: str, row: Any) -> dict[str, str]:
    """Everything stored, to tell an edit from a re-post: the snapshot plus unsent fields."""
    extra = {"~stated_total": money(row.stated_total)} if isinstance(row, Document) else {}
    return snapshot(record_type, row) | extra


def _finish(record_type: str, row: Any, created: bool, before: dict[str, str] | None) -> Saved:
    db.session.flush()
    if created:
        record_saved(row.company_id, record_type, row.id, True)
    elif _fingerprint(record_type, row) != before:
        row.updated_at = utcnow()  # an edit of lines alone does not touch the parent row
        previous = {k: v for k, v in (before or {}).items() if not k.startswith("~")}
        record_saved(row.company_id, record_type, row.id, False, previous=previous)
    return Saved(row=row, created=created)


# ----------------------------------------------------------------------------- contacts
def upsert_contact(company_id: int, kind: str, data: ContactIn) -> Saved:
    """Create or update a customer or supplier (`kind`)."""

    def write() -> Saved:
        row = find_contact(company_id, kind, data.source_id)
        created = row is None
        before = None if row is None else _fingerprint(kind, row)
        if row is None:
            row = Contact(company_id=company_id, kind=kind, source_id=data.source_id)
            db.session.add(row)
        row.name = data.name
        row.email = data.email or ""
        row.phone = data.phone or ""
        address = data.address.model_dump(exclude_none=True) if data.address else {}
        row.address = {k: v for k, v in address.items() if v}
        return _finish(kind, row, created, before)

    return _in_transaction(write)


# ----------------------------------------------------------------------------- documents
@dataclass(frozen=True)
class _Line:
    quantity: Decimal
    unit_price: Decimal
    tax_rate_key: str


def _check_lines(lines: list[LineIn], accounts: dict[str, str], rates: dict[str, Decimal]
                 ) -> list[tuple[str, str]]:
    problems = []
    sales = ", ".join(sorted(k for k, v in accounts.items() if v == "sales"))
    rate_keys = ", ".join(sorted(rates))
    for i, line in enumerate(lines):
        kind = accounts.get(line.account)
        if kind is None:
            problems.append((f"lines[{i}].account",
                             f"no account '{line.account}' in our chart; use one of: {sales}"))
        elif kind != "sales":
            problems.append((f"lines[{i}].account", f"'{line.account}' is a {kind} account; "
                             f"invoice lines need a sales account: {sales}"))
        if line.tax_rate not in rates:
            problems.append((f"lines[{i}].tax_rate",
                             f"no tax rate '{line.tax_rate}' in our chart; use one of: "
                             f"{rate_keys}"))
    return problems


def upsert_document(company_id: int, kind: str, data: InvoiceIn | CreditNoteIn) -> Saved:
    """Create or update an invoice or a credit note (`kind`) with its lines."""
    noun = NOUNS[kind]

    def write() -> Saved:
        row = find_document(company_id, kind, data.source_id)
        customer = find_contact(company_id, "customer", data.customer_source_id)
        accounts = account_kinds(company_id)
        rates = company_tax_rates(company_id)
        problems: list[tuple[str, str]] = []
        if customer is None:
            problems.append(("customer_source_id", f"no customer with source_id "
                             f"'{data.customer_source_id}'; send it to /customers first"))
        if data.due_date is not None and data.due_date < data.date:
            problems.append(("due_date", f"{data.due_date} is before the {noun} date "
                             f"{data.date}"))
        problems += _check_lines(data.lines, accounts, rates)
        clash = db.session.execute(
            db.select(Document.source_id).filter(
                Document.company_id == company_id, Document.kind == kind,
                Document.number == data.number, Document.source_id != data.source_id,
            ).limit(1)
        ).scalar_one_or_none()
        if clash is not None:
            problems.append(("number", f"{noun} number '{data.number}' is already used by "
                             f"{noun} source_id '{clash}'"))
        invoice = None
        invoice_source_id = getattr(data, "invoice_source_id", None)
        if invoice_source_id is not None:
            invoice = find_document(company_id, "invoice", invoice_source_id)
            if invoice is None:
                problems.append(("invoice_source_id",
                                 f"no invoice with source_id '{invoice_source_id}'"))
            elif customer is not None and invoice.customer_id != customer.id:
                problems.append(("invoice_source_id", f"invoice '{invoice_source_id}' is for "
                                 f"customer '{invoice.customer.source_id}', not "
                                 f"'{customer.source_id}'"))
        if not problems:
            problems += _check_settlement(row, kind, data, customer, invoice, rates)
        if problems:
            raise RecordProblems(problems)

        created = row is None
        before = None if row is None else _fingerprint(kind, row)
        if row is None:
            row = Document(company_id=company_id, kind=kind, source_id=data.source_id)
            db.session.add(row)
        row.number = data.number
        row.customer = customer  # type: ignore[assignment]
        row.invoice = invoice
        row.date = data.date
        row.due_date = data.due_date
        row.reference = data.reference or ""
        row.amounts_are = data.amounts_are
        row.stated_total = data.total
        _write_lines(row, data.lines)
        return _finish(kind, row, created, before)

    return _in_transaction(write)


def _check_settlement(
    row: Document | None,
    kind: str,
    data: InvoiceIn | CreditNoteIn,
    customer: Contact | None,
    invoice: Document | None,
    rates: dict[str, Decimal],
) -> list[tuple[str, str]]:
    """Keep the books consistent with what is already paid or credited."""
    noun = NOUNS[kind]
    lines = [_Line(ln.quantity, ln.unit_price, ln.tax_rate) for ln in data.lines]
    total = document_totals(lines, data.amounts_are, rates).total
    if total < 0:
        hint = "; send a credit note instead" if kind == "invoice" else ""
        return [("lines", f"the lines come to {total}; a {noun} cannot come to less than "
                 f"zero{hint}")]
    problems = []
    if kind == "invoice" and row is not None:
        settled, by = settled_against(row, rates)
        if by and customer is not None and row.customer_id != customer.id:
            problems.append(("customer_source_id", f"cannot move this invoice to another "
                             f"customer: {', '.join(by)} already settle part of it"))
        if total < settled:
            problems.append(("lines", f"the invoice would come to {total} but {settled} is "
                             f"already paid or credited against it ({', '.join(by)})"))
    if invoice is not None:
        invoice_total = document_totals(invoice.lines, invoice.amounts_are, rates).total
        settled, _by = settled_against(
            invoice, rates, exclude_credit_note_id=row.id if row is not None else None
        )
        outstanding = invoice_total - settled
        if total > outstanding:
            problems.append(("invoice_source_id", f"this credit note comes to {total} but "
                             f"invoice '{invoice.source_id}' has only {outstanding} left to "
                             "credit"))
    return problems


def _write_lines(row: Document, lines: list[LineIn]) -> None:
    # In place, position by position, so a re-post with the same lines writes nothing.
    for i, data in enumerate(lines):
        if i < len(row.lines):
            line = row.lines[i]
        else:
            line = DocumentLine(position=i + 1)
            row.lines.append(line)
        line.position = i + 1
        line.description = data.description
        line.quantity = data.quantity
        line.unit_price = data.unit_price
        line.account_key = data.account
        line.tax_rate_key = data.tax_rate
    del row.lines[len(lines):]


# ----------------------------------------------------------------------------- payments
def upsert_payment(company_id: int, data: PaymentIn) -> Saved:
    """Create or update a customer payment and its allocations to invoices."""

    def write() -> Saved:
        row = find_payment(company_id, data.source_id)
        customer = find_contact(company_id, "customer", data.customer_source_id)
        accounts = account_kinds(company_id)
        rates = company_tax_rates(company_id)
        problems: list[tuple[str, str]] = []
        if customer is None:
            problems.append(("customer_source_id", f"no customer with source_id "
                             f"'{data.customer_source_id}'; send it to /customers first"))
        if accounts.get(data.bank_account) != "bank":
            banks = ", ".join(sorted(k for k, v in accounts.items() if v == "bank"))
            problems.append(("bank_account", f"'{data.bank_account}' is not one of our bank "
                             f"accounts; use one of: {banks}"))
        if data.amount <= 0:
            problems.append(("amount", "must be more than zero"))
        allocated = sum((a.amount for a in data.allocations), Decimal("0.00"))
        if allocated != data.amount:
            problems.append(("amount", f"the allocations add up to {allocated}, not "
                             f"{data.amount}"))
        invoices: list[Document] = []
        seen: set[str] = set()
        for i, allocation in enumerate(data.allocations):
            where = f"allocations[{i}]"
            if allocation.amount <= 0:
                problems.append((f"{where}.amount", "must be more than zero"))
            if allocation.invoice_source_id in seen:
                problems.append((f"{where}.invoice_source_id", f"invoice "
                                 f"'{allocation.invoice_source_id}' is allocated twice"))
                continue
            seen.add(allocation.invoice_source_id)
            invoice = find_document(company_id, "invoice", allocation.invoice_source_id)
            if invoice is None:
                problems.append((f"{where}.invoice_source_id", f"no invoice with source_id "
                                 f"'{allocation.invoice_source_id}'"))
                continue
            if customer is not None and invoice.customer_id != customer.id:
                problems.append((f"{where}.invoice_source_id", f"invoice "
                                 f"'{invoice.source_id}' is for customer "
                                 f"'{invoice.customer.source_id}', not '{customer.source_id}'"))
                continue
            invoices.append(invoice)
            total = document_totals(invoice.lines, invoice.amounts_are, rates).total
            settled, _by = settled_against(
                invoice, rates, exclude_payment_id=row.id if row is not None else None
            )
            if allocation.amount > total - settled:
                problems.append((f"{where}.amount", f"invoice '{invoice.source_id}' has "
                                 f"{total - settled} outstanding; cannot allocate "
                                 f"{allocation.amount}"))
        if problems:
            raise RecordProblems(problems)

        created = row is None
        before = None if row is None else _fingerprint("payment", row)
        if row is None:
            row = Payment(company_id=company_id, source_id=data.source_id)
            db.session.add(row)
        row.customer = customer  # type: ignore[assignment]
        row.date = data.date
        row.amount = data.amount
        row.bank_account_key = data.bank_account
        row.reference = data.reference or ""
        existing = {a.invoice_id: a for a in row.allocations}
        keep = []
        for invoice, allocation in zip(invoices, data.allocations, strict=True):
            current = existing.get(invoice.id)
            if current is None:
                current = PaymentAllocation(invoice=invoice)
                row.allocations.append(current)
            current.amount = allocation.amount
            keep.append(current)
        for stale in [a for a in row.allocations if a not in keep]:
            row.allocations.remove(stale)
        return _finish("payment", row, created, before)

    return _in_transaction(write)
