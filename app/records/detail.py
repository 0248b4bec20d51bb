"""One transfer's page: the record with its lines and totals, where to fix a problem, its history
and attempts, and the actions a bookkeeper takes on it (app/sync/actions.py does the moving)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import g, url_for
from sqlalchemy import select
from sqlalchemy.exc import NoResultFound

from app.dashboard.phrases import fix_url
from app.dashboard.queries import package_title
from app.extensions import db
from app.models import Account, Attempt, Connection, TaxRate, Transfer, TransferEvent
from app.models.connection import RECONNECT_NEEDED
from app.models.transfer import BLOCKED, DO_NOT_SEND, FAILED, NEEDS_MANUAL_UPDATE, PENDING
from app.records import queries
from app.records.loading import TYPE_WORDS
from app.records.totals import company_tax_rates, document_totals
from app.sync import actions
from app.sync.canonical import Chart
from app.sync.change_words import describe_changes
from app.sync.cutoff import BEFORE_CUTOFF_REASONS, NOT_FOUND
from app.sync.recheck import retry_blocker

MAPPING_REASONS = {"unmapped_account", "unmapped_tax_rate", "account_unknown",
                   "account_archived", "tax_rate_unknown"}
LINKING_REASONS = {"contact_archived", "contact_missing", "duplicate_name",
                   "possible_duplicate"}  # held before creating: link it or create it anyway

# action slug in the URL -> (function, sentence shown after it worked)
ACTIONS = {
    # Retry's sentence names what it sends (actions.retry_transfers); this one is not shown.
    "retry": (actions.retry, "Sending it again now."),
    "do-not-send": (actions.mark_do_not_send,
                    "Marked as do not send. Records that depend on this one will wait."),
    "send-after-all": (actions.undo_do_not_send,
                       "It will go with the next Send Data (checks run again first)."),
    "done": (actions.mark_done, "Marked as done. Later edits are compared with this version."),
}


@dataclass
class FixLink:
    url: str
    label: str


@dataclass
class LineView:
    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    account: str
    tax_rate: str
    amount: Decimal | None
    tax: Decimal | None


@dataclass
class RecordView:
    """The record's own fields, ready to show; `kind` picks the template section."""

    kind: str  # contact | document | payment | missing
    title: str
    row: Any = None
    lines: list[LineView] = field(default_factory=list)
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None
    customer_link: str | None = None
    allocations: list[tuple[str, str | None, Decimal]] = field(default_factory=list)
    bank_account: str = ""  # the account's name ("Business current account"), never its key


def connection_of(transfer: Transfer) -> Connection:
    # session.get answers from the identity map after the first row: dashboard rows that
    # ask for their fix link share one query.
    conn = db.session.get(Connection, transfer.connection_id)
    if conn is None or conn.company_id != transfer.company_id:
        raise NoResultFound(f"no connection {transfer.connection_id} for this company")
    return conn


def fix_link(transfer: Transfer, connection: Connection) -> FixLink | None:
    """Where the fix is made, if that page exists (others build some of them)."""
    title = package_title(connection.package)
    if connection.status == RECONNECT_NEEDED:
        if not _is_admin(connection.company_id):
            return None  # reconnecting is an admin's: no link that ends in a refusal
        url = fix_url("connections.reconnect", connection_id=connection.id)
        return FixLink(url, f"Reconnect {title} →") if url else None
    if transfer.state == BLOCKED and transfer.blocked_by_id:
        return FixLink(url_for("records.detail", transfer_id=transfer.blocked_by_id),
                       "Open the record it waits for →")
    if transfer.state in (FAILED, BLOCKED) and transfer.reason in MAPPING_REASONS:
        url = fix_url("mapping.index", connection_id=connection.id)
        return FixLink(url, "Open the Mapping page →") if url else None
    if transfer.state in (FAILED, BLOCKED) and transfer.reason in LINKING_REASONS:
        url = fix_url("linking.index", connection_id=connection.id)
        return FixLink(url, "Open the Linking page →") if url else None
    return None


def _is_admin(company_id: int) -> bool:
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated
                and current_user.role_in(company_id) == "admin")


def record_view(transfer: Transfer) -> RecordView:
    cid, rtype, rid = transfer.company_id, transfer.record_type, transfer.record_id
    words = TYPE_WORDS.get(rtype, rtype.title())
    if rtype in ("customer", "supplier"):
        contact = queries.load_contact(cid, rid)
        if contact is not None:
            return RecordView("contact", f"{words} {contact.name}", contact)
    elif rtype in ("invoice", "credit_note"):
        doc = queries.load_document(cid, rid)
        if doc is not None:
            return _document_view(transfer, doc, words)
    elif rtype == "payment":
        pay = queries.load_payment(cid, rid)
        if pay is not None:
            view = RecordView("payment", f"Payment {pay.reference or pay.source_id}", pay,
                              total=pay.amount)
            view.customer_link = _related_link(transfer, "customer", pay.customer_id)
            view.bank_account = db.session.execute(
                select(Account.name).where(Account.company_id == transfer.company_id,
                                           Account.key == pay.bank_account_key)
            ).scalar_one_or_none() or pay.bank_account_key
            for a in pay.allocations:
                view.allocations.append((a.invoice.number,
                                         _related_link(transfer, "invoice", a.invoice_id),
                                         a.amount))
            return view
    return RecordView("missing", f"{words} #{rid}")


