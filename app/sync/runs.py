"""Starting Send Data runs: at most one active run per connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from rq import Queue

from app.extensions import db
from app.models import Connection, Run, utcnow
from app.redis_conn import REDIS_DOWN, QueueUnavailable, get_redis

__all__ = ["ACTIVE", "QueueUnavailable", "active_run", "enqueue_run", "get_queue", "start_run"]

ACTIVE = ("queued", "running", "waiting")


def get_queue() -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=get_redis())


def active_run(connection_id: int) -> Run | None:
    return db.session.execute(
        db.select(Run)
        .filter(Run.connection_id == connection_id, Run.status.in_(ACTIVE))
        .order_by(Run.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def start_run(connection: Connection, trigger: str) -> Run:
    """Queue a Send Data run, or return the one already queued or running for the connection.

    The check-and-create happens under a Redis lock so two clicks (or a click and the two-hourly
    tick) never start two runs for one connection.

    Raises QueueUnavailable when Redis is not answering. If it went away between creating the
    run and queueing it, the run stays queued in the database and the sweep hands it to a worker
    once Redis is back; pressing again meanwhile joins that run.
    """
    with _queue_errors(), get_redis().lock(
        f"ledgerlink:start-run:{connection.id}", timeout=30, blocking_timeout=30
    ):
        db.session.expire_all()
        existing = active_run(connection.id)
        if existing is not None:
            return existing
        run = Run(company_id=connection.company_id, connection_id=connection.id, trigger=trigger)
        db.session.add(run)
        connection.last_run_at = utcnow()
        db.session.commit()
    with _queue_errors():
        enqueue_run(run.id)
    return run


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
    from datetime import timedelta

    from app.jobs import send_data

    queue = get_queue()
    if delay_seconds > 0:
        queue.enqueue_in(timedelta(seconds=delay_seconds), send_data, run_id, job_timeout=3600)
    else:
        queue.enqueue(send_data, run_id, job_timeout=3600)
