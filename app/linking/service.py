"""Linking our customers and suppliers to contacts already in the package, and unlinking.

A contact whose transfer is pending, blocked or failed would be created by the next Send Data.
Linking it instead marks the transfer `sent` with the package contact's id (the same
app.sync.linking.link_transfer the one-time import uses), so no duplicate is created and its
invoices go to the existing contact. Unlinking puts it back to `pending` with a fresh
idempotency key, and is allowed only while nothing has been sent against the link: an invoice
already on the package contact cannot follow our customer to a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update

from app.extensions import db
from app.linking import package
from app.linking.suggest import Ours
from app.models import Connection, Contact, Document, Payment, Transfer, TransferEvent
from app.models.transfer import (
    BLOCKED,
    FAILED,
    IN_PACKAGE,
    NEEDS_MANUAL_UPDATE,
    PENDING,
    SENDING,
    SENT,
    new_key,
)
from app.sync.linking import link_transfer
from app.sync.plan import POSSIBLE_DUPLICATE
from app.sync.precreate import FOUND_NOTE, used_package_ids

CONTACT_KINDS = ("customer", "supplier")
UNSENT = (PENDING, BLOCKED, FAILED)  # the next Send Data would create these
# A child in one of these is (or may be) in the package on the linked contact.
CHILD_IN_PACKAGE = (SENT, NEEDS_MANUAL_UPDATE, SENDING)
LINK_NOTE = "linked to "  # every link by a person starts its history note with this
PAGE_SIZE = 50


class LinkRefused(Exception):
    """The link or unlink cannot be made; the message says why and what to do."""


@dataclass
class Waiting:
    transfer: Transfer
    contact: Contact

    def ours(self) -> Ours:
        address = self.contact.address or {}
        return Ours(self.transfer.id, self.transfer.record_type, self.contact.name,
                    self.contact.email or "", str(address.get("postcode") or ""))


@dataclass
class Linked:
    transfer: Transfer
    contact: Contact
    linked_at: datetime | None
    note: str
    package_contact: dict[str, Any] | None
    blockers: list[str]  # what was sent against the link (empty: it may be unlinked)


# --------------------------------------------------------------------------- reading
def _unsent_filter(connection: Connection, q: str = "") -> list[Any]:
    conditions = [
        Transfer.connection_id == connection.id,
        Transfer.company_id == connection.company_id,
        Transfer.record_type.in_(CONTACT_KINDS),
        Transfer.state.in_(UNSENT),
        Contact.id == Transfer.record_id,
        Contact.kind == Transfer.record_type,
        Contact.company_id == connection.company_id,
    ]
    if q.strip():
        conditions.append(Contact.name.ilike(f"%{q.strip()}%"))
    return conditions


def waiting_page(connection: Connection, page: int, q: str = "") -> tuple[list[Waiting], int]:
    """One page of our contacts that would be created in the package, by name; and the total."""
    conditions = _unsent_filter(connection, q)
    total = db.session.execute(
        db.select(func.count(Transfer.id)).select_from(Transfer, Contact).where(*conditions)
    ).scalar_one()
    held_first = db.case((Transfer.reason == POSSIBLE_DUPLICATE, 0), else_=1)
    rows = db.session.execute(
        db.select(Transfer, Contact).where(*conditions)
        .order_by(held_first, func.lower(Contact.name), Transfer.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return [Waiting(t, c) for t, c in rows], total


def all_waiting(connection: Connection) -> list[Ours]:
    """Every contact that would be created, as light tuples (for bulk strong matches)."""
    rows = db.session.execute(
        db.select(Transfer.id, Transfer.record_type, Contact.name, Contact.email,
                  Contact.address).where(*_unsent_filter(connection))
    ).all()
    return [Ours(tid, kind, name, email or "", str((address or {}).get("postcode") or ""))
            for tid, kind, name, email, address in rows]


def used_ids(connection: Connection) -> dict[str, dict[str, str]]:
    """Per kind, the package contacts already linked to (or created for) one of ours."""
    return used_package_ids(connection)


def _latest_entries(connection: Connection) -> Any:
    """Per contact transfer in the package: the id of the event that last put it there."""
    return (
        db.select(TransferEvent.transfer_id, func.max(TransferEvent.id).label("event_id"))
        .join(Transfer, Transfer.id == TransferEvent.transfer_id)
        .where(Transfer.connection_id == connection.id,
               Transfer.record_type.in_(CONTACT_KINDS), Transfer.state.in_(IN_PACKAGE),
               TransferEvent.to_state == SENT, TransferEvent.from_state.not_in(IN_PACKAGE))
        .group_by(TransferEvent.transfer_id)
        .subquery()
    )


def linked_by_hand(connection: Connection, contacts: dict[str, dict[str, Any]],
                   limit: int = 200, note: str = LINK_NOTE) -> tuple[list[Linked], int]:
    """Contacts a person linked (not created by us, not imported), newest first; and how many
    there are. Each says what, if anything, stops it from being unlinked. With
    note=FOUND_NOTE: those Send Data found in the package and linked by itself."""
    latest = _latest_entries(connection)
    conditions = [TransferEvent.note.startswith(note)]
    base = (
        db.select(Transfer, Contact, TransferEvent)
        .join(latest, latest.c.transfer_id == Transfer.id)
        .join(TransferEvent, TransferEvent.id == latest.c.event_id)
        .join(Contact, Contact.id == Transfer.record_id)
        .where(*conditions)
    )
    total = db.session.execute(
        db.select(func.count()).select_from(base.subquery())).scalar_one()
    rows = db.session.execute(base.order_by(TransferEvent.id.desc()).limit(limit)).all()
    blockers = sent_against(connection, [c.id for _, c, _ in rows])
    return [
        Linked(t, c, e.at, e.note, contacts.get(str(t.external_id)), blockers.get(c.id, []))
        for t, c, e in rows
    ], total


def sent_against(connection: Connection, contact_ids: Iterable[int]) -> dict[int, list[str]]:
    """For each contact: its invoices, credit notes and payments that are (or may be) in the
    package on this connection, as "invoice INV-1" labels."""
    ids = list(contact_ids)
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    words = {"invoice": "invoice", "credit_note": "credit note"}
    docs = db.session.execute(
        db.select(Document.customer_id, Document.kind, Document.number)
        .join(Transfer, db.and_(Transfer.record_id == Document.id,
                                Transfer.record_type == Document.kind))
        .where(Transfer.connection_id == connection.id, Document.customer_id.in_(ids),
               Transfer.state.in_(CHILD_IN_PACKAGE))
        .order_by(Document.date, Document.id)
    ).all()
    for customer_id, kind, number in docs:
        found.setdefault(customer_id, []).append(f"{words.get(kind, kind)} {number}")
    payments = db.session.execute(
        db.select(Payment.customer_id, Payment.reference, Payment.source_id)
        .join(Transfer, db.and_(Transfer.record_id == Payment.id,
                                Transfer.record_type == "payment"))
        .where(Transfer.connection_id == connection.id, Payment.customer_id.in_(ids),
               Transfer.state.in_(CHILD_IN_PACKAGE))
    ).all()
    for customer_id, reference, source_id in payments:
        found.setdefault(customer_id, []).append(f"payment {reference or source_id}")
    return found


def contact_transfer(connection: Connection, transfer_id: int) -> tuple[Transfer, Contact]:
    """A customer or supplier transfer on this connection (the caller 404s on LookupError)."""
    row = db.session.execute(
        db.select(Transfer, Contact)
        .join(Contact, db.and_(Contact.id == Transfer.record_id,
                               Contact.kind == Transfer.record_type))
        .where(Transfer.id == transfer_id, Transfer.connection_id == connection.id,
               Transfer.company_id == connection.company_id,
               Contact.company_id == connection.company_id,
               Transfer.record_type.in_(CONTACT_KINDS))
    ).first()
    if row is None:
        raise LookupError(transfer_id)
    return row[0], row[1]


def linked_by_person(transfer: Transfer) -> bool:
    """True when the event that last put this transfer in the package was a link, a person's
    or the one Send Data made by finding it there (not our own send, not the import)."""
    event = db.session.execute(
        db.select(TransferEvent)
        .where(TransferEvent.transfer_id == transfer.id, TransferEvent.to_state == SENT,
               TransferEvent.from_state.not_in(IN_PACKAGE))
        .order_by(TransferEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    return event is not None and event.note.startswith((LINK_NOTE, FOUND_NOTE))


# --------------------------------------------------------------------------- changing
def _kind_word(kind: str) -> str:
    return "customer" if kind == "customer" else "supplier"


def link(connection: Connection, transfer: Transfer, contact: Contact, external_id: str,
         contacts: package.PackageContacts, by: str,
         used: dict[str, dict[str, str]] | None = None) -> str:
    """Link one of ours to a package contact (the caller commits); the confirmation.
    `used` (from used_ids) saves the look-up when linking many; it is kept up to date."""
    title = package.title_of(connection)
    if transfer.state not in UNSENT:
        raise LinkRefused(
            f"\u201c{contact.name}\u201d is already in {title}, so there is nothing to link."
            if transfer.state in IN_PACKAGE else
            f"\u201c{contact.name}\u201d is {transfer.state.replace('_', ' ')}, so it cannot "
            "be linked now. Reload the page.")
    theirs = contacts.by_id().get(str(external_id or ""))
    if theirs is None:
        raise LinkRefused(
            f"That {title} contact is not in {title}’s list as last fetched. Press Refresh "
            "contacts and choose again.")
    if not theirs.get("active", True):
        raise LinkRefused(
            f"\u201c{theirs['name']}\u201d is archived in {title}: invoices to it would be "
            f"refused. Restore it in {title} first, or create a new contact.")
    used = used if used is not None else used_ids(connection)
    taken = used[transfer.record_type].get(str(theirs["id"]))
    if taken is not None:
        raise LinkRefused(
            f"\u201c{theirs['name']}\u201d in {title} is already linked to our "
            f"{_kind_word(transfer.record_type)} \u201c{taken}\u201d. Two of our "
            f"{_kind_word(transfer.record_type)}s on one {title} contact would mix their "
            "accounts: choose another, or create a new contact.")
    from_state = transfer.state
    # Guarded: a Send Data may have claimed it since the page was drawn.
    claimed = db.session.execute(
        update(Transfer).where(Transfer.id == transfer.id, Transfer.state.in_(UNSENT))
        .values(state=SENT).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise LinkRefused(f"\u201c{contact.name}\u201d was picked up by a Send Data meanwhile; "
                          "reload the page to see where it went.")
    transfer.state = from_state  # so the history shows where it came from
    link_transfer(transfer, contact, str(theirs["id"]),
                  f"{LINK_NOTE}{theirs['name']} in {title} by {by}")
    used[transfer.record_type][str(theirs["id"])] = contact.name
    return (f"Linked: \u201c{contact.name}\u201d is \u201c{theirs['name']}\u201d in {title}. "
            "Its invoices will go to that contact; nothing new is created.")


def unlink(connection: Connection, transfer: Transfer, contact: Contact, by: str) -> str:
    """Undo a person's link while nothing was sent against it (the caller commits)."""
    title = package.title_of(connection)
    if transfer.state not in IN_PACKAGE or not linked_by_person(transfer):
        raise LinkRefused(
            f"\u201c{contact.name}\u201d was not linked by a person (we created it in {title}, "
            "or it came from the one-time import), so it cannot be unlinked: that would create "
            f"it in {title} a second time.")
    external_id = transfer.external_id
    unlinked = db.session.execute(
        update(Transfer).where(Transfer.id == transfer.id, Transfer.state.in_(IN_PACKAGE))
        .values(state=PENDING).execution_options(synchronize_session=False)
    )
    # Checked after taking the row, so a run cannot slip an invoice in between unseen.
    blockers = sent_against(connection, [contact.id]).get(contact.id, [])
    if unlinked.rowcount != 1 or blockers:
        db.session.rollback()
        if not blockers:
            raise LinkRefused(f"\u201c{contact.name}\u201d changed meanwhile; reload the page.")
        shown = ", ".join(blockers[:3]) + (f" and {len(blockers) - 3} more"
                                             if len(blockers) > 3 else "")
        raise LinkRefused(
            f"\u201c{contact.name}\u201d cannot be unlinked: {shown} "
            f"{'was' if len(blockers) == 1 else 'were'} already sent to {title} against the "
            f"linked contact. Unlinking now would leave those on that {title} contact while "
            "everything new went to a new one, splitting the account in two. If the link is "
            f"wrong, correct it in {title} by hand.")
    db.session.add(TransferEvent(
        transfer_id=transfer.id, from_state=transfer.state, to_state=PENDING,
        note=f"unlinked from {title} ({external_id}) by {by}: the next Send Data creates it "
             "as a new contact"))
    transfer.state = PENDING
    transfer.idempotency_key = new_key()  # a new contact, not a replay of anything earlier
    transfer.create_anyway = True  # as new: Send Data must not link it back by itself
    transfer.external_id = None
    transfer.sent_snapshot = None
    transfer.sent_at = None
    transfer.changes = None
    transfer.explanation = transfer.reason = transfer.fix_hint = transfer.package_message = ""
    return (f"Unlinked: the next Send Data creates \u201c{contact.name}\u201d as a new contact "
            f"in {title}.")


