"""Transfers (one record x one connection), push runs, and the audit trail of attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.company import utcnow

PENDING = "pending"
BLOCKED = "blocked"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
NEEDS_MANUAL_UPDATE = "needs_manual_update"
DO_NOT_SEND = "do_not_send"
STATES = (PENDING, BLOCKED, SENDING, SENT, FAILED, NEEDS_MANUAL_UPDATE, DO_NOT_SEND)
# States in which the record is in the package (children may go after it).
IN_PACKAGE = (SENT, NEEDS_MANUAL_UPDATE)


def new_key() -> str:
    return uuid.uuid4().hex


class Transfer(db.Model):
    __tablename__ = "transfers"
    __table_args__ = (
        UniqueConstraint("connection_id", "record_type", "record_id"),
        Index("ix_transfers_conn_state_type", "connection_id", "state", "record_type"),
        Index("ix_transfers_company_state", "company_id", "state"),
        # The dashboard's counts by state per connection, answered from the index alone.
        Index("ix_transfers_company_conn_state", "company_id", "connection_id", "state"),
        Index("ix_transfers_company_id_id", "company_id", "id"),  # the list, newest first
        Index("ix_transfers_blocked_by_id", "blocked_by_id"),  # what waits for a record
        # The references we chose (ChoosesReferences packages) are unique per connection.
        Index("ux_transfers_connection_package_ref", "connection_id", "package_ref",
              unique=True, sqlite_where=text("package_ref != ''"),
              postgresql_where=text("package_ref != ''")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(12))
    record_id: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    # Stable for the life of the transfer: a resend after a crash carries the same key.
    idempotency_key: Mapped[str] = mapped_column(String(64), default=new_key, unique=True)
    # A package may name a record by a URL, or a receipt by several ids: no short cap.
    external_id: Mapped[str | None] = mapped_column(String(1000))
    # Pull packages only: the step a record is at when it takes more than one request (a
    # QuickBooks Desktop credit memo is added, then applied to its invoice); "" is the add.
    stage: Mapped[str] = mapped_column(String(24), default="", server_default="")
    # The reference we chose for a contact where the package leaves choosing it to us (Sage
    # 50's account ref): chosen once, before its first hand-out, and kept for every later one.
    package_ref: Mapped[str] = mapped_column(String(30), default="", server_default="")
    attempt_count: Mapped[int] = mapped_column(default=0)
    attempt_id: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]
    not_before: Mapped[datetime | None]  # a package asked us to wait (429 / 5xx)
    reason: Mapped[str] = mapped_column(String(40), default="")  # machine code of the cause
    explanation: Mapped[str] = mapped_column(Text, default="")  # words for the bookkeeper
    fix_hint: Mapped[str] = mapped_column(Text, default="")
    package_message: Mapped[str] = mapped_column(Text, default="")
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    # What we sent, to diff later edits against; and the diff itself once the record changed.
    sent_snapshot: Mapped[dict | None] = mapped_column(JSON)
    changes: Mapped[list | None] = mapped_column(JSON)
    sent_at: Mapped[datetime | None]
    # A contact held back as a possible duplicate: the package contacts it may already be
    # ([{id, name, reasons}]), for the Linking page.
    possible_duplicate: Mapped[list | None] = mapped_column(JSON)
    # The bookkeeper chose to create this contact as new: never held as a duplicate again.
    create_anyway: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)


class TransferEvent(db.Model):
    """A transfer's state history, for the record detail page and audits."""

    __tablename__ = "transfer_events"
    # The 30-day chart reads recent sent/failed moves without scanning all history.
    __table_args__ = (Index("ix_transfer_events_to_state_at", "to_state", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(
        ForeignKey("transfers.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_state: Mapped[str] = mapped_column(String(20), default="")
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    # Who moved it, when a person did (kept as a name: history outlives user accounts).
    actor: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # The run that made the move, when one did (a run's page lists what its checks stopped).
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )


class Run(db.Model):
    """One Send Data run for one connection."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    # manual (Send Data) | schedule | api | retry | recovery | cli
    trigger: Mapped[str] = mapped_column(String(20))
    # The transfer ids this run may send (a Retry); None: everything waiting on the connection.
    scope: Mapped[list | None] = mapped_column(JSON)
    # What the run was asked to do, in words ("Sending invoice INV-12 and its customer ...").
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    # queued | running | waiting (package asked us to pause) | finished | failed
    detail: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    blocked: Mapped[int] = mapped_column(default=0)
    calls: Mapped[int] = mapped_column(default=0)
    resume_at: Mapped[datetime | None]
    # Beaten by the worker while it pushes; a stale beat means the worker died mid-run.
    heartbeat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.blocked

    @property
    def is_active(self) -> bool:
        return self.status in ("queued", "running", "waiting")


class Attempt(db.Model):
    """One call to a package on behalf of one transfer, with secrets redacted."""

    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(
        ForeignKey("transfers.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    attempt_id: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(20), default="")
    request: Mapped[str] = mapped_column(Text, default="")
    response: Mapped[str] = mapped_column(Text, default="")
