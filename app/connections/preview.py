"""What a new connection will send, shown before anything goes: the wizard's last step.

A connection made in the wizard sends nothing on its schedule until someone has looked at
this and pressed "Start sending" (Send Data still works at any time). Existing connections and
the demo's count as started (the column defaults to true).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.extensions import db
from app.models import Connection, Transfer
from app.models.connection import CONNECTED
from app.models.transfer import BLOCKED, DO_NOT_SEND, FAILED, IN_PACKAGE, PENDING
from app.sync.canonical import Chart, preflight
from app.sync.cutoff import BEFORE_CUTOFF_REASONS
from app.sync.explain import Explanation, explain_preflight
from app.sync.plan import PREFLIGHT_REASONS, ensure_transfers, plan_kind
from app.sync.records import KIND_ORDER, label, load_rows
from app.sync.runs import start_run
from connectors import connector_class

KIND_WORDS = {"customer": "Customers", "supplier": "Suppliers", "invoice": "Invoices",
              "credit_note": "Credit notes", "payment": "Payments"}
# Blocked only until a parent goes in the same run: it goes too.
GOES_AFTER_PARENT = ("waits_for_parent",)
HELD_SHOWN = 20


@dataclass
class KindCounts:
    kind: str
    words: str
    goes: int = 0
    held: int = 0
    before_cutoff: int = 0
    in_package: int = 0  # imported and linked, or linked by hand: never created again


@dataclass
class HeldRecord:
    transfer_id: int
    title: str
    why: str
    fix: str


@dataclass
class Preview:
    kinds: list[KindCounts] = field(default_factory=list)
    held: list[HeldRecord] = field(default_factory=list)
    held_total: int = 0

    @property
    def goes(self) -> int:
        return sum(k.goes for k in self.kinds)

    @property
    def before_cutoff(self) -> int:
        return sum(k.before_cutoff for k in self.kinds)


def _category(t: Transfer) -> str:
    if t.state == PENDING or (t.state == BLOCKED and t.reason in GOES_AFTER_PARENT):
        return "goes"
    if t.state == BLOCKED or (t.state == FAILED and t.reason in PREFLIGHT_REASONS):
        return "held"
    if t.state == DO_NOT_SEND and t.reason in BEFORE_CUTOFF_REASONS:
        return "before_cutoff"
    if t.state in IN_PACKAGE:
        return "in_package"
    return "other"


def build_preview(connection: Connection) -> Preview:
    """Plan every record as a run would (states only: nothing is sent) and count the result."""
    title = connector_class(connection.package).title
    ensure_transfers(connection)
    chart = Chart.load(connection.company_id, connection.id)
    for kind in KIND_ORDER:
        plan_kind(connection, kind, chart, title)
    preview = Preview()
    held: list[tuple[Transfer, Explanation | None]] = []
    for kind in KIND_ORDER:
        counts = KindCounts(kind, KIND_WORDS[kind])
        transfers = list(db.session.execute(
            db.select(Transfer).filter_by(connection_id=connection.id, record_type=kind)
            .order_by(Transfer.id)
        ).scalars())
        # Waiting for a parent that goes first, these are only checked after it: check them
        # now, or the preview would promise records our checks will stop.
        after_parent = [t for t in transfers
                        if t.state == BLOCKED and _category(t) == "goes"]
        rows = load_rows(kind, [t.record_id for t in after_parent])
        for t in transfers:
            category = _category(t)
            why = None
            if category == "goes" and t.state == BLOCKED:
                why = _later_check(kind, rows.get(t.record_id), chart, title)
                category = "held" if why else category
            if category == "held":
                held.append((t, why))
            if hasattr(counts, category):
                setattr(counts, category, getattr(counts, category) + 1)
        preview.kinds.append(counts)
    preview.held_total = len(held)
    for t, why in held[:HELD_SHOWN]:
        row = load_rows(t.record_type, [t.record_id]).get(t.record_id)
        name = label(t.record_type, row) if row is not None else t.record_type
        preview.held.append(HeldRecord(t.id, name, why.text if why else t.explanation,
                                       why.fix if why else t.fix_hint))
    return preview


def _later_check(kind: str, row: object, chart: Chart, title: str) -> Explanation | None:
    problem = preflight(kind, row, chart) if row is not None else None
    return explain_preflight(problem.reason, title, problem.details) if problem else None


def start_sending(connection: Connection) -> int | None:
    """The bookkeeper has looked: the schedule may send from now on, and the first run starts
    now. Returns the run's id (None when the connection cannot send yet)."""
    connection.sending_started = True
    if connection.schedule == "automatic":
        connection.next_run_at = None  # due at once; the run sets the next time when it ends
    db.session.commit()
    if connection.status != CONNECTED:
        return None
    return start_run(connection, trigger="manual").id
