"""Agent tokens: one per connection, shown once in the wizard, stored as a SHA-256 only
(a random 256-bit secret needs no slow hash), replaced whole when rotated.

A token reads "agent-<connection id>.<secret>": the part before the dot finds the client row,
the secret is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from app.extensions import db
from app.models import Connection, PullClient

PREFIX = "agent-"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def username_for(connection: Connection) -> str:
    return f"{PREFIX}{connection.id}"


def issue(connection: Connection) -> tuple[PullClient, str]:
    """A new token for the connection's agent (the old one stops working at once)."""
    client = db.session.execute(
        db.select(PullClient).filter_by(connection_id=connection.id)).scalar_one_or_none()
    if client is None:
        client = PullClient(connection_id=connection.id, username=username_for(connection))
        db.session.add(client)
    secret = secrets.token_urlsafe(32)
    client.secret_hash = _hash(secret)
    # A new token is a new start: whichever install held the connection must sign in again.
    client.holder_id, client.holder_until = "", None
    db.session.commit()
    return client, f"{client.username}.{secret}"


def client_for(token: str) -> PullClient | None:
    """The client a bearer token belongs to, or None."""
    username, _, secret = (token or "").strip().partition(".")
    if not username.startswith(PREFIX) or not secret or len(token) > 200:
        return None
    client = db.session.execute(
        db.select(PullClient).filter_by(username=username)).scalar_one_or_none()
    stored = client.secret_hash if client is not None else ""
    if not stored or not hmac.compare_digest(stored, _hash(secret)):
        return None
    return client
