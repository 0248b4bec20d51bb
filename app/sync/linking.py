"""Linking one of our contacts to a contact that already exists in the package.

Shared by the one-time import (every imported contact is linked to the package contact it came
from) and the Linking page (a bookkeeper links a customer to an existing package contact to
avoid a duplicate). Either way the transfer becomes `sent` with the package's id, so the engine
never creates the contact, and its invoices go to the existing package contact.
"""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import Transfer, TransferEvent, utcnow
from app.models.transfer import IN_PACKAGE, SENT
from app.records.snapshot import snapshot


def link_transfer(transfer: Transfer, row: Any, external_id: str, note: str) -> None:
    """Mark the contact `row` as in the package under `external_id` (the caller commits).

    The snapshot taken now is what later edits are diffed against: an edit made here after
    linking becomes a "change it by hand" task, as for a contact we created ourselves.
    """
    db.session.add(
        TransferEvent(transfer_id=transfer.id, from_state=transfer.state, to_state=SENT,
                      note=note)
    )
    transfer.state = SENT
    transfer.external_id = external_id
    transfer.sent_at = utcnow()
    transfer.sent_snapshot = snapshot(row.kind, row)
    transfer.changes = None
    transfer.blocked_by_id = None
    transfer.attempt_id = None
    transfer.lease_until = None
    transfer.not_before = None
    transfer.explanation = transfer.reason = transfer.fix_hint = transfer.package_message = ""
    transfer.possible_duplicate = None


# History notes that mark a link rather than a contact we created: app/linking/service.py's
# LINK_NOTE for a person's link, app/sync/importing.py's note for the one-time import, and
# app/sync/precreate.py's FOUND_NOTE for one Send Data found there before creating it.
LINKED_NOTES = ("linked to ", "imported from ", "found in ")


def is_link_event(to_state: str, note: str | None) -> bool:
    return to_state == SENT and (note or "").startswith(LINKED_NOTES)


def was_linked(transfer: Transfer) -> bool:
    """A contact that is in the package because it was linked to (or imported from) one that
    was already there, not because we created it."""
    if transfer.record_type not in ("customer", "supplier") or transfer.state not in IN_PACKAGE:
        return False
    note = db.session.execute(
        db.select(TransferEvent.note)
        .where(TransferEvent.transfer_id == transfer.id, TransferEvent.to_state == SENT)
        .order_by(TransferEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    return is_link_event(SENT, note)
