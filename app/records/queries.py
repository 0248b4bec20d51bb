"""The transfers list: filter, search, paginate and export, always for one company.

A transfer points at its record by (record_type, record_id), so records are never joined row by
row: a page (or an export chunk) loads its contacts, documents and payments in one query per
type. Search turns into id sub-selects per record type, which keeps the main query on the
transfers indexes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from math import ceil
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.dashboard.phrases import STATE_LABELS
from app.dashboard.queries import money, package_title
from app.extensions import db
from app.models import Connection, Contact, Document, Payment, PaymentAllocation, Transfer
from app.models.transfer import FAILED, STATES
from app.records import columns, folding
from app.records.loading import TYPE_WORDS, load_records, missing_title
from app.request_ints import MAX_ID, parse_int

PAGE_SIZE = 50
EXPORT_CHUNK = 500
RECORD_TYPES = tuple(TYPE_WORDS)
SEARCH_MAX = 100


class FilterError(ValueError):
    """A filter value we cannot use; the message names it, for a 400."""


# sort key in the query string -> what the picker says
SORTS = {
    "": "Newest first",
    "oldest": "Oldest first",
    "date_desc": "Date, latest first",
    "date_asc": "Date, earliest first",
    "amount_desc": "Amount, largest first",
    "amount_asc": "Amount, smallest first",
    "changed": "Last change first",
}
AMOUNT_MAX = Decimal("1000000000000")


def _parse_date(name: str, words: str, raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise FilterError(f"“{words}” must be a date such as 31/10/2026, not “{raw[:40]}”.")


def _parse_amount(words: str, raw: str) -> Decimal | None:
    cleaned = raw.strip().replace("£", "").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= AMOUNT_MAX:
        raise FilterError(f"“{words}” must be an amount in pounds such as 120.50, not "
                          f"“{raw.strip()[:40]}”.")
    return value.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Filters:
    connection_id: int | None = None
    state: str = ""
    record_type: str = ""
    q: str = ""
    page: int = 1
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sort: str = ""

    @classmethod
    def parse(cls, args: Any) -> Filters:
        """From a query string; unknown values raise FilterError naming the field."""
        def number(name: str) -> int | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            value = parse_int(raw)
            if value is None:
                raise FilterError(f"“{name}” must be a whole number from 1 to {MAX_ID:,}, "
                                  f"not “{raw[:20]}”.")
            return value

        state = (args.get("state") or "").strip()
        if state and state not in STATES:
            raise FilterError(f"There is no state called “{state}”. Use one of: "
                              f"{', '.join(STATES)}.")
        record_type = (args.get("type") or "").strip()
        if record_type and record_type not in RECORD_TYPES:
            raise FilterError(f"There is no record type called “{record_type}”. Use one of: "
                              f"{', '.join(RECORD_TYPES)}.")
        q = " ".join((args.get("q") or "").split())
        if len(q) > SEARCH_MAX:
            raise FilterError(f"The search can be at most {SEARCH_MAX} characters long.")
        sort = (args.get("sort") or "").strip()
        if sort not in SORTS:
            raise FilterError(f"The list cannot be sorted by “{sort[:40]}”.")
        return cls(connection_id=number("connection"), state=state, record_type=record_type,
                   q=q, page=number("page") or 1,
                   date_from=_parse_date("from", "Dated from", args.get("from") or ""),
                   date_to=_parse_date("to", "Dated to", args.get("to") or ""),
                   amount_min=_parse_amount("Amount from", args.get("min") or ""),
                   amount_max=_parse_amount("Amount up to", args.get("max") or ""),
                   sort=sort)

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for these filters (empty ones left out), for links."""
        f = replace(self, **changes)
        out = {"connection": f.connection_id, "state": f.state, "type": f.record_type,
               "q": f.q,
               "from": f.date_from.isoformat() if f.date_from else None,
               "to": f.date_to.isoformat() if f.date_to else None,
               "min": f"{f.amount_min}" if f.amount_min is not None else None,
               "max": f"{f.amount_max}" if f.amount_max is not None else None,
               "sort": f.sort, "page": f.page if f.page > 1 else None}
        return {k: v for k, v in out.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.connection_id or self.state or self.record_type or self.q
                    or self.date_from or self.date_to or self.amount_min is not None
                    or self.amount_max is not None)


@dataclass
class RecordSummary:
    """What a bookkeeper recognises a record by, in separate fields for the table and CSV."""

    title: str  # "Invoice INV-3381"
    customer: str = ""
    amount: Decimal | None = None
    date: date | None = None
    source_id: str = ""
    found: bool = True

    @property
    def amount_text(self) -> str:
        return money(self.amount)


@dataclass
class ListRow:
    transfer: Transfer
    record: RecordSummary
    connection_title: str


