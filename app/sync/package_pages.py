"""Where a record we sent can be seen in the package itself ("Open in Xero").

Each connector that is WebPages says how its pages are addressed (`web_page`); one without
that declaration simply gets no link.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.extensions import db
from app.models import Connection, Transfer
from app.models.transfer import IN_PACKAGE


@dataclass(frozen=True)
class PackageLink:
    url: str
    label: str  # "Open in Xero"


def package_link(transfer: Transfer) -> PackageLink | None:
    """The record's own page in the package, for a record that is there; else None."""
    if transfer.state not in IN_PACKAGE or not transfer.external_id:
        return None
    connection = db.session.get(Connection, transfer.connection_id)
    if connection is None or connection.company_id != transfer.company_id:
        return None
    try:
        from connectors import connector_class
        from connectors.capabilities import WebPages

        cls = connector_class(connection.package)
    except (KeyError, ImportError):
        return None
    if not issubclass(cls, WebPages):
        return None
    try:
        extra = connection.credentials.extra
    except Exception:  # noqa: BLE001 - unreadable credentials: the link without them
        extra = {}
    url = cls.web_page(current_app.config, transfer.record_type, transfer.external_id, extra)
    return PackageLink(url, f"Open in {cls.title}") if url else None
