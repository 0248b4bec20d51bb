"""The package's contacts, cached per connection for the Linking page.

Fetched with fresh tokens and inside the connection's shared call budget (the engine's
build_connector), then kept in PackageList (kind "contacts"), so paging through the Linking
page never calls the package; "Refresh contacts" fetches again. Problems come back in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests

from app.extensions import db
from app.models import Connection, PackageList
from app.models.connection import CONNECTED
from app.packages.problems import Problem, read_problem
from app.sync.access import with_package
from app.sync.contact_match import entry_of
from app.sync.precreate import CONTACTS_LIST, store_contacts
from connectors import connector_class
from connectors.base import AuthLostError, ConnectorError
from connectors.capabilities import ListsFromDesktop

KIND = CONTACTS_LIST


@dataclass
class PackageContacts:
    """The package's contacts as last fetched; `loaded` is False until the first fetch."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    fetched_at: datetime | None = None
    loaded: bool = False
    problem: Problem | None = None

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {str(e["id"]): e for e in self.entries}

    @property
    def active_count(self) -> int:
        return sum(1 for e in self.entries if e.get("active", True))


def title_of(connection: Connection) -> str:
    return connector_class(connection.package).title


def cached(connection: Connection) -> PackageContacts:
    row = db.session.execute(
        db.select(PackageList).filter_by(connection_id=connection.id, kind=KIND)
    ).scalar_one_or_none()
    if row is None:
        return PackageContacts()
    return PackageContacts(list((row.data or {}).get("entries", [])), row.fetched_at, True)


def problem_words(connection: Connection, exc: Exception) -> Problem:
    if isinstance(exc, NotImplementedError):
        return Problem(f"{title_of(connection)} does not let us read its contacts, so we cannot "
                       "suggest matches. Each customer and supplier will be created as new.")
    return read_problem(connection, exc, "contacts", "Refresh contacts")


def fetch(connection: Connection) -> PackageContacts:
    """Fetch every contact from the package and cache the list. On failure: the cached list
    (if any) with the problem in words; nothing cached is lost."""
    if connection.status != CONNECTED:
        found = cached(connection)
        found.problem = problem_words(connection, AuthLostError(connection.status))
        return found
    if issubclass(connector_class(connection.package), ListsFromDesktop):
        found = cached(connection)
        found.problem = Problem(
            f"{title_of(connection)}'s customers and suppliers come with its lists, each time "
            "its desktop side checks in with Ledgerlink; these are the ones it sent last."
            if found.loaded else
            f"{title_of(connection)}'s customers and suppliers have not arrived yet: they come "
            "with its lists, the next time its desktop side checks in with Ledgerlink.")
        return found
    try:
        entries = with_package(connection, lambda c: [entry_of(x) for x in c.contacts()])
    except (ConnectorError, requests.RequestException, NotImplementedError) as exc:
        db.session.rollback()
        found = cached(connection)
        found.problem = problem_words(connection, exc)
        return found
    store_contacts(connection, entries)
    db.session.commit()
    return cached(connection)


def contacts_for(connection: Connection) -> PackageContacts:
    """The cached list, fetched first if there is none yet."""
    found = cached(connection)
    return found if found.loaded else fetch(connection)
