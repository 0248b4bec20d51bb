"""Records dated before a connection's cut-off date are already in the books.

They are never sent. A payment or credit note dated after the cut-off that needs such an invoice
must not wait for it to be "sent": the invoice is looked up in the package by its number (the
connector's `find`) and linked there. Only when the package has no invoice with that number is
the bookkeeper asked to link it by hand (the invoice's page), and never to send it: that would
put a second copy of it in the books.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from app.extensions import db
from app.models import Connection, Document, Payment, PaymentAllocation, Transfer, TransferEvent
from app.models.transfer import BLOCKED, DO_NOT_SEND, PENDING
from app.sync.explain import Explanation
from connectors.base import Connector, DocumentRecord

BEFORE_CUTOFF = "before_cutoff"
# Looked up in the package and not found there: a person links it to the right one.
NOT_FOUND = "before_cutoff_not_found"
BEFORE_CUTOFF_REASONS = (BEFORE_CUTOFF, NOT_FOUND)
# The engine looks invoices up just before this kind is planned: invoices have been planned (so
# the old ones are marked) and customers sent (so their package ids are known).
LINK_BEFORE_KIND = "credit_note"


def is_before_cutoff(t: Transfer) -> bool:
    return t.state == DO_NOT_SEND and t.reason in BEFORE_CUTOFF_REASONS


def explain_before_cutoff(when: object, cutoff: object, package: str) -> Explanation:
    return Explanation(
        BEFORE_CUTOFF,
        f"Dated {when:%d/%m/%Y}, before this connection's cut-off date ({cutoff:%d/%m/%Y}), "
        f"so it is already in your books and is never sent to {package}.",
        "Nothing to do, unless the cut-off date is wrong.",
    )


def explain_not_found(number: str, when: object, cutoff: object, package: str) -> Explanation:
    return Explanation(
        NOT_FOUND,
        f"Dated {when:%d/%m/%Y}, before this connection's cut-off date ({cutoff:%d/%m/%Y}), so "
        f"it is already in your books, but {package} has no invoice numbered {number} for this "
        "customer. Payments and credit notes for it wait until it is linked.",
        f"Find this invoice in {package} and link it below; what waits for it then follows.",
    )


def invoices_needed_by_later_records(
    connection: Connection, scope: Iterable[int] | None = None
) -> list[Transfer]:
    """Before-cut-off invoices, not yet linked, that a waiting payment or credit note needs."""
    scope_ids = list(scope) if scope is not None else None
    waiting = db.select(Transfer.record_id).filter(
        Transfer.connection_id == connection.id,
        Transfer.state.in_((PENDING, BLOCKED)),
    )
    if scope_ids is not None:
        waiting = waiting.filter(Transfer.id.in_(scope_ids))
    credited = db.select(Document.invoice_id).filter(
        Document.kind == "credit_note",
        Document.company_id == connection.company_id,
        Document.invoice_id.is_not(None),
        Document.id.in_(waiting.filter(Transfer.record_type == "credit_note")),
    )
    paid = db.select(PaymentAllocation.invoice_id).join(Payment).filter(
        Payment.company_id == connection.company_id,
        Payment.id.in_(waiting.filter(Transfer.record_type == "payment")),
    )
    stmt = db.select(Transfer).filter(
        Transfer.connection_id == connection.id,
        Transfer.record_type == "invoice",
        Transfer.state == DO_NOT_SEND,
        Transfer.reason.in_(BEFORE_CUTOFF_REASONS),
        Transfer.external_id.is_(None),
        db.or_(Transfer.record_id.in_(credited), Transfer.record_id.in_(paid)),
    ).order_by(Transfer.id)
    return list(db.session.execute(stmt).scalars())


def lookup_record(
    connection_id: int, invoice: Document, number: str | None = None
) -> DocumentRecord:
    """Enough of the invoice for the connector's `find` (it matches by number and customer)."""
    customer = db.session.execute(
        db.select(Transfer.external_id).filter_by(
            connection_id=connection_id, record_type="customer", record_id=invoice.customer_id
        )
    ).scalar_one_or_none()
    return DocumentRecord(
        key=f"lookup-{invoice.id}", kind="invoice", reference=(number or invoice.number).strip(),
        contact_external_id=customer or "", contact_name=invoice.customer.name,
        date=invoice.date, due_date=invoice.due_date, their_reference=invoice.reference or "",
        amounts_are=invoice.amounts_are,  # type: ignore[arg-type]
        lines=(), subtotal=Decimal("0"), tax_total=Decimal("0"), total=Decimal("0"),
    )


def link_found(
    t: Transfer, external_id: str, number: str, package: str, note: str, actor: str = ""
) -> None:
    """The invoice is in the package as `external_id`: what needs it can go (caller commits)."""
    db.session.add(TransferEvent(transfer_id=t.id, from_state=t.state, to_state=t.state,
                                 note=note, actor=actor))
    t.external_id = external_id
    t.reason = BEFORE_CUTOFF
    t.explanation = (f"Dated before this connection's cut-off date, so it is already in your "
                     f"books, where it is invoice {number} in {package}. It is never sent.")
    t.fix_hint = "Nothing to do: payments and credit notes for it go against that invoice."


def link_before_cutoff(
    connection: Connection, connector: Connector, scope: Iterable[int] | None = None
) -> int:
    """Look up in the package each old invoice a later record needs; returns how many were
    found. Raises what `find` raises (rate limit, access lost): the run pauses or stops."""
    if connection.cutoff_date is None:
        return 0
    found = 0
    for t in invoices_needed_by_later_records(connection, scope):
        invoice = db.session.get(Document, t.record_id)
        if invoice is None:
            continue
        external_id = connector.find(lookup_record(connection.id, invoice))
        if external_id:
            link_found(t, external_id, invoice.number, connector.title,
                       f"found in {connector.title} by its number {invoice.number} "
                       "(already in the books)")
            found += 1
        elif t.reason != NOT_FOUND:
            why = explain_not_found(invoice.number, invoice.date, connection.cutoff_date,
                                    connector.title)
            db.session.add(TransferEvent(transfer_id=t.id, from_state=t.state, to_state=t.state,
                                         note=why.text))
            t.reason, t.explanation, t.fix_hint = why.reason, why.text, why.fix
        db.session.commit()
    return found
