"""Looking in the package before a contact is created there.

Called by the engine for customers and suppliers, after planning and before pushing. The
package's contacts are read once per run (only when a contact is about to be created) and
each contact waiting to be created is compared with them (app/sync/contact_match.py):

- an exact match (the same name once normalised, or the same email and a name 90% alike) is
  linked to it, exactly as a bookkeeper's link: nothing is created;
- a likely match holds the contact `blocked` with reason `possible_duplicate`, the candidates
  stored on the transfer for the Linking page; its invoices wait behind it. The bookkeeper
  links it, or says "create it anyway" (`create_anyway`), after which it is sent as new;
- no match: it is created as before.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import requests
from sqlalchemy import update

from app.extensions import db
from app.models import Connection, PackageList, Transfer, utcnow
from app.models.transfer import BLOCKED, IN_PACKAGE, PENDING, SENT
from app.sync.contact_match import Ours, PackageIndex, Verdict, entry_of
from app.sync.explain import Explanation
from app.sync.linking import link_transfer
from app.sync.plan import POSSIBLE_DUPLICATE, set_state
from app.sync.records import load_rows
from connectors import connector_class
from connectors.base import AuthLostError, Connector, ConnectorError, RateLimitedError
from connectors.capabilities import ListsFromDesktop

CONTACT_KINDS = ("customer", "supplier")
CONTACTS_LIST = "contacts"  # the PackageList kind the Linking page reads
FOUND_NOTE = "found in "  # the history note of a contact linked by this look-up


class ContactLookupFailed(Exception):
    """The package's contacts could not be read: creating contacts blind risks duplicates,
    so the run waits and tries again."""

    def __init__(self, after: float, problem: str) -> None:
        super().__init__(problem)
        self.after = after
        self.problem = problem


def store_contacts(connection: Connection, entries: list[dict[str, Any]]) -> None:
    """Keep the package's contacts as the Linking page's cached list (the caller commits)."""
    row = db.session.execute(
        db.select(PackageList).filter_by(connection_id=connection.id, kind=CONTACTS_LIST)
    ).scalar_one_or_none() or PackageList(connection_id=connection.id, kind=CONTACTS_LIST)
    row.data = {"supported": True, "entries": entries}
    row.fetched_at = utcnow()
    db.session.add(row)


def used_package_ids(connection: Connection) -> dict[str, dict[str, str]]:
    """Per kind, the package contacts already linked to (or created for) one of ours."""
    from app.models import Contact

    rows = db.session.execute(
        db.select(Transfer.record_type, Transfer.external_id, Contact.name)
        .join(Contact, Contact.id == Transfer.record_id)
        .where(Transfer.connection_id == connection.id,
               Transfer.record_type.in_(CONTACT_KINDS),
               Transfer.state.in_(IN_PACKAGE), Transfer.external_id.is_not(None))
    ).all()
    used: dict[str, dict[str, str]] = {k: {} for k in CONTACT_KINDS}
    for kind, external_id, name in rows:
        used[kind][str(external_id)] = name
    return used


def _read_package(connection: Connection, connector: Connector,
                  title: str) -> list[dict] | None:
    """The package's contacts, also kept for the Linking page; None if it cannot list them."""
    if issubclass(connector_class(connection.package), ListsFromDesktop):
        # Its desktop side sends them with its lists: what it sent last is what there is.
        row = db.session.execute(db.select(PackageList).filter_by(
            connection_id=connection.id, kind=CONTACTS_LIST)).scalar_one_or_none()
        return None if row is None else list((row.data or {}).get("entries", []))
    try:
        entries = [entry_of(c) for c in connector.contacts()]
    except NotImplementedError:
        return None
    except (AuthLostError, RateLimitedError):
        raise
    except (ConnectorError, requests.RequestException) as exc:
        db.session.rollback()
        # Words for the run's detail; the package's own answer is in the exchange log.
        raise ContactLookupFailed(
            60, f"{title} did not answer when we looked through its contacts, which we do "
                "before creating any") from exc
    store_contacts(connection, entries)
    db.session.commit()
    return entries


