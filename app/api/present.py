"""Records, transfers and runs as the API answers them (validated through the response models,
so the OpenAPI document and the answers cannot drift apart)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.api.schemas import ContactOut, DocumentOut, PaymentOut, RunOut, TransferOut
from app.extensions import db
from app.models import Connection, Contact, Document, Payment, Run, Transfer
from app.records.snapshot import precise, quantity
from app.records.totals import company_tax_rates, document_totals


def transfers_of(company_id: int, record_type: str, record_id: int) -> list[TransferOut]:
    rows = db.session.execute(
        db.select(Transfer, Connection.package)
        .join(Connection, Connection.id == Transfer.connection_id)
        .filter(Transfer.company_id == company_id, Transfer.record_type == record_type,
                Transfer.record_id == record_id)
        .order_by(Transfer.connection_id)
    ).all()
    return [
        TransferOut(
            connection_id=t.connection_id, package=package, state=t.state,
            explanation=t.explanation or "", fix=t.fix_hint or "", external_id=t.external_id,
            changes=t.changes, updated_at=t.updated_at,
        )
        for t, package in rows
    ]


def present(record_type: str, row: Any) -> dict[str, Any]:
    transfers = transfers_of(row.company_id, record_type, row.id)
    if isinstance(row, Contact):
        out: Any = ContactOut(
            source_id=row.source_id, kind=row.kind, name=row.name, email=row.email or None,
            phone=row.phone or None, address=row.address or None, created_at=row.created_at,
            updated_at=row.updated_at, transfers=transfers,
        )
    elif isinstance(row, Document):
        totals = document_totals(row.lines, row.amounts_are, company_tax_rates(row.company_id))
        out = DocumentOut(
            source_id=row.source_id, kind=row.kind, number=row.number,
            customer_source_id=row.customer.source_id,
            invoice_source_id=row.invoice.source_id if row.invoice is not None else None,
            date=row.date, due_date=row.due_date, reference=row.reference or None,
            amounts_are=row.amounts_are, stated_total=row.stated_total,
            subtotal=totals.subtotal, tax=totals.tax, total=totals.total,
            lines=[
                {"description": ln.description, "quantity": Decimal(quantity(ln.quantity)),
                 "unit_price": Decimal(precise(ln.unit_price)), "account": ln.account_key,
                 "tax_rate": ln.tax_rate_key, "line_amount": t.line_amount,
                 "tax_amount": t.tax}
                for ln, t in zip(row.lines, totals.lines, strict=True)
            ],
            created_at=row.created_at, updated_at=row.updated_at, transfers=transfers,
        )
    elif isinstance(row, Payment):
        out = PaymentOut(
            source_id=row.source_id, customer_source_id=row.customer.source_id, date=row.date,
            amount=row.amount, bank_account=row.bank_account_key, reference=row.reference or None,
            allocations=[{"invoice_source_id": a.invoice.source_id, "amount": a.amount}
                         for a in row.allocations],
            created_at=row.created_at, updated_at=row.updated_at, transfers=transfers,
        )
    else:
        raise TypeError(f"not a record: {row!r}")
    return out.model_dump(mode="json")


def present_run(run: Run) -> dict[str, Any]:
    return RunOut(
        id=run.id, connection_id=run.connection_id, status=run.status, total=run.total,
        sent=run.sent, failed=run.failed, blocked=run.blocked, detail=run.detail or "",
        created_at=run.created_at, started_at=run.started_at, finished_at=run.finished_at,
    ).model_dump(mode="json")
