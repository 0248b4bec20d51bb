"""The one-time import: the package's customers and suppliers created here, already linked.

It runs once per connection (SPEC rule 2), so people who already kept their books in the
package do not retype their contacts. Each imported contact gets a transfer that is `sent` with
the package's id, so it is never created in the package again; invoices for it go straight to
the existing contact.

Never a duplicate here either (nor, through us, in another package): a package contact whose
id is already on one of this connection's transfers (linked by a person, found before
creating, or created by us) is ours already and is skipped, and one that is plainly one of our
contacts still waiting to be created (contact_match's exact rule) is linked to it rather than
imported beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.extensions import db
from app.models import Connection, Contact, Transfer, utcnow
from app.models.transfer import BLOCKED, FAILED, IN_PACKAGE, PENDING
from app.sync.changes import record_saved
from app.sync.contact_match import Ours, PackageIndex
from app.sync.linking import link_transfer
from app.sync.pulled_contacts import contacts_of
from connectors import connector_class
from connectors.base import Connector
from connectors.base import Contact as PackageContact

COMMIT_EVERY = 200


class ImportAlreadyDone(Exception):
    def __init__(self, connection: Connection) -> None:
        super().__init__(
            f"Contacts were already imported from this connection on "
            f"{connection.imported_at:%d/%m/%Y}; the import runs once only."
        )


@dataclass
class ImportResult:
    customers: int = 0
    suppliers: int = 0
    linked_existing: int = 0  # already here (same code, or plainly the same): linked
    skipped_archived: int = 0
    already_linked: int = 0  # linked to or created from one of ours already: left alone


def _source_id(package: str, contact: PackageContact) -> str:
    # The package's own code when it has one (the job system likely uses the same code);
    # otherwise a stable id from the package, so a repeated import could never duplicate.
    return contact.reference or f"{package}:{contact.external_id}"


def _kinds(contact: PackageContact, known: list[str]) -> list[str]:
    kinds = []
    if contact.is_customer:
        kinds.append("customer")
    if contact.is_supplier:
        kinds.append("supplier")
    # Xero marks a contact as customer/supplier only once it has documents. One that carries
    # the code of one of ours is that kind; any other is most likely a customer for a trades
    # business.
    return kinds or known or ["customer"]


def _package_ids(connection: Connection) -> set[tuple[str, str]]:
    """(kind, package id) of the package contacts already behind one of this connection's
    customers or suppliers. Where one package contact spans both kinds, its id stands for
    both."""
    rows = db.session.execute(
        db.select(Transfer.record_type, Transfer.external_id).where(
            Transfer.connection_id == connection.id,
            Transfer.record_type.in_(("customer", "supplier")),
            Transfer.external_id.is_not(None))
    ).all()
    if connector_class(connection.package).contacts_span_kinds:
        return {(k, str(x)) for _, x in rows for k in ("customer", "supplier")}
    return {(kind, str(x)) for kind, x in rows}


def _already_ours(contact: PackageContact, ours: set[tuple[str, str]]) -> bool:
    kinds = [k for k, flag in (("customer", contact.is_customer),
                               ("supplier", contact.is_supplier)) if flag]
    return any((k, str(contact.external_id)) in ours for k in kinds or ("customer", "supplier"))


class WaitingTwins:
    """Our contacts not yet in the package on this connection, indexed once per import, to
    find the one that is plainly a package contact (the rule that links before creating)."""

    def __init__(self, connection: Connection) -> None:
        rows = db.session.execute(
            db.select(Contact).join(Transfer, db.and_(
                Transfer.record_id == Contact.id, Transfer.record_type == Contact.kind,
                Transfer.connection_id == connection.id))
            .where(Contact.company_id == connection.company_id,
                   Transfer.state.in_((PENDING, BLOCKED, FAILED)))
        ).scalars().all()
        self.rows = {r.id: r for r in rows}
        entries = [{"id": str(r.id), "name": r.name, "email": r.email or "",
                    "postcode": str((r.address or {}).get("postcode") or ""),
                    "customer": r.kind == "customer", "supplier": r.kind == "supplier"}
                   for r in rows]
        self.taken: dict[str, dict[str, str]] = {"customer": {}, "supplier": {}}
        self.index = PackageIndex(entries, self.taken)

    def find(self, kind: str, contact: PackageContact) -> Contact | None:
        if not self.rows:
            return None
        verdict = self.index.verdict(Ours(0, kind, contact.name, contact.email,
                                          contact.address.postcode))
        if verdict.exact is None:
            return None
        row = self.rows[int(verdict.exact.entry["id"])]
        if row.kind != kind:
            return None
        self.taken[kind][str(row.id)] = contact.name  # one package contact per one of ours
        return row


def _link(connection: Connection, row: Contact, external_id: str, package_title: str) -> None:
    transfer = db.session.execute(
        db.select(Transfer).filter_by(
            connection_id=connection.id, record_type=row.kind, record_id=row.id
        )
    ).scalar_one()
    if transfer.state in IN_PACKAGE and transfer.external_id:
        return  # already in the package under our own send: keep that link
    link_transfer(transfer, row, external_id, f"imported from {package_title} ({external_id})")


def import_contacts(
    connection: Connection,
    connector: Connector,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Create the package's active contacts here, linked; refuses to run a second time."""
    if connection.imported_at is not None:
        raise ImportAlreadyDone(connection)
    title = connector_class(connection.package).title
    result = ImportResult()
    ours_already = _package_ids(connection)
    twins = WaitingTwins(connection)
    seen = 0
    for contact in contacts_of(connection, connector):
        seen += 1
        if not contact.active:
            result.skipped_archived += 1
            continue
        if _already_ours(contact, ours_already):
            result.already_linked += 1
            continue
        source_id = _source_id(connection.package, contact)
        known = list(db.session.execute(
            db.select(Contact.kind).filter_by(company_id=connection.company_id,
                                              source_id=source_id).order_by(Contact.kind)
        ).scalars())
        for kind in _kinds(contact, known):
            row = db.session.execute(
                db.select(Contact).filter_by(
                    company_id=connection.company_id, kind=kind, source_id=source_id
                )
            ).scalar_one_or_none()
            if row is None:
                row = twins.find(kind, contact)
            if row is None:
                row = Contact(
                    company_id=connection.company_id,
                    kind=kind,
                    source_id=source_id,
                    name=contact.name,
                    email=contact.email,
                    phone=contact.phone,
                    address={
                        "line1": contact.address.line1,
                        "line2": contact.address.line2,
                        "city": contact.address.city,
                        "postcode": contact.address.postcode,
                        "country": contact.address.country,
                    },
                )
                db.session.add(row)
                db.session.flush()
                record_saved(connection.company_id, kind, row.id, True)
                result.customers += kind == "customer"
                result.suppliers += kind == "supplier"
            else:
                result.linked_existing += 1
            _ensure_transfer(connection, kind, row.id)
            _link(connection, row, contact.external_id, title)
        if seen % COMMIT_EVERY == 0:
            db.session.commit()
            if progress:
                progress(seen)
    connection.imported_at = utcnow()
    db.session.commit()
    if progress:
        progress(seen)
    return result


def _ensure_transfer(connection: Connection, kind: str, record_id: int) -> None:
    """record_saved skips connections that are not connected; the importing one needs its row."""
    exists = db.session.execute(
        db.select(Transfer.id).filter_by(
            connection_id=connection.id, record_type=kind, record_id=record_id
        )
    ).first()
    if exists is None:
        db.session.add(
            Transfer(
                company_id=connection.company_id,
                connection_id=connection.id,
                record_type=kind,
                record_id=record_id,
            )
        )
        db.session.flush()
