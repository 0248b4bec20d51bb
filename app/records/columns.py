"""A transfer's record's date and amount as SQL, for the list's date and amount filters and
its sorting. A transfer names its record by (record_type, record_id), so each is a correlated
sub-select; contacts have neither (NULL), so a date or amount filter leaves them out.

The amount is the gross total worked out as app/money.py does (each line to the penny, VAT per
line to the penny), as the list shows it (app/records/loading.document_total).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, and_, case, cast, func, literal, select

from app.models import Document, DocumentLine, Payment, TaxRate, Transfer

AMOUNT = Numeric(14, 2)


def record_date() -> Any:
    document = (select(Document.date)
                .where(Document.id == Transfer.record_id,
                       Document.kind == Transfer.record_type,
                       Document.company_id == Transfer.company_id)
                .scalar_subquery())
    payment = (select(Payment.date)
               .where(Payment.id == Transfer.record_id, Transfer.record_type == "payment",
                      Payment.company_id == Transfer.company_id)
               .scalar_subquery())
    return func.coalesce(document, payment)


def _lines_total() -> Any:
    net = func.round(DocumentLine.quantity * DocumentLine.unit_price, 2)
    vat = func.round(net * TaxRate.rate / literal(100), 2)
    per_line = case((Document.amounts_are == "inclusive", net), else_=net + vat)
    return (select(func.sum(per_line))
            .select_from(DocumentLine)
            .join(TaxRate, and_(TaxRate.company_id == Document.company_id,
                                TaxRate.key == DocumentLine.tax_rate_key))
            .where(DocumentLine.document_id == Document.id)
            .correlate(Document)
            .scalar_subquery())


def _unknown_rate() -> Any:
    """The document has a line whose tax rate the company does not have."""
    known = (select(TaxRate.id)
             .where(TaxRate.company_id == Document.company_id,
                    TaxRate.key == DocumentLine.tax_rate_key)
             .correlate(Document, DocumentLine))
    return (select(DocumentLine.id)
            .where(DocumentLine.document_id == Document.id, ~known.exists())
            .correlate(Document)
            .exists())


def record_amount() -> Any:
    # As app/records/loading.document_total: the lines' total, or the stated total only when
    # a line's rate is unknown (so the list's figure and its filter never disagree).
    total = case((_unknown_rate(), Document.stated_total), else_=_lines_total())
    document = (select(total)
                .where(Document.id == Transfer.record_id,
                       Document.kind == Transfer.record_type,
                       Document.company_id == Transfer.company_id)
                .scalar_subquery())
    payment = (select(Payment.amount)
               .where(Payment.id == Transfer.record_id, Transfer.record_type == "payment",
                      Payment.company_id == Transfer.company_id)
               .scalar_subquery())
    return func.coalesce(document, payment, type_=AMOUNT)


def pounds(value: Decimal) -> Any:
    """A bound amount compared as a number: SQLite gets Decimals as text, and text sorts
    after every number there."""
    return cast(literal(str(value)), AMOUNT)
