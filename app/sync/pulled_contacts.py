"""A pull package's customers and suppliers, as its desktop side last sent them (with its
lists), standing in for `connector.contacts()`, which cannot call the package.

Kept as the Linking page's cached list (PackageList "contacts"), with the address lines too,
so the one-time import can create our contacts whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.extensions import db
from app.models import Connection, PackageList
from app.sync.contact_match import entry_of
from app.sync.precreate import CONTACTS_LIST, store_contacts
from connectors import connector_class
from connectors.base import Address, Connector, ConnectorError, Contact
from connectors.capabilities import ListsFromDesktop


def is_pulled(connection: Connection) -> bool:
    return issubclass(connector_class(connection.package), ListsFromDesktop)


def keep(connection: Connection, contacts: Iterable[Contact]) -> None:
    """What the desktop side sent replaces the cached list (the caller commits)."""
    store_contacts(connection, [
        {**entry_of(c), "line1": c.address.line1, "line2": c.address.line2,
         "country": c.address.country} for c in contacts])


def _entries(connection: Connection) -> list[dict[str, Any]] | None:
    row = db.session.execute(db.select(PackageList).filter_by(
        connection_id=connection.id, kind=CONTACTS_LIST)).scalar_one_or_none()
    return None if row is None else list((row.data or {}).get("entries", []))


def sent_references(connection: Connection) -> set[str]:
    """Every reference (and id) among the contacts the desktop side last sent, upper case."""
    found: set[str] = set()
    for entry in _entries(connection) or []:
        for value in (entry.get("reference"), entry.get("id")):
            if value:
                found.add(str(value).upper())
    return found


def arrived(connection: Connection) -> bool:
    """Whether the desktop side has sent its contacts yet."""
    return _entries(connection) is not None


def _contact(entry: dict[str, Any]) -> Contact:
    return Contact(
        external_id=str(entry["id"]), name=str(entry.get("name") or ""),
        is_customer=bool(entry.get("customer")), is_supplier=bool(entry.get("supplier")),
        reference=str(entry.get("reference") or ""), email=str(entry.get("email") or ""),
        phone=str(entry.get("phone") or ""),
        address=Address(line1=str(entry.get("line1") or ""), line2=str(entry.get("line2") or ""),
                        city=str(entry.get("city") or ""),
                        postcode=str(entry.get("postcode") or ""),
                        country=str(entry.get("country") or "")),
        active=bool(entry.get("active", True)))


def contacts_of(connection: Connection, connector: Connector) -> Iterable[Contact]:
    """The package's contacts: read from it, or, for a pull package, as its desktop side last
    sent them (ConnectorError, in words, when it has not yet)."""
    if not is_pulled(connection):
        return connector.contacts()
    entries = _entries(connection)
    if entries is None:
        title = connector.title
        raise ConnectorError(f"{title}'s customers and suppliers have not arrived yet: they come "
                             f"with its lists, the next time it checks in with Ledgerlink.")
    return [_contact(e) for e in entries]
