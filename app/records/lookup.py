"""Finding a company's records by the job system's ids, and what has been settled against an
invoice. Every query is scoped to one company: another company's records simply do not exist."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Account, Contact, Document, Payment, PaymentAllocation
from app.records.totals import document_totals


def find_contact(company_id: int, kind: str, source_id: str) -> Contact | None:
    return db.session.execute(
        db.select(Contact).filter_by(company_id=company_id, kind=kind, source_id=source_id)
    ).scalar_one_or_none()


def find_document(company_id: int, kind: str, source_id: str) -> Document | None:
    return db.session.execute(
        db.select(Document)
        .options(selectinload(Document.lines))
        .filter_by(company_id=company_id, kind=kind, source_id=source_id)
    ).scalar_one_or_none()


def find_payment(company_id: int, source_id: str) -> Payment | None:
    return db.session.execute(
        db.select(Payment)
        .options(selectinload(Payment.allocations).selectinload(PaymentAllocation.invoice))
        .filter_by(company_id=company_id, source_id=source_id)
    ).scalar_one_or_none()


def find_record(company_id: int, record_type: str, source_id: str) -> Any:
    if record_type in ("customer", "supplier"):
        return find_contact(company_id, record_type, source_id)
    if record_type in ("invoice", "credit_note"):
        return find_document(company_id, record_type, source_id)
    if record_type == "payment":
        return find_payment(company_id, source_id)
    raise ValueError(f"unknown record type {record_type!r}")


def account_kinds(company_id: int) -> dict[str, str]:
    """Our chart: account key -> kind (sales | bank | expense)."""
    rows = db.session.execute(
        db.select(Account.key, Account.kind).filter_by(company_id=company_id)
    ).all()
    return {key: kind for key, kind in rows}


def settled_against(
    invoice: Document,
    rates: dict[str, Decimal],
    exclude_payment_id: int | None = None,
    exclude_credit_note_id: int | None = None,
) -> tuple[Decimal, list[str]]:
    """How much of the invoice payments and credit notes already take up (leaving out the one
    being saved), and the source_ids of those records."""
    paid_query = (
        db.select(Payment.source_id, func.sum(PaymentAllocation.amount))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .filter(PaymentAllocation.invoice_id == invoice.id)
        .group_by(Payment.source_id)
    )
    if exclude_payment_id is not None:
        paid_query = paid_query.filter(Payment.id != exclude_payment_id)
    settled = Decimal("0.00")
    names: list[str] = []
    for source_id, amount in db.session.execute(paid_query).all():
        settled += Decimal(amount)
        names.append(source_id)
    credits_query = (
        db.select(Document)
        .options(selectinload(Document.lines))
        .filter_by(company_id=invoice.company_id, kind="credit_note", invoice_id=invoice.id)
    )
    if exclude_credit_note_id is not None:
        credits_query = credits_query.filter(Document.id != exclude_credit_note_id)
    for credit in db.session.execute(credits_query).scalars():
        settled += document_totals(credit.lines, credit.amounts_are, rates).total
        names.append(credit.source_id)
    return settled, names
