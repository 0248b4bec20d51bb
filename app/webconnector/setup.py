"""Connecting a Web Connector package: the connection, its Web Connector user and password
(shown once), and the .qwc file the bookkeeper adds to the Web Connector."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for

from app.connections.service import desktop_connection
from app.extensions import db
from app.models import Company, Connection, PullClient
from app.webconnector import tickets
from connectors import connector_class
from connectors.capabilities import PullConnector, WebConnectorContract


@dataclass
class Setup:
    connection: Connection
    client: PullClient
    password: str  # shown once; only its hash is kept


def set_up(company_id: int, package: str, connection: Connection | None = None) -> Setup:
    """A new connection (one company file: a second file is a second connection, with a Web
    Connector user of its own), or `connection` again with a new password. New connections
    start manual and unstarted, as every package's do: nothing goes before the mapping and
    the preview."""
    # Named for now; the Web Connector's first call says which company file it is.
    placeholder = f"{connector_class(package).title} company file"
    connection = desktop_connection(company_id, package, placeholder, connection)
    client, password = tickets.set_up_client(connection)
    return Setup(connection, client, password)


def run_every_minutes(package: str) -> int:
    """The .qwc file's RunEveryNMinutes: the package's own schedule."""
    cls = connector_class(package)
    return cls.schedule_minutes(current_app.config) if issubclass(cls, PullConnector) else 60


def qwc_for(connection: Connection) -> bytes:
    """The .qwc file; ValueError (in words) when this server cannot be reached the way the
    Web Connector requires (https, or the same PC)."""
    client = tickets.client_of(connection.id)
    if client is None:
        raise ValueError("Set up the Web Connector user first.")
    company = db.session.get(Company, connection.company_id)
    cls = connector_class(connection.package)
    if not issubclass(cls, WebConnectorContract):
        raise ValueError(f"{cls.title} is not collected through the Web Connector.")
    try:
        return cls.qwc_file(
            app_name=f"Ledgerlink ({company.name if company else connection.tenant_name})"[:80],
            app_url=url_for("webconnector.endpoint", _external=True),
            support_url=url_for("webconnector.support", _external=True),
            username=client.username,
            owner_id=client.owner_id, file_id=client.file_id,
            run_every_minutes=run_every_minutes(connection.package),
            description=f"Sends your job system's records into {cls.title}.",
        )
    except ValueError as exc:
        raise ValueError(
            f"The Web Connector cannot use this Ledgerlink address ({exc}). Serve Ledgerlink "
            "over https (set BASE_URL to its https address), or run the Web Connector on the "
            "same computer.") from exc
