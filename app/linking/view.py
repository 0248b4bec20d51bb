"""What the Linking page shows: one page of waiting contacts with their suggestions, the
strong matches that can be confirmed at once, and the contacts linked by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from app.linking import package, service
from app.linking.suggest import ContactIndex, Ours, Suggestion
from app.models import Connection
from app.sync import package_refs
from app.sync.plan import POSSIBLE_DUPLICATE
from app.sync.precreate import FOUND_NOTE

STRONG_SHOWN = 500  # a bulk form beyond this is unreadable; the rest show after these go


@dataclass
class Row:
    waiting: service.Waiting
    suggestions: list[Suggestion] = field(default_factory=list)
    done: str = ""  # confirmation after an action on this row
    error: str = ""
    linked: bool = False

    @property
    def transfer(self):  # type: ignore[no-untyped-def]
        return self.waiting.transfer

    @property
    def contact(self):  # type: ignore[no-untyped-def]
        return self.waiting.contact

    @property
    def held(self) -> bool:
        """Held back before creating: it may already be in the package."""
        return self.transfer.state == "blocked" and self.transfer.reason == POSSIBLE_DUPLICATE

    @property
    def held_candidates(self) -> list | None:
        """What it was held for (nothing once it is no longer held, e.g. edited since)."""
        return self.transfer.possible_duplicate if self.held else None

    @property
    def postcode(self) -> str:
        return str((self.contact.address or {}).get("postcode") or "")


@dataclass
class Page:
    connection: Connection
    title: str
    contacts: package.PackageContacts
    rows: list[Row]
    total: int
    page: int
    pages: int
    q: str
    strong: list[tuple[Ours, Suggestion]]
    strong_total: int
    linked: list[service.Linked]
    linked_total: int
    found: list[service.Linked] = field(default_factory=list)  # linked by Send Data itself
    found_total: int = 0
    message: str = ""
    refused: list[str] = field(default_factory=list)
    # Packages where we choose each contact's reference (Sage 50's account refs): which is
    # which, newest first.
    references: list[tuple[str, str, str]] = field(default_factory=list)
    references_total: int = 0


def build(connection: Connection, contacts: package.PackageContacts, page: int = 1,
          q: str = "") -> Page:
    waiting, total = service.waiting_page(connection, max(1, page), q)
    pages = max(1, math.ceil(total / service.PAGE_SIZE))
    if page > pages:  # e.g. the last page emptied by linking: show the new last page
        page = pages
        waiting, total = service.waiting_page(connection, page, q)
    rows = [Row(w) for w in waiting]
    strong: list[tuple[Ours, Suggestion]] = []
    if contacts.loaded:
        index = ContactIndex(contacts.entries, service.used_ids(connection))
        by_id = contacts.by_id()
        for row in rows:
            row.suggestions = index.with_held(index.suggest(row.waiting.ours()),
                                              row.held_candidates, by_id)
        strong = index.strong_matches(service.all_waiting(connection))
        strong.sort(key=lambda pair: pair[0].name.lower())
    linked, linked_total = service.linked_by_hand(connection, contacts.by_id())
    found, found_total = service.linked_by_hand(connection, contacts.by_id(),
                                                note=FOUND_NOTE)
    built = Page(connection, package.title_of(connection), contacts, rows, total, page, pages,
                 q, strong[:STRONG_SHOWN], len(strong), linked, linked_total, found,
                 found_total)
    built.references, built.references_total = package_refs.chosen(connection)
    return built


def row_for(connection: Connection, contacts: package.PackageContacts,
            transfer_id: int) -> Row:
    """One waiting row again (after an action), with fresh suggestions."""
    transfer, contact = service.contact_transfer(connection, transfer_id)
    row = Row(service.Waiting(transfer, contact))
    if contacts.loaded and transfer.state in service.UNSENT:
        index = ContactIndex(contacts.entries, service.used_ids(connection))
        row.suggestions = index.with_held(index.suggest(row.waiting.ours()),
                                          row.held_candidates, contacts.by_id())
    return row
