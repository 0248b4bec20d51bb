"""Reading a request's fields, and finding the list objects it refers to.

The schema (when configured) has already checked types and order; without it a field that
cannot be read is a 3180 refusal naming it, never a crash. A reference is a ListID and/or a
FullName: when both are given QuickBooks goes by the ListID (Intuit's CustomerAdd reference:
"if a CustomerRef aggregate includes both FullName and ListID, FullName will be ignored").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from lxml import etree

from sandboxes.quickbooks_desktop import store
from sandboxes.quickbooks_desktop.replies import invalid_reference, save_error


class Ref(NamedTuple):
    list_id: str
    full_name: str

    @property
    def shown(self) -> str:
        """What a 3140 quotes: what was looked up, the ListID when there is one (unverified:
        which of the two QuickBooks quotes)."""
        return self.list_id or self.full_name


def text(element: etree._Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def decimal(element: etree._Element, path: str, kind: str) -> Decimal | None:
    raw = text(element, path)
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise save_error(kind, f'"{raw}" in {path} is not a number.') from None
    if not value.is_finite():
        raise save_error(kind, f'"{raw}" in {path} is not a number.')
    return value


def boolean(element: etree._Element, path: str, default: bool) -> bool:
    raw = text(element, path).lower()
    return default if not raw else raw in ("true", "1")


def a_date(element: etree._Element, path: str, kind: str) -> date | None:
    raw = text(element, path)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise save_error(kind, f'"{raw}" in {path} is not a date.') from None


def open_period(company: str, when: date, where: str) -> None:
    """A transaction dated on or before the company file's closing date is refused.

    unverified: QuickBooks asks its own user for the closing-date password; through qbXML the
    code (3180 here) and words are a guess, worded so that "closing date" names the cause."""
    closing = (store.company(company) or {}).get("closing_date")
    if closing and when <= date.fromisoformat(closing):
        raise save_error(where, f"The transaction date {when.isoformat()} is on or before the "
                                f"closing date of the company file ({closing}).")


def ref(element: etree._Element, tag: str) -> Ref | None:
    block = element.find(tag)
    if block is None:
        return None
    found = Ref(text(block, "ListID"), text(block, "FullName"))
    return found if found.list_id or found.full_name else None


def lookup(company: str, collection: str, wanted: Ref) -> dict[str, Any] | None:
    if wanted.list_id:
        return store.get_data(company, collection, wanted.list_id)
    matches = store.by_ref(company, collection, wanted.full_name)
    return matches[0] if matches else None


def resolve(company: str, collection: str, wanted: Ref, kind: str, where: str
            ) -> dict[str, Any]:
    """The object referred to, or the 3140 QuickBooks gives for a reference to nothing."""
    found = lookup(company, collection, wanted)
    if found is None:
        raise invalid_reference(kind, wanted.shown, where)
    return found


def required_ref(element: etree._Element, tag: str, where: str) -> Ref:
    found = ref(element, tag)
    if found is None:
        raise save_error(where, f"{tag} is required.")
    return found
