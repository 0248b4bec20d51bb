"""Fresh access tokens for a connection, refreshed once across all workers.

Refresh tokens rotate (Xero, Sage, QuickBooks Online): two workers refreshing at once would
burn the token. So refreshing happens under a per-connection Redis lock, after re-reading the
stored credentials, and the rotated pair is committed before it is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from app.extensions import db
from app.models import Connection
from app.models.connection import RECONNECT_NEEDED
from app.redis_conn import get_redis
from connectors import connector_class
from connectors.base import AuthLostError, Connector, Credentials
from connectors.capabilities import OAuth2Auth

REFRESH_MARGIN_SECONDS = 120

T = TypeVar("T")


def mark_reconnect_needed(connection: Connection, detail: str) -> None:
    connection.status = RECONNECT_NEEDED
    connection.status_detail = detail
    db.session.commit()


def fresh_credentials(connection: Connection, force: bool = False) -> Credentials:
    """Credentials with an access token good for at least two minutes.

    Raises AuthLostError (after marking the connection "reconnect needed") when the package
    no longer accepts the refresh token.
    """
    creds = connection.credentials
    cls = connector_class(connection.package)
    if not issubclass(cls, OAuth2Auth) or (
        not force and not creds.expires_within(REFRESH_MARGIN_SECONDS)
    ):
        return creds
    stale_access_token = creds.access_token
    lock = get_redis().lock(
        f"ledgerlink:token-refresh:{connection.id}", timeout=60, blocking_timeout=60
    )
    with lock:
        db.session.refresh(connection)
        creds = connection.credentials
        # Another worker may have refreshed while we waited for the lock.
        if creds.access_token != stale_access_token and not creds.expires_within(
            REFRESH_MARGIN_SECONDS
        ):
            return creds
        try:
            new = cls.refresh(current_app.config, creds)
        except AuthLostError as exc:
            mark_reconnect_needed(
                connection, f"{cls.title} no longer accepts Ledgerlink's access: {exc}"
            )
            raise
        connection.credentials = new
        db.session.commit()
        return new


class OneForcedRefresh:
    """The token-refresh rule, the same for a run (engine.py) and a call outside one
    (access.py): an access token can die before its stated expiry, so the package's first
    refusal earns one forced refresh; a refusal after that means access really is gone."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.used = False

    def after_refusal(self, connector: Connector, detail: str) -> None:
        """Give the connector refreshed credentials, or raise AuthLostError(detail) if this
        unit of work has had its refresh already."""
        if self.used:
            raise AuthLostError(detail)
        self.used = True
        db.session.commit()  # release our row locks: the refresh may need the database
        connector.credentials = fresh_credentials(self.connection, force=True)

    def call(self, connector: Connector, action: Callable[[], T]) -> T:
        """`action()`, once more after a refresh if the package refused the access token."""
        try:
            return action()
        except AuthLostError as exc:
            self.after_refusal(connector, str(exc))
            return action()
