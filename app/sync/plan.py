"""Deciding what is ready to go: transfers for every record, the cut-off date, dependencies
(blocked with the reason) and pre-flight checks (failed with an explanation before any call)."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import (
    Connection,
    Contact,
    Document,
    PackageList,
    Payment,
    Transfer,
    TransferEvent,
)
from app.models.transfer import (
    BLOCKED,
    DO_NOT_SEND,
    FAILED,
    IN_PACKAGE,
    PENDING,
    new_key,
)
from app.sync.canonical import Chart, preflight
from app.sync.cutoff import NOT_FOUND, explain_before_cutoff, is_before_cutoff
from app.sync.explain import (
    Explanation,
    explain_blocked,
    explain_preflight,
    explain_waiting_for_lists,
)
from app.sync.records import (
    ParentRef,
    load_rows,
    load_transfers,
    parent_label,
    parents_of,
)
from connectors import connector_class
from connectors.capabilities import ListsFromDesktop

# Failures found by our own checks: re-checked on every run, so fixing the mapping is enough.
PREFLIGHT_REASONS = (
    "unmapped_account",
    "unmapped_tax_rate",
    "totals_mismatch",
    "allocations_mismatch",
    "allocation_exceeds_invoice",
    "no_lines",
)
PLAN_CHUNK = 500
POSSIBLE_DUPLICATE = "possible_duplicate"  # a contact held back: it may be in the package


def set_state(
    t: Transfer,
    state: str,
    explanation: Explanation | None = None,
    note: str = "",
    blocked_by: Transfer | None = None,
    actor: str = "",
    run_id: int | None = None,
) -> None:
    """Move a transfer and record the move in its history (`actor`: the person who did it)."""
    text = explanation.text if explanation else ""
    if t.state == state and t.explanation == text:
        return
    db.session.add(
        TransferEvent(transfer_id=t.id, from_state=t.state, to_state=state, note=note or text,
                      actor=actor, run_id=run_id)
    )
    t.state = state
    t.reason = explanation.reason if explanation else ""
    t.explanation = text
    t.fix_hint = explanation.fix if explanation else ""
    t.blocked_by_id = blocked_by.id if blocked_by else None
    if state != FAILED:
        t.package_message = ""


def ensure_transfers(connection: Connection) -> int:
    """A transfer row for every record of the company on this connection; returns how many
    were added (records created before the connection existed, or imported)."""
    added = 0
    for kind, model, kind_filter in (
        ("customer", Contact, Contact.kind == "customer"),
        ("supplier", Contact, Contact.kind == "supplier"),
        ("invoice", Document, Document.kind == "invoice"),
        ("credit_note", Document, Document.kind == "credit_note"),
        ("payment", Payment, None),
    ):
        have = db.select(Transfer.record_id).filter(
            Transfer.connection_id == connection.id, Transfer.record_type == kind
        )
        stmt = db.select(model.id).filter(
            model.company_id == connection.company_id, model.id.not_in(have)
        )
        if kind_filter is not None:
            stmt = stmt.filter(kind_filter)
        ids = list(db.session.execute(stmt).scalars())
        db.session.add_all(
            Transfer(
                company_id=connection.company_id,
                connection_id=connection.id,
                record_type=kind,
                record_id=rid,
                state=PENDING,
                idempotency_key=new_key(),
            )
            for rid in ids
        )
        added += len(ids)
    db.session.commit()
    return added


def _record_date(row: object) -> date | None:
    return getattr(row, "date", None)


def plan_kind(
    connection: Connection, kind: str, chart: Chart, package_title: str,
    run_id: int | None = None,
) -> None:
    """Re-evaluate this kind's pending, blocked and pre-flight-failed transfers (`run_id`: the
    run doing it, kept with what its checks stopped)."""
    stmt = (
        db.select(Transfer)
        .filter(
            Transfer.connection_id == connection.id,
            Transfer.record_type == kind,
            db.or_(
                Transfer.state.in_((PENDING, BLOCKED)),
                db.and_(Transfer.state == FAILED, Transfer.reason.in_(PREFLIGHT_REASONS)),
            ),
            # A possible duplicate waits for the bookkeeper, not for a run (precreate.py).
            db.not_(db.and_(Transfer.state == BLOCKED, Transfer.reason == POSSIBLE_DUPLICATE)),
        )
        .order_by(Transfer.id)
    )
    transfers = list(db.session.execute(stmt).scalars())
    for start in range(0, len(transfers), PLAN_CHUNK):
        _plan_chunk(connection, kind, transfers[start : start + PLAN_CHUNK], chart, package_title,
                    run_id)
        db.session.commit()


def _plan_chunk(
    connection: Connection, kind: str, transfers: list[Transfer], chart: Chart, package_title: str,
    run_id: int | None = None,
) -> None:
    rows = load_rows(kind, [t.record_id for t in transfers])
    refs_by_transfer = {
        t.id: parents_of(kind, rows[t.record_id]) for t in transfers if t.record_id in rows
    }
    all_refs = [r for refs in refs_by_transfer.values() for r in refs]
    parent_transfers = load_transfers(connection.id, all_refs)
    parent_rows = {
        k: load_rows(k, [r.record_id for r in all_refs if r.kind == k])
        for k in {r.kind for r in all_refs}
    }
    lists_awaited = _lists_awaited(connection)
    for t in transfers:
        row = rows.get(t.record_id)
        if row is None:  # the record was deleted from under us
            set_state(
                t,
                DO_NOT_SEND,
                Explanation(
                    "record_missing", "The record no longer exists in Ledgerlink.", "Nothing to do."
                ),
            )
            continue
        when = _record_date(row)
        if connection.cutoff_date and when and when < connection.cutoff_date:
            set_state(t, DO_NOT_SEND,
                      explain_before_cutoff(when, connection.cutoff_date, package_title))
            continue
        waiting = _first_unready_parent(refs_by_transfer.get(t.id, []), parent_transfers)
        if waiting is not None:
            ref, parent = waiting
            state = parent.state if parent is not None else "needs_link"
            if parent is not None and is_before_cutoff(parent):
                state = "not_found" if parent.reason == NOT_FOUND else "before_cutoff"
            elif parent is not None and parent.reason == POSSIBLE_DUPLICATE:
                state = POSSIBLE_DUPLICATE
            why = explain_blocked(parent_label(ref, parent_rows), state, package_title)
            set_state(t, BLOCKED, why, blocked_by=parent)
            continue
        problem = preflight(kind, row, chart)
        if problem is not None:
            why = explain_preflight(problem.reason, package_title, problem.details)
            if problem.reason in UNMAPPED and lists_awaited:
                why = explain_waiting_for_lists(problem.reason, package_title, lists_awaited)
            set_state(t, FAILED, why, run_id=run_id)
            continue
        set_state(t, PENDING, note="ready to send")


UNMAPPED = ("unmapped_account", "unmapped_tax_rate")


def _lists_awaited(connection: Connection) -> str:
    """What must run on the customer's computer before anything can be mapped (the pull
    connector's `collector`), when a package whose lists only its desktop side sends has not
    sent them; "" otherwise. An unmapped record then waits for the lists, not for the bookkeeper."""
    cls = connector_class(connection.package)
    if not issubclass(cls, ListsFromDesktop):
        return ""
    if db.session.execute(
            db.select(PackageList.id).filter_by(connection_id=connection.id).limit(1)).first():
        return ""
    return str(getattr(cls, "collector", "the agent"))


def in_package(t: Transfer) -> bool:
    """The record is in the package: we sent it, or it was there before the cut-off and was
    found (or linked) there."""
    if not t.external_id:
        return False
    return t.state in IN_PACKAGE or is_before_cutoff(t)


def _first_unready_parent(
    refs: list[ParentRef], parents: dict[ParentRef, Transfer]
) -> tuple[ParentRef, Transfer | None] | None:
    for ref in refs:
        parent = parents.get(ref)
        if parent is None or not in_package(parent):
            return ref, parent
    return None