def _document_view(transfer: Transfer, doc: Any, words: str) -> RecordView:
    rates = company_tax_rates(transfer.company_id)
    names = dict(db.session.execute(
        select(Account.key, Account.name).where(Account.company_id == transfer.company_id)).all())
    rate_names = dict(db.session.execute(
        select(TaxRate.key, TaxRate.name).where(TaxRate.company_id == transfer.company_id)).all())
    view = RecordView("document", f"{words} {doc.number}", doc)
    view.customer_link = _related_link(transfer, "customer", doc.customer_id)
    known = all(line.tax_rate_key in rates for line in doc.lines)
    amounts = document_totals(doc.lines, doc.amounts_are, rates) if known else None
    for n, line in enumerate(doc.lines):
        view.lines.append(LineView(
            n + 1, line.description, line.quantity, line.unit_price,
            names.get(line.account_key, line.account_key),
            rate_names.get(line.tax_rate_key, line.tax_rate_key),
            amounts.lines[n].line_amount if amounts else None,
            amounts.lines[n].tax if amounts else None))
    if amounts:
        view.subtotal, view.tax, view.total = amounts.subtotal, amounts.tax, amounts.total
    return view


def _related_link(transfer: Transfer, record_type: str, record_id: int) -> str | None:
    related = queries.transfer_of(transfer.company_id, transfer.connection_id, record_type,
                                  record_id)
    return url_for("records.detail", transfer_id=related.id) if related else None


_ENGINE_NOTE = re.compile(r"^attempt [0-9a-f]{16,}$")


def history(transfer: Transfer) -> list[TransferEvent]:
    """The moves, newest first. The engine's claim ids mean nothing to a bookkeeper (the
    attempts below carry them), so those notes are left out."""
    events = list(db.session.execute(
        select(TransferEvent).where(TransferEvent.transfer_id == transfer.id)
        .order_by(TransferEvent.at.desc(), TransferEvent.id.desc())
    ).scalars())
    for e in events:
        if _ENGINE_NOTE.match(e.note or ""):
            db.session.expunge(e)  # shown without the note; never written back
            e.note = ""
    return events


def attempts(transfer: Transfer) -> list[Attempt]:
    return list(db.session.execute(
        select(Attempt).where(Attempt.transfer_id == transfer.id)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    ).scalars())


def changes(transfer: Transfer) -> list[dict[str, str | None]]:
    """The manual-update diff in a bookkeeper's words (app/sync/change_words.py)."""
    return [{"label": c.label, "old": c.old, "new": c.new} for c in describe_changes(transfer)]


def available_actions(transfer: Transfer) -> list[str]:
    """Action slugs that apply to the transfer as it is now (the service checks again)."""
    state = transfer.state
    out = []
    if state == FAILED and why_no_retry(transfer) is None:
        out.append("retry")
    if state == NEEDS_MANUAL_UPDATE:
        out.append("done")
    if state in (PENDING, BLOCKED, FAILED):
        out.append("do-not-send")
    if state == DO_NOT_SEND and transfer.reason not in BEFORE_CUTOFF_REASONS:
        out.append("send-after-all")
    return out


def _chart(company_id: int, connection_id: int) -> Chart:
    # One mapping load per connection per request, however many rows a page lists.
    charts = g.setdefault("retry_charts", {})
    if connection_id not in charts:
        charts[connection_id] = Chart.load(company_id, connection_id)
    return charts[connection_id]


def why_no_retry(transfer: Transfer) -> str | None:
    """Why Retry is not offered (it would stop at the same check of ours), or None."""
    return retry_blocker(transfer, _chart)


def package_invoices(transfer: Transfer) -> list[Any] | None:
    """The picker's choices, asked of the package only for an invoice that waits to be linked
    by hand (the page stays quick for every other record)."""
    if transfer.record_type != "invoice" or transfer.state != DO_NOT_SEND or \
            transfer.reason != NOT_FOUND:
        return None
    return actions.package_invoices(transfer)


def perform(transfer: Transfer, action: str, user: Any | None = None) -> str:
    """Run one action as `user` (named in the record's history); returns the sentence to
    show. Raises ActionRefused (with its reason) when the transfer is not in a state the
    action applies to.

    Retry also starts a run, so "Retry" means "send it now" as a bookkeeper expects; the run
    sends this record and the parents it needs, nothing else, and the sentence says which."""
    if action == "retry" and (blocked := why_no_retry(transfer)):
        raise actions.ActionRefused(blocked)
    if action == "retry":
        said = actions.retry_transfers([transfer], user).message
        return f"{said} If it fails again, the reason shows here."
    do, said = ACTIONS[action]
    do(transfer, user)
    return said
