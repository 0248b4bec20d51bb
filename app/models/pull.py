"""The desktop side of a pull connection (QuickBooks Desktop's Web Connector, the Sage 50
agent), and the sessions it opens with us.

Kept in the database, not in a process's memory, so that any web process can serve the next
call of a session, and a restarted one loses nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.company import utcnow


class PullClient(db.Model):
    """Who may collect a connection's records: one per connection, and a user name never
    shared between two connections (two companies must not share one Web Connector user)."""

    __tablename__ = "pull_clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), unique=True
    )
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # A password hash (werkzeug's scrypt), never the password: it is shown once, on creation.
    secret_hash: Mapped[str] = mapped_column(String(255), default="")
    # The GUIDs written into the .qwc file: the Web Connector ties the company file to them.
    owner_id: Mapped[str] = mapped_column(String(38), default="")
    file_id: Mapped[str] = mapped_column(String(38), default="")
    last_contact_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    client_version: Mapped[str] = mapped_column(String(40), default="")
    company_file: Mapped[str] = mapped_column(Text, default="")
    # The package's own version, where its desktop side says it (the agent's heartbeat).
    package_version: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # The one install of an agent collecting for this connection now, until it has been silent
    # for a lease: a second install (a copied config) is refused instead of racing the first.
    holder_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    holder_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PullSession(db.Model):
    """One session of the desktop side (a Web Connector ticket). The ticket is a bearer secret,
    so only its SHA-256 is kept."""

    __tablename__ = "pull_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # What is out with the desktop side now: a hand-out of records (its attempt id) or a
    # request for the package's lists; "" when nothing is.
    out_kind: Mapped[str] = mapped_column(String(20), default="")  # records | lists | ""
    attempt_id: Mapped[str] = mapped_column(String(32), default="")
    # The request as handed out (its list part, for reading the answer back).
    request_note: Mapped[str] = mapped_column(Text, default="")
    handed: Mapped[int] = mapped_column(default=0)  # records handed out in this session
    answered: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
