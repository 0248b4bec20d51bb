"""What a bookkeeper can do to one transfer: Retry, Mark as do not send (and undo), and Done
for a change made by hand in the package. Each checks the state it starts from, so a stale
page cannot, say, retry a record that has been sent meanwhile."""

from __future__ import annotations

from app.extensions import db
from app.models import Transfer
from app.models.transfer import (
    BLOCKED,
    DO_NOT_SEND,
    FAILED,
    NEEDS_MANUAL_UPDATE,
    PENDING,
    SENT,
    new_key,
)
from app.records.snapshot import load_record, snapshot
from app.sync.explain import Explanation
from app.sync.plan import set_state

# States said in a refusal: words a bookkeeper reads, never the stored key.
STATE_WORDS = {PENDING: "waiting to be sent", BLOCKED: "waiting for another record",
               "sending": "on its way to the package", SENT: "already in the package",
               FAILED: "failed", NEEDS_MANUAL_UPDATE: "waiting for a change by hand",
               DO_NOT_SEND: "marked as do not send"}


class ActionRefused(Exception):
    """The transfer is not in a state this action applies to; the message says why."""


def retry(transfer: Transfer) -> None:
    """Send a failed record again with the next Send Data (checks run again first)."""
    if transfer.state != FAILED:
        raise ActionRefused("Only failed records can be retried; this one is "
                            f"{STATE_WORDS.get(transfer.state, 'not failed')}.")
    # The package refused the last attempt, so nothing exists there: a fresh key keeps its
    # idempotency cache from replaying that refusal.
    transfer.idempotency_key = new_key()
    transfer.package_message = ""
    set_state(transfer, PENDING, note="retry requested")
    db.session.commit()


def mark_do_not_send(transfer: Transfer) -> None:
    """Never send this record; records that depend on it are blocked with that reason."""
    if transfer.state not in (PENDING, BLOCKED, FAILED):
        raise ActionRefused(
            f"Only records that have not reached the package can be held back; this one is "
            f"{STATE_WORDS.get(transfer.state, 'not waiting')}."
        )
    set_state(
        transfer,
        DO_NOT_SEND,
        Explanation("do_not_send", "Marked as do not send.", "Undo to send it after all."),
    )
    db.session.commit()


def undo_do_not_send(transfer: Transfer) -> None:
    if transfer.state != DO_NOT_SEND or transfer.reason == "before_cutoff":
        raise ActionRefused("Only records marked as do not send by a person can be released.")
    transfer.idempotency_key = new_key()
    set_state(transfer, PENDING, note="do not send undone")
    db.session.commit()


def mark_done(transfer: Transfer) -> None:
    """The bookkeeper made the listed changes in the package by hand."""
    if transfer.state != NEEDS_MANUAL_UPDATE:
        raise ActionRefused("There is no change waiting to be made by hand for this record.")
    # What the package has now is the current version: later edits are diffed against it.
    transfer.sent_snapshot = snapshot(
        transfer.record_type, load_record(transfer.record_type, transfer.record_id)
    )
    transfer.changes = None
    set_state(transfer, SENT, note="changes made by hand in the package")
    db.session.commit()
