"""The records transfers point at, loaded by (record type, id) for lists and labels.

A transfer names its record by (record_type, record_id), so records are never joined row by
row: a page loads its contacts, documents and payments in one query per type, always filtered
on the company. The dashboard's labels and the transfers list's columns are both built from
what `load_records` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Contact, Document, Payment, TaxRate
from app.records.totals import document_totals

TYPE_WORDS = {"customer": "Customer", "supplier": "Supplier", "invoice": "Invoice",
              "credit_note": "Credit note", "payment": "Payment"}


@dataclass(frozen=True)
class LoadedRecord:
    """One record with what a bookkeeper recognises it by; `customer` is a contact's own name,
    `amount` None for a contact (or a document whose tax rate is unknown)."""

    record: Contact | Document | Payment
    title: str  # "Invoice INV-3381"
    customer: str
    amount: Decimal | None = None
    date: date | None = None
    source_id: str = ""


def missing_title(record_type: str, record_id: int) -> str:
    """The title of a record that is no longer there ("Invoice #12")."""
    return f"{TYPE_WORDS.get(record_type, record_type.title())} #{record_id}"


def document_total(doc: Document, rates: dict[str, Decimal]) -> Decimal | None:
    """The gross total, by the same arithmetic the engine sends with (tax per line to the
    penny, then summed); None if a line names a tax rate the company does not have."""
    if any(line.tax_rate_key not in rates for line in doc.lines):
        return doc.stated_total
    return document_totals(doc.lines, doc.amounts_are, rates).total


def load_records(
    company_id: int, keys: set[tuple[str, int]]
) -> dict[tuple[str, int], LoadedRecord]:
    """(record type, id) -> the record, one query per record type however many keys; keys
    whose record is gone (or another company's) are left out."""
    by_type: dict[str, set[int]] = {}
    for record_type, record_id in keys:
        by_type.setdefault(record_type, set()).add(record_id)
    out: dict[tuple[str, int], LoadedRecord] = {}

    contact_ids = by_type.get("customer", set()) | by_type.get("supplier", set())
    if contact_ids:
        for c in db.session.execute(select(Contact).where(
                Contact.company_id == company_id, Contact.id.in_(contact_ids))).scalars():
            out[(c.kind, c.id)] = LoadedRecord(c, f"{TYPE_WORDS[c.kind]} {c.name}", c.name,
                                               source_id=c.source_id)

    doc_ids = by_type.get("invoice", set()) | by_type.get("credit_note", set())
    if doc_ids:
        rates = dict(db.session.execute(
            select(TaxRate.key, TaxRate.rate).where(TaxRate.company_id == company_id)).all())
        docs = db.session.execute(
            select(Document).where(Document.company_id == company_id, Document.id.in_(doc_ids))
            .options(selectinload(Document.lines), selectinload(Document.customer))
        ).scalars()
        for d in docs:
            out[(d.kind, d.id)] = LoadedRecord(
                d, f"{TYPE_WORDS.get(d.kind, d.kind)} {d.number}", d.customer.name,
                document_total(d, rates), d.date, d.source_id)

    if by_type.get("payment"):
        payments = db.session.execute(
            select(Payment).where(Payment.company_id == company_id,
                                  Payment.id.in_(by_type["payment"]))
            .options(selectinload(Payment.customer))
        ).scalars()
        for p in payments:
            out[("payment", p.id)] = LoadedRecord(
                p, f"Payment {p.reference or p.source_id}", p.customer.name, p.amount, p.date,
                p.source_id)
    return out
