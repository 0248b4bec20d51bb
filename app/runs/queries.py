"""What the run history pages read, always for one company (never trust an id alone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.extensions import db
from app.models import Attempt, Connection, Run, Transfer, TransferEvent, utcnow
from app.models.transfer import FAILED
from app.sync.records import label, load_rows

PAGE_SIZE = 50

TRIGGER_WORDS = {
    "schedule": "On schedule",
    "manual": "Send Data",
    "retry": "Retry",
    "api": "Through the API",
    "recovery": "Recovery after an interruption",
    "cli": "From the command line",
}
OUTCOME_WORDS = {
    "sent": "Sent",
    "rejected": "Refused",
    "retrylater": "Asked to wait; sent again later",
    "uncertain": "Not confirmed; looked up before anything was resent",
    "authlost": "Access lost; waits for reconnection",
    "": "No answer (interrupted)",
    "stopped": "Stopped by our checks before sending",
}
STOPPED = "stopped"
STATUS_WORDS = {"queued": "Queued", "running": "Running", "waiting": "Paused",
                "finished": "Finished", "failed": "Stopped"}


def trigger_words(trigger: str) -> str:
    return TRIGGER_WORDS.get(trigger, trigger.replace("_", " ").capitalize())


def duration_words(run: Run) -> str:
    """"2 min 5 s"; "" before it starts; to now while it is under way."""
    if run.started_at is None:
        return ""
    took: timedelta = (run.finished_at or utcnow()) - run.started_at
    seconds = max(0, int(took.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def get_connection(company_id: int, connection_id: int) -> Connection | None:
    return db.session.execute(
        db.select(Connection).filter_by(id=connection_id, company_id=company_id)
    ).scalar_one_or_none()


def get_run(company_id: int, run_id: int) -> Run | None:
    return db.session.execute(
        db.select(Run).filter_by(id=run_id, company_id=company_id)
    ).scalar_one_or_none()


def list_runs(company_id: int, connection_id: int, before_id: int | None = None) -> list[Run]:
    """The connection's runs, newest first, a page at a time (`before_id`: the next page)."""
    stmt = db.select(Run).filter(Run.company_id == company_id,
                                 Run.connection_id == connection_id)
    if before_id is not None:
        stmt = stmt.filter(Run.id < before_id)
    return list(db.session.execute(stmt.order_by(Run.id.desc()).limit(PAGE_SIZE)).scalars())


@dataclass
class RunRecord:
    transfer_id: int
    title: str
    outcome: str  # words for the run's last answer on this record
    state: str  # where the record is now


def run_records(run: Run) -> list[RunRecord]:
    """The transfers this run sent or failed (one row each, by its last attempt in the run),
    and those our checks stopped in it."""
    rows = db.session.execute(
        db.select(Attempt.transfer_id, Attempt.outcome, Transfer.record_type,
                  Transfer.record_id, Transfer.state)
        .join(Transfer, Transfer.id == Attempt.transfer_id)
        .filter(Attempt.run_id == run.id, Transfer.company_id == run.company_id)
        .order_by(Attempt.id)
    ).all()
    last: dict[int, tuple] = {}
    for row in rows:
        last[row.transfer_id] = row  # later attempts replace earlier ones
    # Records our own checks stopped in this run: failed too, though nothing was sent.
    stopped = db.session.execute(
        db.select(TransferEvent.transfer_id, db.literal(STOPPED).label("outcome"),
                  Transfer.record_type, Transfer.record_id, Transfer.state)
        .join(Transfer, Transfer.id == TransferEvent.transfer_id)
        .filter(TransferEvent.run_id == run.id, TransferEvent.to_state == FAILED,
                Transfer.company_id == run.company_id)
        .order_by(TransferEvent.id)
    ).all()
    for row in stopped:
        last.setdefault(row.transfer_id, row)
    by_kind: dict[str, list[int]] = {}
    for row in last.values():
        by_kind.setdefault(row.record_type, []).append(row.record_id)
    loaded = {kind: load_rows(kind, ids) for kind, ids in by_kind.items()}
    out = []
    for row in last.values():
        record = loaded.get(row.record_type, {}).get(row.record_id)
        title = (label(row.record_type, record) if record is not None
                 else f"{row.record_type.replace('_', ' ').capitalize()} #{row.record_id}")
        out.append(RunRecord(row.transfer_id, title, OUTCOME_WORDS.get(row.outcome or "",
                                                                       row.outcome), row.state))
    return out
