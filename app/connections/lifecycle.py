"""A connection after it is made: the one-time import job, schedule and cut-off, disconnect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.extensions import db
from app.models import Connection
from app.models.connection import DISCONNECTED
from app.queue import enqueue
from app.redis_conn import get_redis
from app.sync.pulled_contacts import arrived, is_pulled
from connectors import connector_class
from connectors.capabilities import OAuth2Auth

IMPORT_JOB_SECONDS = 24 * 3600  # how long a connection remembers its import job
IMPORT_JOB = "app.jobs.import_contacts"  # enqueued by path: nothing here imports app.jobs


class ImportNotOffered(Exception):
    """The import already ran for this connection: it runs once only."""


class ImportNotReady(Exception):
    """A pull package's contacts have not come from its desktop side yet (words inside)."""


def _import_key(connection_id: int) -> str:
    return f"ledgerlink:import-job:{connection_id}"


def import_job_id(connection: Connection) -> str | None:
    raw = get_redis().get(_import_key(connection.id))
    return raw.decode() if isinstance(raw, bytes) else raw


def start_import(connection: Connection) -> str:
    """Queue the one-time import; a second click (or a second admin) joins the queued job."""
    if connection.imported_at is not None:
        raise ImportNotOffered(connection.id)
    if is_pulled(connection) and not arrived(connection):
        title = connector_class(connection.package).title
        raise ImportNotReady(
            f"{title}'s customers and suppliers have not arrived yet: they come with its "
            f"lists the first time the computer with {title} checks in with Ledgerlink (for "
            "the Web Connector: press Update Selected there). Then import.")
    existing = import_job_id(connection)
    if existing:
        status = _job_status(existing)
        if status in ("queued", "started", "scheduled", "deferred"):
            return existing
    job = enqueue(IMPORT_JOB, connection.id, job_timeout=3600,
                  result_ttl=IMPORT_JOB_SECONDS, failure_ttl=IMPORT_JOB_SECONDS)
    get_redis().set(_import_key(connection.id), job.id, ex=IMPORT_JOB_SECONDS)
    return job.id


def _job_status(job_id: str) -> str | None:
    try:
        return Job.fetch(job_id, connection=get_redis()).get_status(refresh=True)
    except NoSuchJobError:
        return None


@dataclass
class ImportProgress:
    state: str  # queued | running | finished | failed
    seen: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problem: str = ""

    @property
    def done(self) -> bool:
        return self.state in ("finished", "failed")


def import_progress(connection: Connection, job_id: str) -> ImportProgress | None:
    """Where the connection's import job is; None if the id is not this connection's job."""
    try:
        job = Job.fetch(job_id, connection=get_redis())
    except NoSuchJobError:
        return None
    if job.func_name != IMPORT_JOB or tuple(job.args) != (connection.id,):
        return None
    status = job.get_status(refresh=True)
    seen = int(job.get_meta(refresh=True).get("seen", 0) or 0)
    title = connector_class(connection.package).title
    if status == "finished":
        result = job.return_value() or {}
        if result.get("already_running"):
            return ImportProgress("failed", seen, problem=(
                "Another import of this connection was already running. Wait a minute and "
                "reload this page to see its result."))
        return ImportProgress("finished", seen, counts=dict(result))
    if status in ("failed", "stopped", "canceled"):
        return ImportProgress("failed", seen, problem=failure_words(job, title))
    return ImportProgress("running" if status == "started" else "queued", seen)


def failure_words(job: Job, title: str) -> str:
    latest = job.latest_result()
    trace = (latest.exc_string if latest is not None else "") or ""
    last = trace.strip().splitlines()[-1] if trace.strip() else ""
    kept = ("Contacts read before the problem are kept, and importing again links them "
            "instead of creating them twice.")
    if "ImportAlreadyDone" in last:
        return last.split(":", 1)[-1].strip()
    if "AuthLost" in last:
        return (f"{title} no longer accepts Ledgerlink's access, so the import stopped. "
                f"Reconnect {title}, then import again. {kept}")
    if "Unavailable" in last or "unreachable" in last or "RateLimited" in last:
        return (f"We could not reach {title} (it may be busy or down), so the import stopped. "
                f"Try again in a few minutes. {kept}")
    detail = last.split(":", 1)[-1].strip() or "no details"
    return (f"The import stopped with an error ({detail}). Try again; if it keeps failing, "
            f"contact support. {kept}")


# ------------------------------------------------------------------ schedule and cut-off
def save_schedule(connection: Connection, schedule: str, cutoff: date | None,
                  invoice_status: str | None = None) -> None:
    """`invoice_status` (approved | draft) is kept only where the package has drafts."""
    if schedule not in ("automatic", "manual"):
        raise ValueError(f"unknown schedule {schedule!r}")
    if connector_class(connection.package).draft_invoices:
        connection.invoice_status = "draft" if invoice_status == "draft" else "approved"
    else:
        connection.invoice_status = "approved"
    if schedule == "automatic" and connection.schedule != "automatic":
        connection.next_run_at = None  # the next sweep starts the first automatic send
    connection.schedule = schedule
    connection.cutoff_date = cutoff
    db.session.commit()


# ------------------------------------------------------------------ disconnect
def disconnect(connection: Connection) -> str:
    """Stop sending to the package; history, mapping and links are kept for a reconnect.

    Returns a sentence for the person when the package could not be told (access is still
    withdrawn on our side; they can remove the app in the package themselves).
    """
    cls = connector_class(connection.package)
    warning = ""
    creds = connection.credentials
    if issubclass(cls, OAuth2Auth) and creds.refresh_token:
        try:
            cls.revoke(current_app.config, creds)
        except Exception:  # noqa: BLE001 - a network failure must not stop a disconnect
            warning = (f"We could not reach {cls.title} to withdraw Ledgerlink's access. "
                       f"Nothing more will be sent, but to be thorough remove Ledgerlink "
                       f"from the connected apps in {cls.title}'s settings.")
    # Keep which organisation it was (for reconnecting and the history's links); every
    # secret (tokens, passwords, keys) goes, whatever kind of sign-in the package has.
    connection.credentials = creds.without_secrets(cls.public_extra)
    connection.status = DISCONNECTED
    connection.status_detail = "Disconnected by an admin."
    connection.next_run_at = None
    db.session.commit()
    return warning
