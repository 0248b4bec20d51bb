"""Claiming a batch, sending it through the connector, and applying the outcomes per record.

The exactly-once protocol: rows are marked `sending` with an attempt id and a lease and
committed BEFORE the call; the call carries an idempotency key derived from the rows' stable
keys; an outcome we cannot be sure of leaves the row `sending` with its lease expired, to be
reconciled with a look-up before anything is resent.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta

from app.extensions import db
from app.models import Attempt, Transfer, utcnow
from app.models.transfer import FAILED, NEEDS_MANUAL_UPDATE, PENDING, SENDING, SENT
from app.records.snapshot import diff, snapshot
from app.sync.audit import ExchangeLog
from app.sync.canonical import Chart, to_record
from app.sync.explain import Explanation, explain_rejection
from app.sync.plan import set_state
from app.sync.records import load_rows, load_transfers, parents_of
from connectors.base import (
    AuthLost,
    AuthLostError,
    Connector,
    Outcome,
    RateLimitedError,
    Record,
    Rejected,
    RetryLater,
    Sent,
    TotalsDiffer,
    Uncertain,
)


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    calls: int = 0
    pause_for: float | None = None  # the package asked us to wait this many seconds
    pause_problem: str = ""
    auth_lost: str | None = None
    uncertain: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


def claim_batch(
    connection_id: int, kind: str, size: int, lease_seconds: int,
    only_ids: Collection[int] | None = None,
) -> list[Transfer]:
    """Mark up to `size` ready transfers `sending` under a fresh attempt id, and commit.
    `only_ids`: a scoped run claims nothing outside its scope."""
    now = utcnow()
    stmt = (
        db.select(Transfer)
        .filter(
            Transfer.connection_id == connection_id,
            Transfer.record_type == kind,
            Transfer.state == PENDING,
            db.or_(Transfer.not_before.is_(None), Transfer.not_before <= now),
        )
        .order_by(Transfer.id)
        .limit(size)
    )
    if only_ids is not None:
        if not only_ids:
            return []
        stmt = stmt.filter(Transfer.id.in_(list(only_ids)))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    transfers = list(db.session.execute(stmt).scalars())
    attempt_id = uuid.uuid4().hex
    for t in transfers:
        set_state(t, SENDING, note=f"attempt {attempt_id}")
        t.attempt_id = attempt_id
        t.attempt_count += 1
        t.lease_until = now + timedelta(seconds=lease_seconds)
        t.not_before = None
    db.session.commit()
    return transfers


def build_records(
    connection_id: int, kind: str, transfers: list[Transfer], chart: Chart
) -> tuple[list[tuple[Transfer, Record, dict]], list[Transfer]]:
    """Canonical records (with the snapshot of what is being sent) for claimed transfers, and
    the transfers that could not be built (a parent left the package meanwhile)."""
    rows = load_rows(kind, [t.record_id for t in transfers])
    refs = [
        r for t in transfers if t.record_id in rows for r in parents_of(kind, rows[t.record_id])
    ]
    parents = load_transfers(connection_id, refs)
    external_ids = {
        (ref.kind, ref.record_id): p.external_id for ref, p in parents.items() if p.external_id
    }
    built: list[tuple[Transfer, Record, dict]] = []
    unbuildable: list[Transfer] = []
    for t in transfers:
        row = rows.get(t.record_id)
        try:
            if row is None:
                raise KeyError(t.record_id)
            built.append((t, to_record(kind, row, t, chart, external_ids), snapshot(kind, row)))
        except KeyError:
            unbuildable.append(t)
    return built, unbuildable


def _call(connector: Connector, kind: str, records: list[Record]) -> list[Outcome]:
    """The connector's answer, made safe: exactly one outcome per record, never an exception."""
    try:
        outcomes = connector.push(kind, records)  # type: ignore[arg-type]
    except RateLimitedError as exc:
        return [RetryLater(exc.after, exc.problem)] * len(records)
    except AuthLostError as exc:
        return [AuthLost(str(exc))] * len(records)
    except Exception as exc:  # noqa: BLE001 (we cannot know whether the package created them)
        return [Uncertain(f"{type(exc).__name__}: {exc}")] * len(records)
    if not isinstance(outcomes, list) or len(outcomes) != len(records):
        return [Uncertain("the connector returned a malformed answer")] * len(records)
    return outcomes


