"""The periodic sweep: due two-hourly runs, and recovery after crashed workers or lost Redis.

The database is the source of truth; Redis only carries jobs. So anything the database says is
due (a run whose worker stopped beating, a parked run whose wake-up job was lost, claims whose
lease ran out) is handed to a worker again. A duplicate job is harmless: the run lock lets only
one worker push a connection.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.extensions import db
from app.models import Connection, Run, Transfer, utcnow
from app.models.connection import CONNECTED
from app.models.transfer import SENDING
from app.sync.runs import ACTIVE, active_run, enqueue_run, is_pull, start_run


def start_due_runs() -> int:
    now = utcnow()
    due = db.session.execute(
        db.select(Connection).filter(
            Connection.schedule == "automatic",
            Connection.status == CONNECTED,
            # A new connection waits until someone has seen its preview and pressed Start.
            Connection.sending_started.is_(True),
            db.or_(Connection.next_run_at.is_(None), Connection.next_run_at <= now),
        )
    ).scalars()
    interval = int(current_app.config.get("SEND_INTERVAL_SECONDS", 7200))
    started = 0
    for connection in list(due):
        if is_pull(connection):
            continue  # its desktop side collects on its own schedule: nothing to push
        if active_run(connection.id) is None:
            start_run(connection, trigger="schedule")
            started += 1
        connection.next_run_at = now + timedelta(seconds=interval)
        db.session.commit()
    return started


def run_is_stale(run: Run) -> bool:
    """Queued or running but no worker has beaten for a while (or a parked run overslept)."""
    now = utcnow()
    grace = timedelta(seconds=int(current_app.config.get("RUN_LOCK_SECONDS", 60)) * 2)
    if run.status == "waiting":
        return run.resume_at is not None and run.resume_at + grace < now
    beat = run.heartbeat_at or run.created_at
    return beat + grace < now


def recover() -> int:
    recovered = 0
    runs = db.session.execute(db.select(Run).filter(Run.status.in_(ACTIVE))).scalars()
    for run in list(runs):
        if run_is_stale(run):
            run.heartbeat_at = utcnow()  # do not re-enqueue again on the next tick
            db.session.commit()
            enqueue_run(run.id)
            recovered += 1
    # Claims whose lease ran out with no run to reconcile them.
    conn_ids = db.session.execute(
        db.select(Transfer.connection_id)
        .filter(Transfer.state == SENDING, Transfer.lease_until <= utcnow())
        .distinct()
    ).scalars()
    for conn_id in list(conn_ids):
        connection = db.session.get(Connection, conn_id)
        if connection is None or is_pull(connection):
            continue  # a pull hand-out that expired is checked by the next hand-out itself
        if connection.status == CONNECTED and active_run(conn_id) is None:
            # Settle those claims only: a recovery is not a Send Data, so it must not send
            # records nobody asked to send (a new connection not started, a contact unlinked).
            claims = db.session.execute(
                db.select(Transfer.id).filter(
                    Transfer.connection_id == conn_id,
                    Transfer.state == SENDING,
                    Transfer.lease_until <= utcnow(),
                )
            ).scalars()
            start_run(connection, trigger="recovery", scope=list(claims),
                      description="Settling records whose sending was interrupted.")
            recovered += 1
    return recovered
