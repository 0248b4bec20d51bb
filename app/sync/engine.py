"""One Send Data run for one connection, from start (or resumption) to finish.

Only one worker pushes a connection at a time (a Redis lock with a heartbeat); a run that must
wait for the package is parked and rescheduled, never slept on.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

import requests
from flask import current_app
from redis.exceptions import LockNotOwnedError, RedisError
from rq.exceptions import StopRequested
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Connection, Run, Transfer, utcnow
from app.models.connection import CONNECTED
from app.models.transfer import BLOCKED, FAILED, PENDING, SENDING
from app.redis_conn import get_redis
from app.sync.audit import ExchangeLog
from app.sync.canonical import Chart
from app.sync.cutoff import LINK_BEFORE_KIND, link_before_cutoff
from app.sync.plan import PREFLIGHT_REASONS, ensure_transfers, plan_kind
from app.sync.precreate import CONTACT_KINDS, ContactLookupFailed, look_before_creating
from app.sync.push import claim_batch, push_batch
from app.sync.ratelimit import CallBudget
from app.sync.reconcile import reconcile
from app.sync.records import KIND_ORDER, label, load_rows
from app.sync.runs import enqueue_run
from app.sync.tokens import (
    OneForcedRefresh,
    fresh_credentials,
    keep_fresh,
    mark_reconnect_needed,
)
from connectors import connector_class
from connectors.base import AuthLostError, Connector, RateLimitedError


class RunPaused(Exception):
    def __init__(self, after: float, problem: str) -> None:
        super().__init__(problem)
        self.after = after
        self.problem = problem


class RunTakenOver(Exception):
    """Our run lock expired and another worker holds it now: leave the run to it."""


class RunStopped(Exception):
    """The run cannot go on (access lost, connection disconnected)."""


def _in_scope(stmt, scope: list[int] | None):  # type: ignore[no-untyped-def]
    """A scoped run (a Retry) counts and waits for its own transfers only."""
    return stmt if scope is None else stmt.filter(Transfer.id.in_(scope))


def _count_open(connection_id: int, scope: list[int] | None = None) -> int:
    return db.session.execute(_in_scope(
        db.select(db.func.count(Transfer.id)).filter(
            Transfer.connection_id == connection_id,
            db.or_(
                Transfer.state.in_((PENDING, BLOCKED, SENDING)),
                db.and_(Transfer.state == FAILED, Transfer.reason.in_(PREFLIGHT_REASONS)),
            ),
        ), scope)
    ).scalar_one()


def _count_state(connection_id: int, state: str, scope: list[int] | None = None) -> int:
    return db.session.execute(_in_scope(
        db.select(db.func.count(Transfer.id)).filter(
            Transfer.connection_id == connection_id, Transfer.state == state
        ), scope)
    ).scalar_one()


def _count_preflight_failures(
    connection_id: int, since: datetime | None, scope: list[int] | None = None
) -> int:
    stmt = _in_scope(db.select(db.func.count(Transfer.id)).filter(
        Transfer.connection_id == connection_id,
        Transfer.state == FAILED,
        Transfer.reason.in_(PREFLIGHT_REASONS),
    ), scope)
    if since is not None:
        stmt = stmt.filter(Transfer.updated_at >= since)
    return db.session.execute(stmt).scalar_one()


def build_connector(connection: Connection, run: Run | None, log: ExchangeLog) -> Connector:
    cls = connector_class(connection.package)
    creds = fresh_credentials(connection)

    def count_call(batch: bool = False) -> None:
        if run is not None:
            run.calls += 1

    throttle = (
        CallBudget(get_redis(), connection.id, cls.limits, on_call=count_call)
        if current_app.config.get("CALL_BUDGET_ENABLED", True)
        else count_call
    )
    session = requests.Session()
    log.install(session)
    connector = cls(current_app.config, creds, throttle=throttle, session=session)
    # Not only at the start: a short-lived token (Sage's five minutes) dies mid-run.
    connector.before_each_call(lambda: keep_fresh(connection, connector))
    return connector


class RunExecutor:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.connection: Connection = db.session.get(Connection, run.connection_id)
        self.cls = connector_class(self.connection.package)
        self.config = current_app.config
        self.lock = get_redis().lock(
            f"ledgerlink:run-lock:{self.connection.id}",
            timeout=self.config.get("RUN_LOCK_SECONDS", 60),
        )
        self.log = ExchangeLog()
        self.refresh = OneForcedRefresh(self.connection)
        self.package_contacts: dict = {}  # read at most once per run, before creating any

    def heartbeat(self) -> None:
        self.run.heartbeat_at = utcnow()
        db.session.commit()
        try:
            self.lock.reacquire()
        except LockNotOwnedError:
            # A slow call outlived the lock; carry on only if nobody else took it meanwhile.
            if not self.lock.acquire(blocking=False):
                raise RunTakenOver() from None

    def execute(self) -> None:
        if not self.lock.acquire(blocking=False):
            return  # another worker is pushing this connection; it will finish the run
        try:
            self._execute()
        except RunTakenOver:
            db.session.rollback()
        finally:
            try:
                self.lock.release()
            except Exception:  # noqa: BLE001,S110 (expired meanwhile: nothing to release)
                pass

    def _execute(self) -> None:
        run, connection = self.run, self.connection
        if self.cls.mode == "pull":
            return  # collected by its desktop side (app/sync/handout.py); never pushed
        if connection.status != CONNECTED:
            self._finish("failed", f"{self.cls.title} is not connected: reconnect it first.")
            return
        run.status = "running"
        run.started_at = run.started_at or utcnow()
        run.resume_at = None
        run.detail = ""
        self.heartbeat()
        try:
            connector = build_connector(connection, run, self.log)
            ensure_transfers(connection)
            if not run.total:
                run.total = _count_open(connection.id, run.scope)
                db.session.commit()
            chart = Chart.load(connection.company_id, connection.id)
            self._reconcile(connector, chart)
            self._send_in_order(connector, chart)
            if self._scope_still_ready():
                # A Retry pressed while this run was under way (widening a scoped run, or
                # joining this one) came after the record's kind had gone by: one more pass
                # sends it now, not next time.
                self._send_in_order(connector, chart)
            self._reconcile(connector, chart)  # outcomes that came back uncertain
            self._pause_for_waiting_records()
            self._pause_while_uncertain()
        except RateLimitedError as exc:
            self._pause(exc.after, f"{self.cls.title} asked us to slow down ({exc.problem})")
            return
        except RunPaused as exc:
            self._pause(exc.after, exc.problem)
            return
        except (AuthLostError, RunStopped) as exc:
            if isinstance(exc, AuthLostError) and self.connection.status == CONNECTED:
                mark_reconnect_needed(self.connection, str(exc))
            self._finish(
                "failed",
                f"{self.cls.title} no longer accepts Ledgerlink's access: "
                "reconnect it, then press Send Data.",
            )
            return
        except (RunTakenOver, OperationalError, RedisError):
            raise  # our database or Redis went away: the sweep resumes the run once it is back
        except StopRequested:
            raise  # the worker is stopping (SIGTERM): the run is queued again, not failed
        except Exception as exc:  # noqa: BLE001 - a fault of ours must end the run, not loop it
            self._fail_on_error(exc)
            return
        self._finish("finished", "")

    def _fail_on_error(self, exc: Exception) -> None:
        """A fault that would come again on every resume (a bug, a value our database refuses)
        ends the run in words, instead of the sweep retrying it for ever. What was being sent
        stays claimed until its lease runs out, then is looked up before anything is resent."""
        db.session.rollback()  # first: the failed flush leaves the session unusable
        _log.exception("run %s stopped on an unexpected error", self.run.id)
        problem = f"{type(exc).__name__}: {exc}"
        self._finish(
            "failed",
            f"Ledgerlink stopped this run on an error of its own ({problem[:300]}). Nothing is "
            f"lost: what it was sending is looked up in {self.cls.title} before anything is "
            "sent again. Press Send Data to carry on, and tell your administrator if this "
            "comes back.",
        )

    def _send_in_order(self, connector: Connector, chart: Chart) -> None:
        for kind in KIND_ORDER:
            if kind == LINK_BEFORE_KIND:
                self._link_before_cutoff(connector)
            plan_kind(self.connection, kind, chart, self.cls.title, self.run.id)
            if kind in CONTACT_KINDS:
                self._look_before_creating(connector, kind)
            self._push_kind(connector, kind, chart)

    def _link_before_cutoff(self, connector: Connector) -> None:
        self.refresh.call(
            connector, lambda: link_before_cutoff(self.connection, connector, self.run.scope))

    def _scope_still_ready(self) -> bool:
        return bool(db.session.execute(_in_scope(
            db.select(db.func.count(Transfer.id)).filter(
                Transfer.connection_id == self.connection.id,
                Transfer.state == PENDING,
                Transfer.not_before.is_(None),
            ), self.run.scope)
        ).scalar_one())

    def _reconcile(self, connector: Connector, chart: Chart) -> None:
        sent = self.refresh.call(connector, lambda: reconcile(self.connection, connector, chart))
        self.run.sent += sent

    def _look_before_creating(self, connector: Connector, kind: str) -> None:
        """Contacts already in the package are linked, likely twins held (precreate.py)."""
        args = (self.connection, connector, kind, self.cls.title, self.package_contacts)
        try:
            sent = self.refresh.call(connector, lambda: look_before_creating(*args))
            self.run.sent += sent
        except ContactLookupFailed as exc:
            raise RunPaused(exc.after, exc.problem) from exc

    def _push_kind(self, connector: Connector, kind: str, chart: Chart) -> None:
        size = max(1, int(self.cls.limits.batch_size.get(kind, 1)))
        lease = int(self.config.get("LEASE_SECONDS", 300))
        while True:
            batch = claim_batch(self.connection.id, kind, size, lease, self.run.scope)
            if not batch:
                return
            rows = load_rows(kind, [t.record_id for t in batch])
            labels = {t.id: label(kind, rows[t.record_id]) for t in batch if t.record_id in rows}
            result = push_batch(connector, kind, batch, chart, self.log, self.run.id, labels)
            self.run.sent += result.sent
            self.run.failed += result.failed
            self.heartbeat()
            if result.auth_lost:
                self.refresh.after_refusal(connector, result.auth_lost)
                continue
            if result.pause_for is not None:
                raise RunPaused(
                    result.pause_for,
                    f"{self.cls.title} asked us to slow down ({result.pause_problem or 'limit'})",
                )

    def _pause_while_uncertain(self) -> None:
        """Sends we could not confirm even by looking them up (the package is slow or down)
        are not done either: try again shortly rather than call the run finished."""
        open_claims = db.session.execute(_in_scope(
            db.select(db.func.count(Transfer.id)).filter(
                Transfer.connection_id == self.connection.id, Transfer.state == SENDING
            ), self.run.scope)
        ).scalar_one()
        if open_claims:
            raise RunPaused(
                15, f"{self.cls.title} has not confirmed {open_claims} record(s) yet"
            )

    def _pause_for_waiting_records(self) -> None:
        """Records the package told us to hold back are not done: wait for them rather than
        finish (a resumed run can wake a moment before their time, as RQ schedules in whole
        seconds)."""
        latest = db.session.execute(_in_scope(
            db.select(db.func.max(Transfer.not_before)).filter(
                Transfer.connection_id == self.connection.id,
                Transfer.state == PENDING,
                Transfer.not_before > utcnow(),
            ), self.run.scope)
        ).scalar_one_or_none()
        if latest is not None:
            raise RunPaused(
                (latest - utcnow()).total_seconds(),
                f"{self.cls.title} asked us to hold some records back",
            )

    def _pause(self, after: float, problem: str) -> None:
        self.run.status = "waiting"
        self.run.resume_at = utcnow() + timedelta(seconds=after)
        self.run.detail = f"{problem}; carrying on at {self.run.resume_at:%H:%M:%S} UTC."
        db.session.commit()
        # RQ schedules in whole seconds: round up so the run never wakes before its time.
        enqueue_run(self.run.id, delay_seconds=math.ceil(after) + 1)

    def _finish(self, status: str, detail: str) -> None:
        self.run.status = status
        self.run.detail = detail
        self.run.blocked = _count_state(self.connection.id, BLOCKED, self.run.scope)
        # Records our own checks stopped count as failed too: the bookkeeper must act on them.
        self.run.failed += _count_preflight_failures(
            self.connection.id, self.run.started_at, self.run.scope
        )
        self.run.finished_at = utcnow()
        if self.connection.schedule == "automatic":
            interval = int(self.config.get("SEND_INTERVAL_SECONDS", 7200))
            self.connection.next_run_at = utcnow() + timedelta(seconds=interval)
        db.session.commit()


_log = logging.getLogger(__name__)


def execute_run(run_id: int) -> None:
    run = db.session.get(Run, run_id)
    if run is None or not run.is_active:
        return
    RunExecutor(run).execute()
