"""References we choose for contacts in packages that leave the choice to us (connectors that
are ChoosesReferences: Sage 50's account refs, at most 8 characters, unique in the company).

A reference is chosen once, before the contact's first hand-out, and kept with its transfer:
the record handed out again after a lost answer carries the same one, so the desktop side's
look-up by reference finds what the lost write made instead of adding a second account. It is
unique per connection (a database index backs that) and clear of every reference the package
already has (the contact list its desktop side last sent, and what we linked).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.extensions import db
from app.models import Connection, Contact, PackageList, Transfer, utcnow
from app.sync.pulled_contacts import sent_references
from connectors.capabilities import ChoosesReferences, PullItem

_NOT_ALLOWED = re.compile(r"[^A-Z0-9]")


TAKEN_LIST = "references_taken"  # refs the package refused as another account's


def _refused_before(connection: Connection) -> set[str]:
    row = db.session.execute(db.select(PackageList).filter_by(
        connection_id=connection.id, kind=TAKEN_LIST)).scalar_one_or_none()
    return {str(r).upper() for r in ((row.data or {}).get("entries", []) if row else [])}


def refused(connection: Connection, transfer: Transfer) -> None:
    """The package gives this transfer's reference to an account we did not make (one made
    since its desktop side last sent its contacts): remember it as taken, and free the
    transfer's, so that a Retry chooses another (the caller commits)."""
    if not transfer.package_ref:
        return
    row = db.session.execute(db.select(PackageList).filter_by(
        connection_id=connection.id, kind=TAKEN_LIST)).scalar_one_or_none()
    if row is None:
        row = PackageList(connection_id=connection.id, kind=TAKEN_LIST, data={"entries": []})
        db.session.add(row)
    entries = sorted({*((row.data or {}).get("entries", [])), transfer.package_ref})
    row.data, row.fetched_at = {"entries": entries}, utcnow()
    transfer.package_ref = ""


def _taken(connection: Connection) -> set[str]:
    ours = db.session.execute(
        db.select(Transfer.package_ref, Transfer.external_id).filter(
            Transfer.connection_id == connection.id,
            Transfer.record_type.in_(("customer", "supplier")),
        )).all()
    found = {ref.upper() for ref, _ in ours if ref}
    found |= {str(ext).upper() for _, ext in ours if ext}
    return found | sent_references(connection) | _refused_before(connection)


def fit(stem: str, length: int, taken: set[str]) -> str:
    """`stem` cut to `length`, or, when another has it, shortened to make room for the
    smallest number that makes it unique ("ACMEHEAT", "ACMEHEA2", ..., "ACMEH100")."""
    base = _NOT_ALLOWED.sub("", stem.upper()) or "AC"
    if base[:length] not in taken:
        return base[:length]
    number = 2
    while True:
        suffix = str(number)
        candidate = base[: max(1, length - len(suffix))] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def assign(connection: Connection, connector: ChoosesReferences,
           items: Sequence[PullItem]) -> list[PullItem]:
    """The items with their references, choosing (and storing, uncommitted) one for each
    transfer that has none yet; items of other packages pass through unchanged."""
    ids = [int(i.request_id) for i in items]
    transfers = {t.id: t for t in db.session.execute(
        db.select(Transfer).filter(Transfer.id.in_(ids))).scalars()}
    taken: set[str] | None = None
    done: list[PullItem] = []
    for item in items:
        t = transfers[int(item.request_id)]
        if not t.package_ref:
            if taken is None:
                taken = _taken(connection)
            t.package_ref = fit(connector.reference_stem(item.record),
                                connector.reference_length, taken)
            taken.add(t.package_ref)
        done.append(PullItem(item.request_id, item.record, item.external_id, item.stage,
                             t.package_ref))
    db.session.flush()
    return done


def chosen(connection: Connection, limit: int = 100) -> tuple[list[tuple[str, str, str]], int]:
    """The references chosen on this connection, newest first: (our contact's name, customer
    or supplier, the reference); and how many there are. For the Linking page, where a
    bookkeeper looks up which account in the package is which of ours."""
    base = (db.select(Contact.name, Transfer.record_type, Transfer.package_ref)
            .join(Contact, Contact.id == Transfer.record_id)
            .filter(Transfer.connection_id == connection.id, Transfer.package_ref != "",
                    Transfer.record_type.in_(("customer", "supplier"))))
    total = db.session.execute(
        db.select(db.func.count()).select_from(base.subquery())).scalar_one()
    rows = db.session.execute(base.order_by(Transfer.id.desc()).limit(limit)).all()
    return [(name, kind, ref) for name, kind, ref in rows], total
