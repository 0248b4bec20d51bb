"""Fresh credentials for a connection, renewed once across all workers.

Refresh tokens rotate (Xero, Sage, QuickBooks Online): two workers refreshing at once would
burn the token. So refreshing happens under a per-connection Redis lock, after re-reading the
stored credentials, and the rotated pair is committed before it is used.

Every call to the package gets its credentials here (`keep_fresh`, hooked in before each
request), not only the start of a run: Sage Accounting's access tokens live five minutes, so a
long run outlives several. OAuth packages refresh; session-token packages signed into with a
form log in again (`CredentialsLogin.renew`).
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
from connectors.capabilities import CredentialsLogin, OAuth2Auth

REFRESH_MARGIN_SECONDS = 120

T = TypeVar("T")


def mark_reconnect_needed(connection: Connection, detail: str) -> None:
    connection.status = RECONNECT_NEEDED
    connection.status_detail = detail
    db.session.commit()


def _renewable(cls: type[Connector]) -> bool:
    return issubclass(cls, CredentialsLogin | OAuth2Auth)


def _due(cls: type[Connector], creds: Credentials) -> bool:
    """True when the credentials should be renewed before the next call. A login without a
    stated expiry (an API key) is renewed only when the package refuses it."""
    if issubclass(cls, CredentialsLogin) and not creds.expires_at:
        return False
    return creds.expires_within(REFRESH_MARGIN_SECONDS)


def _renew(cls: type[Connector], creds: Credentials) -> Credentials:
    # A form sign-in comes first: such a package's session may also carry a refresh token
    # (tests' LoginXero), but logging in again is what it promises.
    if issubclass(cls, CredentialsLogin):
        return cls.renew(current_app.config, creds)
    return cls.refresh(current_app.config, creds)  # type: ignore[attr-defined]


def fresh_credentials(connection: Connection, force: bool = False) -> Credentials:
    """Credentials good for at least REFRESH_MARGIN_SECONDS (two minutes).

    Raises AuthLostError (after marking the connection "reconnect needed") when the package
    no longer accepts the refresh token or the stored login.
    """
    creds = connection.credentials
    cls = connector_class(connection.package)
    if not _renewable(cls) or (not force and not _due(cls, creds)):
        return creds
    stale_access_token = creds.access_token
    lock = get_redis().lock(
        f"ledgerlink:token-refresh:{connection.id}", timeout=60, blocking_timeout=60
    )
    with lock:
        db.session.refresh(connection)
        creds = connection.credentials
        # Another worker may have refreshed while we waited for the lock.
        if creds.access_token != stale_access_token and not _due(cls, creds):
            return creds
        try:
            new = _renew(cls, creds)
        except AuthLostError as exc:
            mark_reconnect_needed(
                connection, f"{cls.title} no longer accepts Ledgerlink's access: {exc}"
            )
            raise
        connection.credentials = new
        db.session.commit()
        return new


def keep_fresh(connection: Connection, connector: Connector) -> None:
    """Before a call: give the connector credentials good for it, renewing ahead of expiry.

    Cheap when nothing is due (no database, no lock). When due, the session is committed
    first, as before a forced refresh: our pending writes would hold the database while the
    renewal needs it (a sandbox package shares it; so do the other workers). Nothing of the
    connection row is read unless renewal is due: reading it opens a transaction that would
    hold the database during the call."""
    cls = type(connector)
    if not _renewable(cls) or not _due(cls, connector.credentials):
        return
    db.session.commit()
    new = fresh_credentials(connection)
    if new != connector.credentials:
        connector.credentials = new


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