def create_anyway(connection: Connection, transfer: Transfer, contact: Contact,
                  by: str) -> str:
    """The bookkeeper says this contact is not in the package: create it as new, and never
    hold it as a possible duplicate again (the caller commits)."""
    title = package.title_of(connection)
    if transfer.state not in UNSENT:
        raise LinkRefused(f"\u201c{contact.name}\u201d is no longer waiting to be created in "
                          f"{title}. Reload the page.")
    transfer.create_anyway = True
    if transfer.state == BLOCKED and transfer.reason == POSSIBLE_DUPLICATE:
        db.session.add(TransferEvent(
            transfer_id=transfer.id, from_state=transfer.state, to_state=PENDING,
            note=f"create it anyway, by {by}: not the {title} contact it looked like"))
        transfer.state = PENDING
        transfer.explanation = transfer.reason = transfer.fix_hint = ""
        transfer.possible_duplicate = None
        return (f"Will be created: the next Send Data creates \u201c{contact.name}\u201d as a "
                f"new contact in {title}, and its invoices follow it.")
    return (f"Left as new: the next Send Data creates \u201c{contact.name}\u201d as a new "
            f"contact in {title}, without asking again.")


@dataclass
class BulkResult:
    linked: list[str]
    refused: list[str]


def link_many(connection: Connection, pairs: list[tuple[int, str]],
              contacts: package.PackageContacts, by: str) -> BulkResult:
    """Link each (transfer id, package id) pair on its own: one refusal (say, a contact sent
    meanwhile) does not undo the others. Commits after each."""
    result = BulkResult([], [])
    used = used_ids(connection)
    for transfer_id, external_id in pairs:
        try:
            transfer, contact = contact_transfer(connection, transfer_id)
        except LookupError:
            result.refused.append(f"Record {transfer_id} is not one of this connection’s "
                                  "customers or suppliers.")
            continue
        try:
            link(connection, transfer, contact, external_id, contacts, by, used)
            db.session.commit()
            result.linked.append(contact.name)
        except LinkRefused as exc:
            db.session.rollback()
            result.refused.append(str(exc))
    return result
