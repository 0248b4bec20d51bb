"""Connecting a package collected by the Ledgerlink agent: the connection and its agent token
(shown once), and the agent's config file with the token in it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.agent import tokens
from app.connections.service import desktop_connection
from app.models import Connection, PullClient
from connectors import connector_class
from connectors.capabilities import AgentPackage


@dataclass
class AgentSetup:
    connection: Connection
    client: PullClient
    token: str  # shown once; only its hash is kept


def set_up(company_id: int, package: str, connection: Connection | None = None) -> AgentSetup:
    """A new connection (one company in the package: a second company is a second
    connection, with a token of its own), or `connection` again with a new token (the old one
    stops at once). New connections start manual and unstarted, as every package's do."""
    # Named for now; the agent's first heartbeat says which company it is.
    placeholder = f"{connector_class(package).title} company"
    connection = desktop_connection(company_id, package, placeholder, connection)
    client, token = tokens.issue(connection)
    return AgentSetup(connection, client, token)


def config_text(connection: Connection, token: str) -> str:
    """The agent's config file, ready to save, for the package's own template."""
    cls = connector_class(connection.package)
    template = cls.agent_config if issubclass(cls, AgentPackage) else AgentPackage.agent_config
    return template.format(server_url=current_app.config["BASE_URL"], token=token)
