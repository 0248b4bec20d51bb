"""What the dashboard counts and lists, always for one company.

Every function takes `company_id` and filters on it, even where a connection id would already
narrow the rows: a user must never see another company's data, whatever id reaches a view.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.mapping import waiting
from app.models import (
    Connection,
    Run,
    Transfer,
)
from app.models.transfer import BLOCKED, FAILED, NEEDS_MANUAL_UPDATE, STATES
from app.records.labels import (  # noqa: F401 - re-exported for the pages that use them
    RecordLabel,
    connection_name,
    money,
    package_title,
    record_labels,
    unknown_label,
)
from app.sync.pull_health import PullHealth, health_of

ATTENTION_STATES = (FAILED, NEEDS_MANUAL_UPDATE, BLOCKED)
WAITING_STATES = waiting.WAITING_STATES  # defined with the mapping-gap counting it serves
ATTENTION_LIMIT = 50
FINISHED = ("finished", "failed")
ACTIVE = ("queued", "running", "waiting")


@dataclass
class ConnectionSummary:
    connection: Connection
    title: str
    counts: dict[str, int]
    last_finished: Run | None
    active_run: Run | None
    name: str = ""  # "Xero · Acme Heating Ltd"
    desktop: PullHealth | None = None  # a pull package's desktop side: when it last checked in


def connections(company_id: int) -> list[ConnectionSummary]:
    """Each connection with its transfer counts by state, last finished run and active run."""
    conns = db.session.execute(
        select(Connection).filter_by(company_id=company_id).order_by(Connection.id)
    ).scalars().all()
    counts = counts_by_state(company_id)
    summaries = []
    for conn in conns:
        summaries.append(ConnectionSummary(
            connection=conn,
            title=package_title(conn.package),
            counts=counts.get(conn.id, dict.fromkeys(STATES, 0)),
            last_finished=_latest_run(company_id, conn.id, FINISHED),
            active_run=_latest_run(company_id, conn.id, ACTIVE),
            name=connection_name(conn),
            desktop=health_of(conn),
        ))
    return summaries


def counts_by_state(company_id: int) -> dict[int, dict[str, int]]:
    """connection id -> {state: number of transfers}, every state present (0 if none)."""
    rows = db.session.execute(
        select(Transfer.connection_id, Transfer.state, func.count())
        .where(Transfer.company_id == company_id)
        .group_by(Transfer.connection_id, Transfer.state)
    ).all()
    result: dict[int, dict[str, int]] = {}
    for conn_id, state, n in rows:
        result.setdefault(conn_id, dict.fromkeys(STATES, 0))[state] = n
    return result


def _latest_run(company_id: int, connection_id: int, statuses: tuple[str, ...]) -> Run | None:
    return db.session.execute(
        select(Run)
        .where(Run.company_id == company_id, Run.connection_id == connection_id,
               Run.status.in_(statuses))
        .order_by(Run.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def last_finished_run(company_id: int, connection_id: int) -> Run | None:
    return _latest_run(company_id, connection_id, FINISHED)


def get_run(company_id: int, run_id: int) -> Run | None:
    return db.session.execute(
        select(Run).where(Run.id == run_id, Run.company_id == company_id)
    ).scalar_one_or_none()


def get_connection(company_id: int, connection_id: int) -> Connection | None:
    return db.session.execute(
        select(Connection).where(Connection.id == connection_id,
                                 Connection.company_id == company_id)
    ).scalar_one_or_none()


# --- Mapping gaps -------------------------------------------------------------------------

@dataclass
class MappingGap:
    """Our accounts (or tax rates) without a package code that waiting records use."""

    connection_id: int
    connection_title: str
    kind: str  # "account" | "tax_rate"
    names: list[str]
    waiting: Counter = field(default_factory=Counter)  # record type -> distinct records
    tenant_name: str = ""  # the organisation, when the company has several connections


def mapping_gaps(company_id: int, summaries: list[ConnectionSummary]) -> list[MappingGap]:
    gaps = []
    for s in summaries:
        for kind in ("account", "tax_rate"):
            gap = _mapping_gap(company_id, s.connection.id, s.title, kind)
            if gap is not None:
                gap.tenant_name = s.connection.tenant_name
                gaps.append(gap)
    return gaps


def _mapping_gap(company_id: int, connection_id: int, title: str, kind: str) -> MappingGap | None:
    # Counted by app/mapping/waiting.py, which the mapping page shares, so both agree.
    gaps = waiting.unmapped(company_id, connection_id, kind)
    if not gaps:
        return None
    per_key = waiting.records_using(company_id, connection_id, kind, gaps)
    if not per_key:
        return None
    names = [gaps[key] for key, refs in
             sorted(per_key.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return MappingGap(connection_id, title, kind, names,
                      waiting.by_type(set().union(*per_key.values())))


# --- Needs your attention -----------------------------------------------------------------

@dataclass
class AttentionItem:
    transfer: Transfer
    connection_title: str
    record: RecordLabel
    blocked_by: RecordLabel | None = None
    connection_name: str = ""


@dataclass
class Attention:
    items: list[AttentionItem]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def attention(company_id: int, limit: int = ATTENTION_LIMIT) -> Attention:
    """Failed, then changed-after-sending, then blocked transfers, newest first, at most
    `limit`, with the total so the page can say how many are not shown."""
    base = select(Transfer).where(Transfer.company_id == company_id,
                                  Transfer.state.in_(ATTENTION_STATES))
    total = db.session.execute(
        select(func.count()).select_from(base.subquery())
    ).scalar_one()
    order = db.case({s: i for i, s in enumerate(ATTENTION_STATES)}, value=Transfer.state)
    transfers = db.session.execute(
        base.order_by(order, Transfer.updated_at.desc(), Transfer.id.desc()).limit(limit)
    ).scalars().all()

    parent_ids = {t.blocked_by_id for t in transfers if t.blocked_by_id}
    parents = {p.id: p for p in db.session.execute(
        select(Transfer).where(Transfer.company_id == company_id, Transfer.id.in_(parent_ids))
    ).scalars()} if parent_ids else {}
    keys = {(t.record_type, t.record_id) for t in [*transfers, *parents.values()]}
    labels = record_labels(company_id, keys)
    conns = {c.id: c for c in db.session.execute(
        select(Connection).where(Connection.company_id == company_id)).scalars()}
    titles = {cid: package_title(c.package) for cid, c in conns.items()}
    names = {cid: connection_name(c) for cid, c in conns.items()}

    items = []
    for t in transfers:
        parent = parents.get(t.blocked_by_id) if t.blocked_by_id else None
        items.append(AttentionItem(
            transfer=t,
            connection_title=titles.get(t.connection_id, ""),
            record=(labels.get((t.record_type, t.record_id))
                    or unknown_label(t.record_type, t.record_id)),
            blocked_by=labels.get((parent.record_type, parent.record_id)) if parent else None,
            connection_name=names.get(t.connection_id, ""),
        ))
    return Attention(items=items, total=total)


# --- Who hears about failures -------------------------------------------------------------

FREQUENCY_WORDS = {"hourly": "every hour", "daily": "once a day", "weekly": "once a week"}


@dataclass
class FailureEmails:
    recipients: list[str]
    how_often: str  # "once a day"; "" when nobody is emailed


def failure_emails(company_id: int) -> FailureEmails:
    """Who gets the failure digest and how often, as Settings > Notifications has it."""
    from app.models import DigestState
    from app.models.notification import DEFAULT_FREQUENCY
    from app.sync.digest import recipients

    state = db.session.get(DigestState, company_id)
    frequency = state.frequency if state else DEFAULT_FREQUENCY
    people = recipients(company_id)
    if frequency not in FREQUENCY_WORDS or not people:
        return FailureEmails([], "")
    return FailureEmails(people, FREQUENCY_WORDS[frequency])
