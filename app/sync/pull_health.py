"""Whether a pull connection's desktop side is checking in: its last contact, last error and
version for the dashboard, and the silences the digest warns about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from app.extensions import db
from app.models import Connection, PullClient, utcnow
from app.models.connection import CONNECTED
from connectors import connector_class
from connectors.capabilities import PullConnector

# Silent for longer than two of its runs (and a little): one missed run is a PC asleep, two is
# worth telling someone.
MISSED_RUNS = 2
SLACK = timedelta(minutes=10)


@dataclass
class PullHealth:
    connection_id: int
    title: str
    last_contact_at: datetime | None
    last_error: str
    client_version: str
    since: datetime  # the last contact, or when it was set up if it never checked in
    silent: bool
    collector: str = "the agent"  # what on the PC collects the records
    package_version: str = ""  # the package's own version, where its desktop side says it
    company: str = ""  # the company (file) it last said it is working in


def _allowed(cls: type[PullConnector]) -> timedelta:
    minutes = cls.schedule_minutes(current_app.config)
    return timedelta(minutes=max(1, minutes) * MISSED_RUNS) + SLACK


def health_of(connection: Connection, now: datetime | None = None) -> PullHealth | None:
    """None for a push connection, or a pull one whose desktop side is not set up yet (or a
    package no longer registered)."""
    try:
        cls = connector_class(connection.package)
    except KeyError:
        return None
    if not issubclass(cls, PullConnector):
        return None
    client = db.session.execute(
        db.select(PullClient).filter_by(connection_id=connection.id)).scalar_one_or_none()
    if client is None:
        return None
    since = client.last_contact_at or client.created_at
    silent = connection.status == CONNECTED and since + _allowed(cls) < (now or utcnow())
    return PullHealth(connection.id, cls.title, client.last_contact_at, client.last_error,
                      client.client_version, since, silent, cls.collector,
                      client.package_version, client.company_file)


def silent_connections(company_id: int, now: datetime | None = None) -> list[PullHealth]:
    conns = db.session.execute(
        db.select(Connection).join(PullClient, PullClient.connection_id == Connection.id)
        .filter(Connection.company_id == company_id, Connection.status == CONNECTED)).scalars()
    found = [health_of(c, now) for c in conns]
    return [h for h in found if h is not None and h.silent]


def silence_sentence(health: PullHealth) -> str:
    when = f"{health.since:%d/%m/%Y %H:%M} UTC"
    verb = "has not checked in since" if health.last_contact_at else (
        "has not checked in once since it was set up on")
    return (f"{health.title} {verb} {when}. Check that the computer with {health.title} is on, "
            f"that {health.title} is open, and that {health.collector} is running.")