@dataclass
class Page:
    rows: list[ListRow]
    total: int  # rows: one per record per package it goes to
    page: int
    pages: int
    records: int = 0  # distinct records among them

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.rows) - 1 if self.rows else 0


def connection_titles(company_id: int) -> dict[int, str]:
    conns = db.session.execute(
        select(Connection).where(Connection.company_id == company_id).order_by(Connection.id)
    ).scalars()
    return {c.id: package_title(c.package) + (f" · {c.tenant_name}" if c.tenant_name else "")
            for c in conns}


def _like(q: str) -> str:
    escaped = folding.fold(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(company_id: int, q: str) -> Any:
    """Transfers whose record matches: customer name, document number or source id, blind to
    accents and case ("lodz" finds "Łódź")."""
    folding.prepare(db.session.connection())
    like = _like(q)

    def matches(column: Any) -> Any:
        return folding.folded(column).like(like, escape="\\")

    named = select(Contact.id).where(Contact.company_id == company_id, matches(Contact.name))
    contacts = select(Contact.id).where(
        Contact.company_id == company_id,
        or_(matches(Contact.name), matches(Contact.source_id)))
    documents = select(Document.id).where(
        Document.company_id == company_id,
        or_(matches(Document.number), matches(Document.source_id),
            Document.customer_id.in_(named)))
    payments = select(Payment.id).where(
        Payment.company_id == company_id,
        or_(matches(Payment.source_id), matches(Payment.reference),
            Payment.customer_id.in_(named)))
    return or_(
        and_(Transfer.record_type.in_(("customer", "supplier")), Transfer.record_id.in_(contacts)),
        and_(Transfer.record_type.in_(("invoice", "credit_note")),
             Transfer.record_id.in_(documents)),
        and_(Transfer.record_type == "payment", Transfer.record_id.in_(payments)),
    )


def _conditions(company_id: int, f: Filters) -> list[Any]:
    where: list[Any] = [Transfer.company_id == company_id]
    if f.connection_id:
        where.append(Transfer.connection_id == f.connection_id)
    if f.state:
        where.append(Transfer.state == f.state)
    if f.record_type:
        where.append(Transfer.record_type == f.record_type)
    if f.q:
        where.append(_search(company_id, f.q))
    if f.date_from or f.date_to:
        on = columns.record_date()
        if f.date_from:
            where.append(on >= f.date_from)
        if f.date_to:
            where.append(on <= f.date_to)
    if f.amount_min is not None or f.amount_max is not None:
        amount = columns.record_amount()
        if f.amount_min is not None:
            where.append(amount >= columns.pounds(f.amount_min))
        if f.amount_max is not None:
            where.append(amount <= columns.pounds(f.amount_max))
    return where


def _order(f: Filters) -> list[Any]:
    """The chosen order, ties (and contacts, which have no date or amount) newest first."""
    newest = Transfer.id.desc()
    if f.sort == "oldest":
        return [Transfer.id.asc()]
    if f.sort == "changed":
        return [Transfer.updated_at.desc(), newest]
    if f.sort.startswith(("date_", "amount_")):
        key = columns.record_date() if f.sort.startswith("date_") else columns.record_amount()
        direction = key.desc() if f.sort.endswith("_desc") else key.asc()
        return [key.is_(None), direction, newest]
    return [newest]


def owns_connection(company_id: int, connection_id: int) -> bool:
    return db.session.execute(
        select(Connection.id).where(Connection.id == connection_id,
                                    Connection.company_id == company_id)
    ).first() is not None


def list_transfers(company_id: int, f: Filters) -> Page:
    """One page of transfers, newest first (by id, so the order never shifts as states change).

    A page past the end shows the last page rather than an empty table."""
    where = _conditions(company_id, f)
    total = db.session.execute(select(func.count(Transfer.id)).where(*where)).scalar_one()
    records = db.session.execute(select(func.count()).select_from(
        select(Transfer.record_type, Transfer.record_id).where(*where).distinct().subquery())
    ).scalar_one() if total else 0
    pages = max(1, ceil(total / PAGE_SIZE))
    page = min(f.page, pages)
    transfers = db.session.execute(
        select(Transfer).where(*where).order_by(*_order(f))
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).scalars().all()
    return Page(rows=_rows(company_id, transfers), total=total, page=page, pages=pages,
                records=records)


def matching(company_id: int, f: Filters) -> Any:
    """A select of the transfers the filters match (all pages), for bulk actions."""
    return select(Transfer).where(*_conditions(company_id, f)).order_by(Transfer.id)


def _rows(company_id: int, transfers: list[Transfer]) -> list[ListRow]:
    summaries = record_summaries(company_id, {(t.record_type, t.record_id) for t in transfers})
    titles = connection_titles(company_id)
    return [ListRow(t, summaries.get((t.record_type, t.record_id))
                    or missing_record(t.record_type, t.record_id),
                    titles.get(t.connection_id, "")) for t in transfers]


def missing_record(record_type: str, record_id: int) -> RecordSummary:
    return RecordSummary(missing_title(record_type, record_id), found=False)


def record_summaries(
    company_id: int, keys: set[tuple[str, int]]
) -> dict[tuple[str, int], RecordSummary]:
    """(record type, id) -> summary, one query per record type however many keys."""
    return {key: RecordSummary(r.title, r.customer, r.amount, r.date, r.source_id)
            for key, r in load_records(company_id, keys).items()}


# --- Export ---------------------------------------------------------------------------------

CSV_HEADER = ("Record", "Customer", "Amount", "Date", "State", "Sending to", "What happened",
              "What to do", "Message from the package")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_failures(company_id: int, f: Filters) -> Iterator[str]:
    """CSV lines of the failed transfers matching the filters (any state filter is replaced by
    "failed")."""
    return export(company_id, replace(f, state=FAILED))


def export(company_id: int, f: Filters) -> Iterator[str]:
    """CSV lines of every transfer matching the filters, whatever its state, read in chunks by
    id so memory stays flat however many there are."""
    where = _conditions(company_id, f)
    yield _csv_line(CSV_HEADER)
    last_id = 0
    while True:
        chunk = db.session.execute(
            select(Transfer).where(*where, Transfer.id > last_id)
            .order_by(Transfer.id).limit(EXPORT_CHUNK)
        ).scalars().all()
        if not chunk:
            return
        for row in _rows(company_id, list(chunk)):
            t, r = row.transfer, row.record
            amount = f"{r.amount:.2f}" if r.amount is not None else ""
            yield _csv_line((
                csv_safe(r.title), csv_safe(r.customer), amount,
                r.date.isoformat() if r.date else "", STATE_LABELS.get(t.state, t.state),
                csv_safe(row.connection_title), csv_safe(t.explanation), csv_safe(t.fix_hint),
                csv_safe(t.package_message),
            ))
        last_id = chunk[-1].id
        db.session.expunge_all()  # a long export must not keep every row in the session


def _csv_line(cells: tuple[str, ...]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(cells)
    return buf.getvalue()


def state_counts(company_id: int, f: Filters) -> dict[str, int]:
    """How many of the matching transfers are in each state (every page)."""
    where = _conditions(company_id, replace(f, page=1))
    return dict(db.session.execute(
        select(Transfer.state, func.count(Transfer.id)).where(*where).group_by(Transfer.state)
    ).all())


def failure_count(company_id: int, f: Filters) -> int:
    where = _conditions(company_id, replace(f, state=FAILED))
    return db.session.execute(select(func.count(Transfer.id)).where(*where)).scalar_one()


# --- One transfer ---------------------------------------------------------------------------

def get_transfer(company_id: int, transfer_id: int) -> Transfer | None:
    return db.session.execute(
        select(Transfer).where(Transfer.id == transfer_id, Transfer.company_id == company_id)
    ).scalar_one_or_none()


def load_document(company_id: int, record_id: int) -> Document | None:
    return db.session.execute(
        select(Document).where(Document.id == record_id, Document.company_id == company_id)
        .options(selectinload(Document.lines), selectinload(Document.customer),
                 selectinload(Document.invoice))
    ).scalar_one_or_none()


def load_payment(company_id: int, record_id: int) -> Payment | None:
    return db.session.execute(
        select(Payment).where(Payment.id == record_id, Payment.company_id == company_id)
        .options(selectinload(Payment.customer),
                 selectinload(Payment.allocations).selectinload(PaymentAllocation.invoice))
    ).scalar_one_or_none()


def load_contact(company_id: int, record_id: int) -> Contact | None:
    return db.session.execute(
        select(Contact).where(Contact.id == record_id, Contact.company_id == company_id)
    ).scalar_one_or_none()


def transfer_of(company_id: int, connection_id: int, record_type: str,
                record_id: int) -> Transfer | None:
    """The transfer of a related record (an invoice's customer) on the same connection."""
    return db.session.execute(
        select(Transfer).where(Transfer.company_id == company_id,
                               Transfer.connection_id == connection_id,
                               Transfer.record_type == record_type,
                               Transfer.record_id == record_id)
    ).scalar_one_or_none()


def dependents(company_id: int, transfer_id: int, limit: int = 20) -> tuple[list[ListRow], int]:
    """Records waiting on this one (blocked with it as the reason), and how many in all."""
    where = [Transfer.company_id == company_id, Transfer.blocked_by_id == transfer_id]
    total = db.session.execute(select(func.count(Transfer.id)).where(*where)).scalar_one()
    if not total:
        return [], 0
    rows = db.session.execute(
        select(Transfer).where(*where).order_by(Transfer.id).limit(limit)).scalars().all()
    return _rows(company_id, list(rows)), total

