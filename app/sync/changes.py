"""What a record's save means for its transfers: new transfers for a new record; for an edit,
resend it if it has not reached the package yet, or tell the bookkeeper what changed if it has.

Called by the upsert services inside their transaction, so the record and its transfers change
together or not at all. We never update a record in a package (one way, insert only): an edit
after sending becomes `needs_manual_update` with the field-by-field difference.
"""

from __future__ import annotations

from app.extensions import db
from app.models import Connection, Transfer, TransferEvent
from app.models.connection import DISCONNECTED
from app.models.transfer import (
    BLOCKED,
    DO_NOT_SEND,
    FAILED,
    NEEDS_MANUAL_UPDATE,
    PENDING,
    SENDING,
    SENT,
    new_key,
)
from app.records.snapshot import diff, load_record, snapshot
from app.sync.change_words import field_label


def record_saved(
    company_id: int,
    record_type: str,
    record_id: int,
    created: bool,
    previous: dict[str, str] | None = None,
) -> None:
    """Bring the record's transfers up to date after a save (the caller commits).

    `previous` is the record's snapshot before this save; it lets an edit made while the record
    is being sent be diffed against the version in flight.
    """
    if created:
        _open_transfers(company_id, record_type, record_id)
        return
    transfers = (
        db.session.execute(
            db.select(Transfer)
            .filter_by(company_id=company_id, record_type=record_type, record_id=record_id)
            .order_by(Transfer.id)
        )
        .scalars()
        .all()
    )
    if not transfers:
        return
    current = snapshot(record_type, load_record(record_type, record_id))
    for transfer in transfers:
        _apply_edit(transfer, current, previous)


def _open_transfers(company_id: int, record_type: str, record_id: int) -> None:
    connections = (
        db.session.execute(
            db.select(Connection)
            .filter(Connection.company_id == company_id, Connection.status != DISCONNECTED)
            .order_by(Connection.id)
        )
        .scalars()
        .all()
    )
    for connection in connections:
        transfer = Transfer(
            company_id=company_id,
            connection_id=connection.id,
            record_type=record_type,
            record_id=record_id,
            state=PENDING,
        )
        db.session.add(transfer)
        db.session.flush()  # the event needs the transfer's id
        db.session.add(
            TransferEvent(
                transfer_id=transfer.id,
                from_state="",
                to_state=PENDING,
                note="received from the job system",
            )
        )


def _apply_edit(
    transfer: Transfer, current: dict[str, str], previous: dict[str, str] | None
) -> None:
    state = transfer.state
    if state in (SENT, NEEDS_MANUAL_UPDATE):
        if transfer.sent_snapshot is None:
            # The engine did not record what it sent; the best we can say is what it was before.
            transfer.sent_snapshot = previous or {}
        changes = diff(transfer.sent_snapshot, current)
        transfer.changes = changes or None
        if changes and state == SENT:
            # The history is read by bookkeepers: "Line 3 description", not lines[3].description.
            fields = ", ".join(field_label(str(c["field"])) for c in changes)
            _move(transfer, NEEDS_MANUAL_UPDATE, f"changed after sending: {fields}")
        elif not changes and state == NEEDS_MANUAL_UPDATE:
            _move(transfer, SENT, "changed back to what was sent")
    elif state == SENDING:
        # The version in flight: what was sent if the engine recorded it, else the version
        # before this save with the edits already noted taken back out.
        base = transfer.sent_snapshot or _undo(previous or {}, transfer.changes or [])
        transfer.changes = diff(base, current) or None
    elif state in (PENDING, BLOCKED, FAILED):
        if state == FAILED:
            # The package refused the old version for certain, so a new key is safe, and it
            # keeps the package's idempotency cache from answering with the old refusal.
            transfer.idempotency_key = new_key()
        transfer.reason = ""
        transfer.explanation = ""
        transfer.fix_hint = ""
        transfer.package_message = ""
        transfer.blocked_by_id = None
        transfer.changes = None
        if state != PENDING:
            _move(transfer, PENDING, "edited in the job system; it will be sent again")
    elif state == DO_NOT_SEND:
        return


def _undo(version: dict[str, str], changes: list[dict]) -> dict[str, str]:
    base = dict(version)
    for change in changes:
        if change.get("old") is None:
            base.pop(change["field"], None)
        else:
            base[change["field"]] = change["old"]
    return base


def _move(transfer: Transfer, to_state: str, note: str) -> None:
    db.session.add(
        TransferEvent(
            transfer_id=transfer.id, from_state=transfer.state, to_state=to_state, note=note
        )
    )
    transfer.state = to_state
