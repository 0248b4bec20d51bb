"""A record of each kind made ready for the package, and what the package holds of it, read
through its own API (connectors.readback.PackageBooks)."""

from __future__ import annotations

from connectors.base import ContactRecord, DocumentRecord, PaymentRecord, Record
from connectors.readback import PackageBooks
from tests.contract.kit import ConnectedOrg

Invoice = tuple[DocumentRecord, str]


def record_of_kind(org: ConnectedOrg, kind: str) -> tuple[Record, Invoice | None]:
    """A new record of `kind`, not sent; what it needs in the package (its customer, the
    invoice it credits or pays) is sent first. Also that invoice, for credits and payments."""
    if kind in ("customer", "supplier"):
        return org.records.contact(kind), None  # type: ignore[arg-type]
    if kind == "invoice":
        return org.records.document(org.sent_contact()), None
    invoice = org.sent_invoice()
    if kind == "credit_note":
        # To the invoice's own customer, known here by its name and package id.
        contact = (ContactRecord("", "customer", "", invoice[0].contact_name),
                   invoice[0].contact_external_id)
        return org.records.document(contact, kind="credit_note", invoice=invoice), invoice
    if kind == "payment":
        return org.records.payment(invoice), invoice
    raise ValueError(f"not a record kind: {kind}")


def sent_of_kind(org: ConnectedOrg, kind: str) -> tuple[Record, str, Invoice | None]:
    record, invoice = record_of_kind(org, kind)
    return record, org.send(record), invoice


def held(books: PackageBooks, record: Record) -> list[str]:
    """The package ids of everything the package holds under the record's reference."""
    if isinstance(record, ContactRecord):
        listed = books.contacts if record.kind == "customer" else books.suppliers
        return [package_id for key, package_id in listed if key == record.reference]
    if isinstance(record, DocumentRecord):
        docs = books.invoices if record.kind == "invoice" else books.credit_notes
        return [d.package_id for d in docs if d.number == record.reference]
    return sorted({p.package_id for p in books.payments if p.source_id == record.reference})


def assert_held_once(books: PackageBooks, record: Record, external_id: str,
                     allocated: bool = True) -> None:
    """Exactly one object for the record, under the id the connector gave, with our figures;
    a credit note used up on its invoice unless not `allocated` yet."""
    if isinstance(record, PaymentRecord):
        # A payment may be held as one package payment per invoice it pays (ids joined).
        assert held(books, record) == sorted(external_id.split(",")), (record, external_id)
        lines = [(p.invoice_id, p.amount) for p in books.payments
                 if p.source_id == record.reference]
        assert sorted(lines) == sorted((a.invoice_external_id, a.amount)
                                       for a in record.allocations)
        return
    assert held(books, record) == [external_id], (record.reference, external_id)
    if isinstance(record, DocumentRecord):
        docs = books.invoices if record.kind == "invoice" else books.credit_notes
        doc = next(d for d in docs if d.package_id == external_id)
        assert (doc.total, doc.tax, doc.contact_id) == (
            record.total, record.tax_total, record.contact_external_id)
        owed = record.total if record.kind == "invoice" or not allocated else 0
        assert doc.due == owed, doc
