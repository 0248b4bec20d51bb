"""Calling a package outside a run (lists for mapping, contacts for linking)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.models import Connection
from app.models.connection import RECONNECT_NEEDED
from app.sync.audit import ExchangeLog
from app.sync.engine import build_connector
from app.sync.tokens import OneForcedRefresh, mark_reconnect_needed
from connectors import connector_class
from connectors.base import AuthLostError, Connector


def with_package(connection: Connection, action: Callable[[Connector], Any]) -> Any:
    """Run `action` with a connector for the connection (fresh tokens, the shared call budget).

    One forced token refresh if the package refuses the access token (it can die before its
    stated expiry), as the engine does; a second refusal means access is gone, and the
    connection is marked "reconnect needed".
    """
    connector = build_connector(connection, None, ExchangeLog())
    try:
        return OneForcedRefresh(connection).call(connector, lambda: action(connector))
    except AuthLostError as exc:
        if connection.status != RECONNECT_NEEDED:  # not already marked by a failed refresh
            title = connector_class(connection.package).title
            mark_reconnect_needed(
                connection, f"{title} no longer accepts Ledgerlink's access: {exc}"
            )
        raise