def push_batch(
    connector: Connector,
    kind: str,
    transfers: list[Transfer],
    chart: Chart,
    log: ExchangeLog,
    run_id: int | None,
    labels: dict[int, str],
) -> BatchResult:
    result = BatchResult()
    built, unbuildable = build_records(transfers[0].connection_id, kind, transfers, chart)
    for t in unbuildable:
        set_state(t, PENDING, note="a parent is no longer in the package; planned again")
        t.lease_until = None
        t.changes = None  # the next send carries the current version
    if not built:
        db.session.commit()
        return result
    attempts = {}
    for t, _record, _snap in built:
        attempts[t.id] = Attempt(transfer_id=t.id, run_id=run_id, attempt_id=t.attempt_id or "")
        db.session.add(attempts[t.id])
    db.session.commit()

    log.take()
    outcomes = _call(connector, kind, [record for _, record, _ in built])
    requests_text, responses_text = log.take()
    result.outcomes = outcomes
    now = utcnow()
    for (t, record, snap), outcome in zip(built, outcomes, strict=True):
        attempt = attempts[t.id]
        attempt.finished_at = now
        attempt.outcome = type(outcome).__name__.lower()
        attempt.request = requests_text
        attempt.response = responses_text
        apply_outcome(t, outcome, snap, connector.title, labels.get(t.id, record.reference), result)
    db.session.commit()
    return result


def _totals_differ(
    t: Transfer, differ: TotalsDiffer, snap: dict, package: str, label: str
) -> None:
    """The package made the document with other totals (its VAT rounded another way). It is
    in the package, so the id stays and its payments may follow; what the package holds is
    recorded as the sent version, so the difference is a change to make by hand, like an
    edit after sending (and a later edit is diffed against the package's figures too)."""
    theirs = dict(snap)
    theirs["total"] = f"{differ.package_total:.2f}"
    theirs["tax"] = f"{differ.package_tax:.2f}"
    if "subtotal" in snap:
        theirs["subtotal"] = f"{differ.package_total - differ.package_tax:.2f}"
    t.sent_snapshot = theirs
    edited = {c["field"] for c in t.changes or []}
    t.changes = (t.changes or []) + [c for c in diff(theirs, snap) if c["field"] not in edited]
    set_state(
        t,
        NEEDS_MANUAL_UPDATE,
        Explanation(
            "totals_differ",
            f"{label} is in {package}, but {package} worked out its VAT as "
            f"£{differ.package_tax:.2f} (total £{differ.package_total:.2f}) where the job "
            f"system has £{differ.our_tax:.2f} (total £{differ.our_total:.2f}).",
            f"Change the VAT on {label} in {package} to £{differ.our_tax:.2f} so the total "
            f"is £{differ.our_total:.2f}, then press Done. Payments against it are sent as "
            "usual.",
        ),
    )


def apply_outcome(
    t: Transfer, outcome: Outcome, snap: dict, package: str, label: str, result: BatchResult
) -> None:
    now = utcnow()
    if isinstance(outcome, Sent):
        t.external_id = outcome.external_id
        t.sent_at = now
        t.sent_snapshot = snap
        t.lease_until = None
        if outcome.totals_differ is not None:
            _totals_differ(t, outcome.totals_differ, snap, package, label)
        elif outcome.finish_by_hand:
            # In the package, so never sent again; the step left over is the bookkeeper's.
            set_state(t, NEEDS_MANUAL_UPDATE, Explanation(
                "finish_by_hand",
                f"{label} is in {package}, but one step was left for you: "
                f"{outcome.finish_by_hand}.",
                f"Do that in {package}, then press Done."))
        # The record was edited while it was on its way: the package has the old version.
        elif t.changes:
            set_state(
                t,
                NEEDS_MANUAL_UPDATE,
                Explanation(
                    "changed_after_send",
                    "Edited in the job system while it was being sent; the package has the "
                    "earlier version.",
                    f"Make the changes listed here in {package}, then press Done.",
                ),
            )
        else:
            set_state(t, SENT, note=f"in {package} as {outcome.external_id}")
        result.sent += 1
    elif isinstance(outcome, Rejected):
        t.changes = None  # edits made meanwhile go with the retry
        set_state(t, FAILED, explain_rejection(outcome, package, label))
        t.package_message = outcome.package_message
        t.lease_until = None
        result.failed += 1
    elif isinstance(outcome, RetryLater):
        t.changes = None
        set_state(t, PENDING, note=f"{package} asked us to wait {outcome.after:.0f}s")
        t.not_before = now + timedelta(seconds=outcome.after)
        t.lease_until = None
        result.pause_for = max(result.pause_for or 0, outcome.after)
        result.pause_problem = outcome.problem
    elif isinstance(outcome, AuthLost):
        # The package refused the call, so nothing was created: the record simply waits.
        t.changes = None
        set_state(t, PENDING, note="access lost; waits for reconnection")
        t.lease_until = None
        result.auth_lost = outcome.detail or "access revoked"
    else:  # Uncertain: expire the lease now so reconciliation looks it up before any resend
        t.lease_until = now
        db.session.add(t)
        result.uncertain += 1
