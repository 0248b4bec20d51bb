"""Web Connector users and tickets: who may collect a connection's records, and the sessions
they open. A ticket is a bearer secret: only its SHA-256 is stored, so a copy of the database
cannot be used to answer for a session."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import Connection, PullClient, PullSession, utcnow

TICKET_SECONDS = 30 * 60  # a session longer than this is cut: its records are looked up again


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def new_password() -> str:
    """The Web Connector password: shown once, typed into the Web Connector, stored hashed."""
    return secrets.token_urlsafe(15)


def _guid() -> str:
    return "{" + str(uuid.uuid4()).upper() + "}"


def username_for(connection: Connection) -> str:
    """One Web Connector user per connection: the connection's id makes it unique, so two
    companies can never share one."""
    return f"ledgerlink-{connection.id}"


def set_up_client(connection: Connection) -> tuple[PullClient, str]:
    """The connection's Web Connector user with a new password (returned once). The .qwc's
    GUIDs are made the first time and kept: a new file for the same connection replaces the
    old one in the Web Connector instead of adding a second application."""
    client = db.session.execute(
        db.select(PullClient).filter_by(connection_id=connection.id)).scalar_one_or_none()
    if client is None:
        client = PullClient(connection_id=connection.id, username=username_for(connection),
                            owner_id=_guid(), file_id=_guid())
        db.session.add(client)
    password = new_password()
    client.secret_hash = generate_password_hash(password)
    db.session.commit()
    return client, password


def client_of(connection_id: int) -> PullClient | None:
    return db.session.execute(
        db.select(PullClient).filter_by(connection_id=connection_id)).scalar_one_or_none()


def check_login(username: str, password: str) -> PullClient | None:
    """The client these credentials belong to, or None (an unknown user costs a hash check
    too, so the answer's timing does not tell which user names exist)."""
    client = db.session.execute(
        db.select(PullClient).filter_by(username=username)).scalar_one_or_none()
    stored = client.secret_hash if client is not None and client.secret_hash else _DUMMY
    ok = check_password_hash(stored, password or "")
    return client if ok and client is not None and client.secret_hash else None


_DUMMY = generate_password_hash(secrets.token_urlsafe(8))


def open_session(connection: Connection, seconds: int = TICKET_SECONDS) -> tuple[str, PullSession]:
    ticket = secrets.token_urlsafe(24)
    now = utcnow()
    session = PullSession(ticket_hash=_hash(ticket), connection_id=connection.id,
                          created_at=now, expires_at=now + timedelta(seconds=seconds))
    db.session.add(session)
    db.session.commit()
    return ticket, session


def find_session(ticket: str) -> PullSession | None:
    """The session of a ticket, whether or not it is still open (the caller decides)."""
    if not ticket:
        return None
    return db.session.execute(
        db.select(PullSession).filter_by(ticket_hash=_hash(ticket))).scalar_one_or_none()


def is_open(session: PullSession) -> bool:
    return session.closed_at is None and session.expires_at > utcnow()
