"""Starting Send Data runs: at most one active run per connection."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from app.extensions import db
from app.models import Connection, Run, Transfer, utcnow
from app.models.transfer import BLOCKED, PENDING, SENDING
from app.queue import enqueue
from app.redis_conn import REDIS_DOWN, QueueUnavailable, get_redis
from connectors import connector_class

__all__ = [
    "ACTIVE", "SEND_DATA", "QueueUnavailable", "active_run", "enqueue_run", "is_pull",
    "ready_words", "start_run",
]

ACTIVE = ("queued", "running", "waiting")
SEND_DATA = "app.jobs.send_data"


def is_pull(connection: Connection) -> bool:
    """A desktop package collects its records from us: nothing is pushed to it. (A package no
    longer registered is left to the push path, which says so in the run.)"""
    try:
        return connector_class(connection.package).mode == "pull"
    except KeyError:
        return False


def ready_words(connection: Connection) -> str:
    title = connector_class(connection.package).title
    return (f"Ready: {title} will take these the next time it checks in with Ledgerlink; "
            "the counts follow its answers as they arrive.")


def active_run(connection_id: int) -> Run | None:
    return db.session.execute(
        db.select(Run)
        .filter(Run.connection_id == connection_id, Run.status.in_(ACTIVE))
        .order_by(Run.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def start_run(
    connection: Connection,
    trigger: str,
    scope: Iterable[int] | None = None,
    description: str = "",
) -> Run:
    """Queue a Send Data run, or return the one already queued or running for the connection.

    `scope` limits the run to those transfer ids (a Retry sends its records and the parents
    they need, nothing else); without it the run sends everything waiting. A scoped request
    that meets a scoped run under way widens that run rather than waiting for it; one that
    meets an unscoped run joins it (that run sends everything anyway); an unscoped request
    (Send Data) that meets a scoped run lifts its scope.

    The check-and-create happens under a Redis lock so two clicks (or a click and the two-hourly
    tick) never start two runs for one connection.

    Raises QueueUnavailable when Redis is not answering. If it went away between creating the
    run and queueing it, the run stays queued in the database and the sweep hands it to a worker
    once Redis is back; pressing again meanwhile joins that run.
    """
    ids = sorted(set(scope)) if scope is not None else None
    with _queue_errors(), get_redis().lock(
        f"ledgerlink:start-run:{connection.id}", timeout=30, blocking_timeout=30
    ):
        db.session.expire_all()
        existing = active_run(connection.id)
        if existing is not None:
            if ids is not None and existing.scope is not None:
                existing.scope = sorted(set(existing.scope) | set(ids))
                if description and description not in existing.description:
                    existing.description = f"{existing.description} {description}".strip()
                db.session.commit()
            elif ids is None and existing.scope is not None:
                # Send Data pressed while a Retry runs: the person now wants everything sent.
                existing.scope = None
                existing.description = (f"{existing.description} Then everything waiting "
                                        "(Send Data was pressed).").strip()
                db.session.commit()
            return existing
        run = Run(company_id=connection.company_id, connection_id=connection.id, trigger=trigger,
                  scope=ids, description=description)
        if is_pull(connection):
            # Send Data means "ready now": the desktop side takes the records when it next
            # checks in, and the run's counts follow its answers (app/sync/handout.py).
            run.status, run.started_at, run.detail = "waiting", utcnow(), ready_words(connection)
            run.total = _open_count(connection.id)
        db.session.add(run)
        connection.last_run_at = utcnow()
        db.session.commit()
    if run.status == "waiting":
        return run
    with _queue_errors():
        enqueue_run(run.id)
    return run


def _open_count(connection_id: int) -> int:
    return db.session.execute(
        db.select(db.func.count(Transfer.id)).filter(
            Transfer.connection_id == connection_id,
            Transfer.state.in_((PENDING, BLOCKED, SENDING)),
        )
    ).scalar_one()


@contextmanager
def _queue_errors() -> Iterator[None]:
    """A Redis that is not answering becomes QueueUnavailable (the web answers 503)."""
    try:
        yield
    except REDIS_DOWN as exc:
        db.session.rollback()
        raise QueueUnavailable() from exc


def enqueue_run(run_id: int, delay_seconds: float = 0) -> None:
    """Hand the run to a worker now, or after the delay a package asked for (never by sleeping
    in a worker: the RQ scheduler holds the job until then)."""
    enqueue(SEND_DATA, run_id, delay_seconds=delay_seconds, job_timeout=3600)
