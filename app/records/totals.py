"""A stored document's totals to the penny (the arithmetic itself is app/money.py, shared with
the sync engine so what we report is what we send)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from app.extensions import db
from app.models import TaxRate
from app.money import LineAmounts, line_amounts, rate_for
from app.money import document_totals as _totals


class LineLike(Protocol):
    quantity: Decimal
    unit_price: Decimal
    tax_rate_key: str


@dataclass(frozen=True)
class DocumentTotals:
    lines: tuple[LineAmounts, ...]
    subtotal: Decimal  # net of tax
    tax: Decimal
    total: Decimal


def document_totals(
    lines: Iterable[LineLike], amounts_are: str, rates: Mapping[str, Decimal]
) -> DocumentTotals:
    """Totals of lines whose tax_rate_key is in `rates` (percent by key); UnknownTaxRate
    (app/money.py) if a line's is not."""
    inclusive = amounts_are == "inclusive"
    per_line = tuple(
        line_amounts(Decimal(ln.quantity), Decimal(ln.unit_price), rate_for(rates, ln.tax_rate_key),
                     inclusive)
        for ln in lines
    )
    totals = _totals(list(per_line), inclusive)
    return DocumentTotals(per_line, totals.subtotal, totals.tax, totals.total)


def company_tax_rates(company_id: int) -> dict[str, Decimal]:
    rows = db.session.execute(
        db.select(TaxRate.key, TaxRate.rate).filter_by(company_id=company_id)
    ).all()
    return {key: rate for key, rate in rows}
