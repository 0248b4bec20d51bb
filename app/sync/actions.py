"""What a bookkeeper can do to one transfer: Retry, Mark as do not send (and undo), and Done
for a change made by hand in the package. Each checks the state it starts from, so a stale
page cannot, say, retry a record that has been sent meanwhile. Each names the person in the
record's history.

Retry sends only what was retried, plus the parents it cannot go without (a run scoped to
those transfers): never everything else waiting on the connection, which may include a contact
a bookkeeper has just unlinked on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.extensions import db
from app.models import Connection, Document, Run, Transfer, utcnow
from app.models.connection import CONNECTED
from app.models.transfer import (
    BLOCKED,
    DO_NOT_SEND,
    FAILED,
    NEEDS_MANUAL_UPDATE,
    PENDING,
    SENDING,
    SENT,
    new_key,
)
from app.records.snapshot import load_record, snapshot
from app.sync.cutoff import BEFORE_CUTOFF_REASONS, is_before_cutoff, link_found, lookup_record
from app.sync.explain import Explanation
from app.sync.plan import PREFLIGHT_REASONS, in_package, set_state
from app.sync.records import label, load_rows, load_transfers, parents_of
from app.sync.runs import start_run
from connectors import connector_class
from connectors.base import PackageInvoice
from connectors.capabilities import ListsInvoices

# States said in a refusal: words a bookkeeper reads, never the stored key.
STATE_WORDS = {PENDING: "waiting to be sent", BLOCKED: "waiting for another record",
               "sending": "on its way to the package", SENT: "already in the package",
               FAILED: "failed", NEEDS_MANUAL_UPDATE: "waiting for a change by hand",
               DO_NOT_SEND: "marked as do not send"}


class ActionRefused(Exception):
    """The transfer is not in a state this action applies to; the message says why."""


def actor_name(user: Any | None) -> str:
    """How history names the person who acted ("" for the system)."""
    if user is None:
        return ""
    return str(getattr(user, "name", "") or getattr(user, "email", "") or "")


def retry(transfer: Transfer, user: Any | None = None) -> None:
    """Make a failed record ready to send again (checks run again first); starts nothing.
    `retry_transfers` also sends it now."""
    if transfer.state != FAILED:
        raise ActionRefused("Only failed records can be retried; this one is "
                            f"{STATE_WORDS.get(transfer.state, 'not failed')}.")
    # The package refused the last attempt, so nothing exists there: a fresh key keeps its
    # idempotency cache from replaying that refusal.
    transfer.idempotency_key = new_key()
    transfer.package_message = ""
    if may_be_in_package(transfer):
        # Settled like an uncertain send (app/sync/reconcile.py): an expired claim is looked
        # up in the package by its number before anything is sent, and linked if it is there;
        # only if it is not does it go back to waiting and get sent.
        set_state(transfer, SENDING, actor=actor_name(user),
                  note="retry requested; looked up in the package before sending")
        transfer.lease_until = utcnow()
    else:
        set_state(transfer, PENDING, note="retry requested", actor=actor_name(user))
    db.session.commit()


def may_be_in_package(transfer: Transfer) -> bool:
    """A failure that may have left the record in the package after all. Before the penny
    release, a document the package did create with a penny of difference in its VAT was
    recorded as failed "totals_differ" without the package's id: sending it again would be
    refused as a duplicate number, or make a second one."""
    return transfer.reason == "totals_differ" and not transfer.external_id


@dataclass
class RetryResult:
    retried: list[Transfer] = field(default_factory=list)
    skipped: int = 0  # not failed (sent or changed meanwhile): left alone
    runs: list[Run] = field(default_factory=list)
    message: str = ""


def retry_transfers(transfers: Iterable[Transfer], user: Any | None) -> RetryResult:
    """Retry the failed ones among `transfers` and send them now, each connection in one run
    scoped to them and the parents they need. Raises ActionRefused if none can be retried."""
    result = RetryResult()
    transfers = list(transfers)
    if len(transfers) == 1 and transfers[0].state != FAILED:
        retry(transfers[0], user)  # refuses, saying what state it is in
    for t in transfers:
        if t.state == FAILED:
            result.retried.append(t)
        else:
            result.skipped += 1
    if not result.retried:
        raise ActionRefused("Only failed records can be retried; none of these is failed now.")
    looked_up = {t.id for t in result.retried if may_be_in_package(t)}
    for t in result.retried:
        retry(t, user)
    by_connection: dict[int, list[Transfer]] = {}
    for t in result.retried:
        by_connection.setdefault(t.connection_id, []).append(t)
    sentences = []
    for connection_id, retried in by_connection.items():
        connection = db.session.get(Connection, connection_id)
        parents = parents_needed(connection_id, retried)
        sentence = sending_sentence(retried, parents)
        if looked_up & {t.id for t in retried}:
            title = connector_class(connection.package).title
            sentence += (f" It is looked up in {title} first and linked if it is already there."
                         if len(retried) == 1 else
                         f" Any that {title} may already have is looked up there first "
                         "and linked, not sent again.")
        if connection.status != CONNECTED:
            title = connector_class(connection.package).title
            who = "It" if len(retried) == 1 else "They"
            sentences.append(f"{who} will go once {title} is reconnected.")
            continue
        run = start_run(connection, trigger="retry",
                        scope=[t.id for t in retried + parents], description=sentence)
        result.runs.append(run)
        sentences.append(sentence)
    if result.skipped:
        sentences.append(f"{result.skipped} not failed any more, so left as they are.")
    result.message = " ".join(sentences)
    return result


def parents_needed(connection_id: int, transfers: list[Transfer]) -> list[Transfer]:
    """The parents (and theirs) not in the package yet that these records cannot go without
    and that may go: waiting, or stopped by our own checks. A parent marked do not send, or
    refused by the package, is not sent by someone else's Retry; the child then says why it
    waits."""
    seen = {t.id for t in transfers}
    needed: list[Transfer] = []
    frontier = list(transfers)
    while frontier:
        refs = []
        for kind in {t.record_type for t in frontier}:
            rows = load_rows(kind, [t.record_id for t in frontier if t.record_type == kind])
            refs += [r for row in rows.values() for r in parents_of(kind, row)]
        frontier = []
        for parent in load_transfers(connection_id, refs).values():
            if parent.id in seen or in_package(parent):
                continue
            seen.add(parent.id)
            if parent.state in (PENDING, BLOCKED) or (
                parent.state == FAILED and parent.reason in PREFLIGHT_REASONS
            ):
                needed.append(parent)
                frontier.append(parent)
    return needed


def _named(t: Transfer) -> str:
    row = load_rows(t.record_type, [t.record_id]).get(t.record_id)
    text = label(t.record_type, row) if row is not None else t.record_type.replace("_", " ")
    return text[:1].lower() + text[1:]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def sending_sentence(retried: list[Transfer], parents: list[Transfer]) -> str:
    """ "Sending invoice INV-12 and its customer A. Smith." """
    if len(retried) == 1:
        head = f"Sending {_named(retried[0])}"
    else:
        head = f"Sending {len(retried)} records"
    if not parents:
        return f"{head}."
    names = [_named(p) for p in parents[:5]]
    if len(parents) > 5:
        names.append(f"{len(parents) - 5} more")
    whose = "its" if len(retried) == 1 else "the records they need:"
    return f"{head} and {whose} {_and(names)}."


def mark_do_not_send(transfer: Transfer, user: Any | None = None) -> None:
    """Never send this record; records that depend on it are blocked with that reason."""
    if transfer.state not in (PENDING, BLOCKED, FAILED):
        raise ActionRefused(
            f"Only records that have not reached the package can be held back; this one is "
            f"{STATE_WORDS.get(transfer.state, 'not waiting')}."
        )
    set_state(
        transfer,
        DO_NOT_SEND,
        Explanation("do_not_send", "Marked as do not send.", "Undo to send it after all."),
        note="marked as do not send",
        actor=actor_name(user),
    )
    db.session.commit()


def undo_do_not_send(transfer: Transfer, user: Any | None = None) -> None:
    # A record before the cut-off is already in the books: sending it would duplicate it.
    if transfer.state != DO_NOT_SEND or transfer.reason in BEFORE_CUTOFF_REASONS:
        raise ActionRefused("Only records marked as do not send by a person can be released.")
    transfer.idempotency_key = new_key()
    set_state(transfer, PENDING, note="do not send undone", actor=actor_name(user))
    db.session.commit()


def mark_done(transfer: Transfer, user: Any | None = None) -> None:
    """The bookkeeper made the listed changes in the package by hand."""
    if transfer.state != NEEDS_MANUAL_UPDATE:
        raise ActionRefused("There is no change waiting to be made by hand for this record.")
    # What the package has now is the current version: later edits are diffed against it.
    transfer.sent_snapshot = snapshot(
        transfer.record_type, load_record(transfer.record_type, transfer.record_id)
    )
    transfer.changes = None
    set_state(transfer, SENT, note="changes made by hand in the package",
              actor=actor_name(user))
    db.session.commit()


def _invoice_lookup(transfer: Transfer) -> tuple[Connection, str, Any, Document]:
    """The connection, package title, a connector and our invoice, for linking it by hand."""
    from app.sync.audit import ExchangeLog
    from app.sync.engine import build_connector  # the engine imports this module's neighbours

    if transfer.record_type != "invoice" or not is_before_cutoff(transfer):
        raise ActionRefused("Only an invoice dated before the cut-off date is linked this way.")
    connection = db.session.get(Connection, transfer.connection_id)
    title = connector_class(connection.package).title
    if connection.status != CONNECTED:
        raise ActionRefused(f"Reconnect {title} first: we look the invoice up there.")
    invoice = db.session.get(Document, transfer.record_id)
    try:
        connector = build_connector(connection, None, ExchangeLog())
    except Exception as exc:  # noqa: BLE001 - told to the bookkeeper, nothing changes
        raise ActionRefused(f"We could not reach {title} just now; try again in a minute.") \
            from exc
    return connection, title, connector, invoice


def package_invoices(transfer: Transfer) -> list[PackageInvoice] | None:
    """The package's invoices for this invoice's customer, for the picker on its page; None
    when the package cannot list them, cannot be reached, or has no such customer yet."""
    try:
        connection, _title, connector, invoice = _invoice_lookup(transfer)
    except ActionRefused:
        return None
    contact = lookup_record(connection.id, invoice).contact_external_id
    if not isinstance(connector, ListsInvoices) or not contact:
        return None
    try:
        return list(connector.invoices_of(contact))
    except Exception:  # noqa: BLE001 - the number field still works without the list
        return None


def link_invoice_in_package(
    transfer: Transfer, number: str = "", user: Any | None = None, external_id: str = ""
) -> str:
    """Link an invoice dated before the cut-off (already in the books) to an invoice in the
    package: the one picked from the package's list (`external_id`), or the one its number
    finds there. Returns the sentence to show. The payments and credit notes that wait for
    it then go against that invoice."""
    connection, title, connector, invoice = _invoice_lookup(transfer)
    found_id, shown = None, (number or "").strip()
    try:
        if external_id:
            picked = next((i for i in package_invoices(transfer) or []
                           if i.external_id == external_id), None)
            if picked is None:
                raise ActionRefused(f"That invoice is not among {invoice.customer.name}'s "
                                    f"invoices in {title} any more; reload the page.")
            found_id, shown = picked.external_id, picked.number or picked.external_id
        else:
            if not shown:
                raise ActionRefused(f"Enter the invoice's number as it is in {title}.")
            found_id = connector.find(lookup_record(connection.id, invoice, shown))
    except ActionRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - told to the bookkeeper, nothing changes
        db.session.rollback()
        raise ActionRefused(f"We could not look the invoice up in {title} just now; try again "
                            "in a minute.") from exc
    if not found_id:
        raise ActionRefused(f"{title} has no invoice numbered {shown} for "
                            f"{invoice.customer.name}. Check the number in {title}.")
    link_found(transfer, found_id, shown, title, f"linked to invoice {shown} in {title}",
               actor_name(user))
    db.session.commit()
    return (f"Linked to invoice {shown} in {title}. Payments and credit notes waiting for it "
            "go with the next Send Data.")
