"""RQ job functions: they take ids, load rows, call app/sync, and commit.

Jobs run inside the worker's app context (worker.py); when RQ's own CLI runs them instead, an
app is created once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_app_context

from app.extensions import db

_app: Flask | None = None


@contextmanager
def _app_context():  # type: ignore[no-untyped-def]
    global _app
    if has_app_context():
        try:
            yield current_app
        finally:
            db.session.remove()
        return
    if _app is None:
        from app import create_app

        _app = create_app()
    # The session is removed while the context it belongs to is still pushed: outside it
    # (under `rq worker` directly) db.session cannot be reached at all.
    with _app.app_context():
        try:
            yield _app
        finally:
            db.session.remove()


def _job(func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.rollback()

    wrapper.__name__ = func.__name__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__doc__ = func.__doc__
    return wrapper


@_job
def send_data(run_id: int) -> None:
    """Push everything pending for the run's connection."""
    from app.sync.engine import execute_run

    execute_run(run_id)


@_job
def import_contacts(connection_id: int) -> dict[str, int]:
    """The one-time import of the package's customers and suppliers, with progress in
    job.meta["seen"] for the page that shows it."""
    from dataclasses import asdict

    from rq import get_current_job

    from app.models import Connection
    from app.redis_conn import get_redis
    from app.sync.audit import ExchangeLog
    from app.sync.engine import build_connector
    from app.sync.importing import import_contacts as run_import

    job = get_current_job()

    def progress(seen: int) -> None:
        if job is not None:
            job.meta["seen"] = seen
            job.save_meta()

    lock = get_redis().lock(f"ledgerlink:import:{connection_id}", timeout=3600)
    if not lock.acquire(blocking=False):
        return {"already_running": 1}
    try:
        connection = db.session.get(Connection, connection_id)
        connector = build_connector(connection, None, ExchangeLog())
        return asdict(run_import(connection, connector, progress))
    finally:
        lock.release()


@_job
def cron_tick() -> dict[str, int]:
    """Start the two-hourly runs that are due, and recover what crashed workers left behind."""
    from app.sync.sweep import recover, start_due_runs

    started = start_due_runs()
    recovered = recover()
    return {"started": started, "recovered": recovered}


def stale_after() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("RUN_LOCK_SECONDS", 60)) * 2)


@_job
def send_password_reset(email: str) -> bool:
    """The password-reset mail, queued so the page answers alike for unknown addresses."""
    from app.auth.reset import send_reset_mail

    return send_reset_mail(email)


@_job
def send_digests() -> dict[str, int]:
    """Hourly: each company whose digest frequency is due gets its failure digest."""
    from app.sync.digest import send_due_digests

    return send_due_digests()