def hold_words(title: str, verdict: Verdict) -> Explanation:
    names = " or ".join(f"“{c.entry.get('name')}”" for c in verdict.likely[:3])
    why = "; ".join(", ".join(c.reasons) for c in verdict.likely[:1])
    return Explanation(
        POSSIBLE_DUPLICATE,
        f"Possibly already in {title} as {names} ({why}). Held back rather than created, so "
        f"{title} does not end up with two.",
        f"On the Linking page, link it to the {title} contact, or choose “Create it anyway”.",
    )


def _ours_in_package(connection: Connection, known: set[str],
                     span_kinds: bool) -> list[dict[str, Any]]:
    """Our contacts already in the package on this connection that the list read at the start
    of the run does not show (created by this run's customers, say, before its suppliers).
    Where one package contact can be customer and supplier, ours of either kind fits both."""
    from app.models import Contact

    rows = db.session.execute(
        db.select(Transfer.record_type, Transfer.external_id, Contact.name, Contact.email,
                  Contact.address)
        .join(Contact, Contact.id == Transfer.record_id)
        .where(Transfer.connection_id == connection.id,
               Transfer.record_type.in_(CONTACT_KINDS), Transfer.state.in_(IN_PACKAGE),
               Transfer.external_id.is_not(None))
    ).all()
    return [{"id": str(x), "name": name, "email": email or "",
             "postcode": str((address or {}).get("postcode") or ""), "active": True,
             "customer": kind == "customer" and not span_kinds,
             "supplier": kind == "supplier" and not span_kinds}
            for kind, x, name, email, address in rows if str(x) not in known]


def look_before_creating(connection: Connection, connector: Connector, kind: str, title: str,
                         cache: MutableMapping[str, Any]) -> int:
    """Link or hold every `kind` contact about to be created, and look again at those held
    (a candidate archived meanwhile, say); returns how many were linked. `cache` lives for one
    run, so the package is read at most once per run."""
    waiting = list(db.session.execute(
        db.select(Transfer).filter(
            Transfer.connection_id == connection.id, Transfer.record_type == kind,
            db.or_(Transfer.state == PENDING,
                   db.and_(Transfer.state == BLOCKED, Transfer.reason == POSSIBLE_DUPLICATE)),
            Transfer.create_anyway.is_(False))
        .order_by(Transfer.id)
    ).scalars())
    if not waiting:
        return 0
    if "entries" not in cache:
        cache["entries"] = _read_package(connection, connector, title)
    if cache["entries"] is None:
        return 0  # the package cannot list its contacts: nothing to compare with
    known = {str(e["id"]) for e in cache["entries"]}
    span_kinds = connector.contacts_span_kinds
    index = PackageIndex(cache["entries"] + _ours_in_package(connection, known, span_kinds),
                         used_package_ids(connection))
    rows = load_rows(kind, [t.record_id for t in waiting])
    linked = 0
    for t in waiting:
        row = rows.get(t.record_id)
        if row is None:
            continue
        address = row.address or {}
        verdict = index.verdict(Ours(t.id, kind, row.name, row.email or "",
                                     str(address.get("postcode") or "")))
        if verdict.exact is not None:
            linked += _link_found(t, row, verdict, title, index)
        elif verdict.likely:
            set_state(t, BLOCKED, hold_words(title, verdict))
            t.possible_duplicate = [c.stored() for c in verdict.likely]
        else:
            if t.state == BLOCKED:
                set_state(t, PENDING, note=f"no longer looks like a contact already in {title}")
            t.possible_duplicate = None
    db.session.commit()
    return linked


def _link_found(t: Transfer, row: Any, verdict: Verdict, title: str,
                index: PackageIndex) -> int:
    exact = verdict.exact
    assert exact is not None  # noqa: S101 - the caller checked
    # Guarded like a person's link: only a contact still waiting is linked.
    claimed = db.session.execute(
        update(Transfer).where(Transfer.id == t.id, Transfer.state == t.state)
        .values(state=SENT).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return 0
    external_id = str(exact.entry["id"])
    link_transfer(t, row, external_id,
                  f"{FOUND_NOTE}{title} before creating it: “{exact.entry.get('name')}” "
                  f"({', '.join(exact.reasons)}), linked instead of created")
    used = index.used
    if isinstance(used, dict):
        used.setdefault(t.record_type, {})[external_id] = row.name
    return 1
