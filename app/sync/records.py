"""Loading our records for a connection, naming them, and finding their parents."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Contact, Document, Payment, PaymentAllocation, Transfer

# The order records go in: a parent always before its children.
KIND_ORDER = ("customer", "supplier", "invoice", "credit_note", "payment")

Row = Contact | Document | Payment


def load_rows(kind: str, ids: Iterable[int]) -> dict[int, Row]:
    ids = list(set(ids))
    if not ids:
        return {}
    if kind in ("customer", "supplier"):
        stmt = db.select(Contact)
    elif kind in ("invoice", "credit_note"):
        stmt = db.select(Document).options(
            selectinload(Document.lines),
            selectinload(Document.customer),
            selectinload(Document.invoice),
        )
    else:
        stmt = db.select(Payment).options(
            selectinload(Payment.customer),
            selectinload(Payment.allocations).selectinload(PaymentAllocation.invoice),
        )
    rows: dict[int, Row] = {}
    for chunk_start in range(0, len(ids), 900):  # SQLite caps bound parameters
        chunk = ids[chunk_start : chunk_start + 900]
        part = stmt.where(_id_column(kind).in_(chunk))
        rows.update({r.id: r for r in db.session.execute(part).scalars()})
    return rows


def _id_column(kind: str):  # type: ignore[no-untyped-def]
    if kind in ("customer", "supplier"):
        return Contact.id
    if kind in ("invoice", "credit_note"):
        return Document.id
    return Payment.id


def label(kind: str, row: Row) -> str:
    """How a bookkeeper names the record: "Invoice INV-3381", "Customer A. Smith"."""
    if isinstance(row, Contact):
        return f"{'Customer' if kind == 'customer' else 'Supplier'} {row.name}"
    if isinstance(row, Document):
        return f"{'Invoice' if kind == 'invoice' else 'Credit note'} {row.number}"
    return f"Payment {row.reference or row.source_id}"


@dataclass(frozen=True)
class ParentRef:
    kind: str
    record_id: int


def parents_of(kind: str, row: Row) -> list[ParentRef]:
    """The records that must be in the package before this one."""
    if isinstance(row, Document):
        refs = [ParentRef("customer", row.customer_id)]
        if row.invoice_id:
            refs.append(ParentRef("invoice", row.invoice_id))
        return refs
    if isinstance(row, Payment):
        refs = [ParentRef("customer", row.customer_id)]
        refs += [ParentRef("invoice", a.invoice_id) for a in row.allocations]
        return refs
    return []


def parent_label(ref: ParentRef, rows_by_kind: dict[str, dict[int, Row]]) -> str:
    row = rows_by_kind.get(ref.kind, {}).get(ref.record_id)
    if row is None:
        return f"the {ref.kind.replace('_', ' ')}"
    return label(ref.kind, row)


def load_transfers(connection_id: int, refs: Sequence[ParentRef]) -> dict[ParentRef, Transfer]:
    """The transfers of the given records on one connection, keyed by record."""
    found: dict[ParentRef, Transfer] = {}
    by_kind: dict[str, set[int]] = {}
    for ref in refs:
        by_kind.setdefault(ref.kind, set()).add(ref.record_id)
    for kind, ids in by_kind.items():
        id_list = list(ids)
        for start in range(0, len(id_list), 900):
            stmt = db.select(Transfer).filter(
                Transfer.connection_id == connection_id,
                Transfer.record_type == kind,
                Transfer.record_id.in_(id_list[start : start + 900]),
            )
            for t in db.session.execute(stmt).scalars():
                found[ParentRef(kind, t.record_id)] = t
    return found
