"""Our rows turned into the connectors' canonical records, with codes mapped and totals worked
out to the penny; and the pre-flight checks that use the same arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.extensions import db
from app.models import (
    Account,
    AccountMapping,
    Connection,
    Contact,
    Document,
    Payment,
    TaxMapping,
    TaxRate,
    Transfer,
)
from app.money import UnknownTaxRate, document_totals, line_amounts, rate_for
from app.sync.records import Row
from connectors.base import (
    Address,
    Allocation,
    ContactRecord,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
    Record,
)


@dataclass
class Chart:
    """A company's chart and one connection's mapping of it."""

    account_names: dict[str, str] = field(default_factory=dict)
    account_codes: dict[str, str] = field(default_factory=dict)  # our key -> package code
    tax_names: dict[str, str] = field(default_factory=dict)
    tax_rates: dict[str, Decimal] = field(default_factory=dict)
    tax_codes: dict[str, str] = field(default_factory=dict)
    invoices_as_draft: bool = False  # the connection's choice, where the package has drafts

    @classmethod
    def load(cls, company_id: int, connection_id: int) -> Chart:
        chart = cls()
        connection = db.session.get(Connection, connection_id)
        chart.invoices_as_draft = connection is not None and connection.invoice_status == "draft"
        accounts = db.session.execute(db.select(Account).filter_by(company_id=company_id))
        by_id: dict[int, str] = {}
        for a in accounts.scalars():
            chart.account_names[a.key] = a.name
            by_id[a.id] = a.key
        for m in db.session.execute(
            db.select(AccountMapping).filter_by(connection_id=connection_id)
        ).scalars():
            if m.account_id in by_id and m.package_code:
                chart.account_codes[by_id[m.account_id]] = m.package_code
        rates = db.session.execute(db.select(TaxRate).filter_by(company_id=company_id))
        tax_by_id: dict[int, str] = {}
        for t in rates.scalars():
            chart.tax_names[t.key] = t.name
            chart.tax_rates[t.key] = Decimal(t.rate)
            tax_by_id[t.id] = t.key
        for m in db.session.execute(
            db.select(TaxMapping).filter_by(connection_id=connection_id)
        ).scalars():
            if m.tax_rate_id in tax_by_id and m.package_code:
                chart.tax_codes[tax_by_id[m.tax_rate_id]] = m.package_code
        return chart


@dataclass(frozen=True)
class Problem:
    reason: str
    details: dict[str, str]


def document_figures(
    doc: Document, chart: Chart
) -> tuple[list[DocumentLine], Decimal, Decimal, Decimal]:
    """Lines and totals as sent; UnknownTaxRate if a line's tax rate is not the company's
    (the same rule as app/records/totals.py, so what we report is what we send)."""
    inclusive = doc.amounts_are == "inclusive"
    lines: list[DocumentLine] = []
    amounts = []
    for ln in doc.lines:
        rate = rate_for(chart.tax_rates, ln.tax_rate_key)
        figures = line_amounts(Decimal(ln.quantity), Decimal(ln.unit_price), rate, inclusive)
        amounts.append(figures)
        lines.append(
            DocumentLine(
                description=ln.description,
                quantity=Decimal(ln.quantity),
                unit_price=Decimal(ln.unit_price),
                account_code=chart.account_codes.get(ln.account_key, ""),
                tax_code=chart.tax_codes.get(ln.tax_rate_key, ""),
                tax_rate=rate,
                line_amount=figures.line_amount,
                tax_amount=figures.tax,
            )
        )
    totals = document_totals(amounts, inclusive)
    return lines, totals.subtotal, totals.tax, totals.total


def preflight(kind: str, row: Row, chart: Chart) -> Problem | None:
    """What stops this record before any call to the package, or None."""
    if isinstance(row, Document):
        if not row.lines:
            return Problem("no_lines", {})
        for ln in row.lines:
            if ln.account_key not in chart.account_codes:
                name = chart.account_names.get(ln.account_key, ln.account_key)
                return Problem("unmapped_account", {"name": name, "key": ln.account_key})
            if ln.tax_rate_key not in chart.tax_codes:
                name = chart.tax_names.get(ln.tax_rate_key, ln.tax_rate_key)
                return Problem("unmapped_tax_rate", {"name": name, "key": ln.tax_rate_key})
        if row.stated_total is not None:
            _, _, _, total = document_figures(row, chart)
            if total != Decimal(row.stated_total):
                return Problem(
                    "totals_mismatch",
                    {"computed": f"{total:.2f}", "stated": f"{row.stated_total:.2f}"},
                )
        return None
    if isinstance(row, Payment):
        if row.bank_account_key not in chart.account_codes:
            name = chart.account_names.get(row.bank_account_key, row.bank_account_key)
            return Problem("unmapped_account", {"name": name, "key": row.bank_account_key})
        allocated = sum((Decimal(a.amount) for a in row.allocations), Decimal("0.00"))
        if allocated != Decimal(row.amount):
            return Problem(
                "allocations_mismatch",
                {"amount": f"{row.amount:.2f}", "allocated": f"{allocated:.2f}"},
            )
        for a in row.allocations:
            try:
                _, _, _, total = document_figures(a.invoice, chart)
            except UnknownTaxRate as exc:
                name = chart.tax_names.get(exc.key, exc.key)
                return Problem("unmapped_tax_rate", {"name": name, "key": exc.key})
            if Decimal(a.amount) > total:
                return Problem(
                    "allocation_exceeds_invoice",
                    {
                        "amount": f"{a.amount:.2f}",
                        "invoice": a.invoice.number,
                        "total": f"{total:.2f}",
                    },
                )
    return None


def to_record(
    kind: str, row: Row, transfer: Transfer, chart: Chart, external_ids: dict[tuple[str, int], str]
) -> Record:
    """The canonical record for a connector. `external_ids` maps (kind, record id) of the
    record's parents to their package ids (they are in the package: the planner checked)."""
    if isinstance(row, Contact):
        addr = row.address or {}
        return ContactRecord(
            key=transfer.idempotency_key,
            kind="customer" if kind == "customer" else "supplier",
            reference=row.source_id,
            name=row.name,
            email=row.email or "",
            phone=row.phone or "",
            address=Address(
                line1=addr.get("line1") or "",
                line2=addr.get("line2") or "",
                city=addr.get("city") or "",
                postcode=addr.get("postcode") or "",
                country=addr.get("country") or "",
            ),
        )
    if isinstance(row, Document):
        lines, subtotal, tax, total = document_figures(row, chart)
        return DocumentRecord(
            key=transfer.idempotency_key,
            kind="invoice" if kind == "invoice" else "credit_note",
            reference=row.number,
            contact_external_id=external_ids[("customer", row.customer_id)],
            contact_name=row.customer.name,
            date=row.date,
            due_date=row.due_date,
            their_reference=row.reference or "",
            amounts_are="inclusive" if row.amounts_are == "inclusive" else "exclusive",
            lines=tuple(lines),
            subtotal=subtotal,
            tax_total=tax,
            total=total,
            invoice_external_id=(
                external_ids.get(("invoice", row.invoice_id)) if row.invoice_id else None
            ),
            invoice_reference=row.invoice.number if row.invoice else None,
            as_draft=kind == "invoice" and chart.invoices_as_draft,
        )
    assert isinstance(row, Payment)  # noqa: S101 (the three row types are exhaustive)
    return PaymentRecord(
        key=transfer.idempotency_key,
        kind="payment",
        # Our source id always goes into the reference: it is how find() recognises the payment
        # after an uncertain send, even when the job system's own reference repeats.
        reference=f"{row.reference} ({row.source_id})" if row.reference else row.source_id,
        contact_external_id=external_ids[("customer", row.customer_id)],
        contact_name=row.customer.name,
        date=row.date,
        amount=Decimal(row.amount),
        bank_account_code=chart.account_codes.get(row.bank_account_key, ""),
        allocations=tuple(
            Allocation(
                invoice_external_id=external_ids[("invoice", a.invoice_id)],
                invoice_reference=a.invoice.number,
                amount=Decimal(a.amount),
            )
            for a in row.allocations
        ),
    )
