"""Pull mode: handing records out to a package's desktop side, and applying its answers.

The same exactly-once rules as a push (app/sync/push.py), with the desktop side making the
call instead of us:
- a hand-out claims its transfers `sending` under a fresh attempt id and a lease, committed
  before the request leaves;
- an answer applies only to the hand-out it belongs to (its attempt id) and only to transfers
  still out on it: a repeated answer, or a late one for records handed out again, changes
  nothing;
- a hand-out whose answer never came is uncertain once its lease runs out: it is handed out
  again at the connector's check stage, which finds what the lost request may have made before
  anything is added;
- records go in dependency order (plan_kind blocks a child until its parent is in the package,
  so a child is handed out only after its parent's answer came back).

Pure sync-layer code: the Web Connector's SOAP endpoint and the agent API are thin layers over
`next_handout` / `apply_answer` / `abandon`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from app.extensions import db
from app.models import Attempt, Connection, Run, Transfer, utcnow
from app.models.transfer import PENDING, SENDING
from app.records.snapshot import snapshot
from app.sync.canonical import Chart
from app.sync.package_refs import assign, refused
from app.sync.plan import ensure_transfers, plan_kind, set_state
from app.sync.precreate import CONTACT_KINDS, look_before_creating
from app.sync.push import BatchResult, apply_outcome, build_records, claim_batch
from app.sync.records import KIND_ORDER, label, load_rows
from app.sync.runs import active_run
from connectors.base import Continue, Outcome, Rejected, Sent, Uncertain
from connectors.capabilities import ChoosesReferences, PullConnector, PullItem

ADD = ""  # the first stage of every record


@dataclass
class Handout:
    """Records of one kind at one stage, out with the desktop side under one attempt id."""

    attempt_id: str
    kind: str
    stage: str
    transfer_ids: list[int]
    items: list[PullItem] = field(default_factory=list)


@dataclass
class AnswerResult:
    applied: int = 0  # transfers the answer settled or moved on
    ignored: int = 0  # not (or no longer) out on this hand-out
    sent: int = 0
    failed: int = 0
    uncertain: int = 0


def may_hand_out(connection: Connection) -> bool:
    """Records go only once someone pressed Start, and on a manual schedule only while a Send
    Data run asks for them (the Web Connector's own schedule is the automatic one)."""
    if not connection.sending_started:
        return False
    return connection.schedule == "automatic" or active_run(connection.id) is not None


def _lease(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


def _items(connection: Connection, connector: PullConnector, kind: str,
           transfers: list[Transfer]) -> list[PullItem]:
    """The canonical records for transfers, in transfer order; a transfer whose record can no
    longer be built (a parent left the package) goes back to be planned again."""
    chart = Chart.load(connection.company_id, connection.id)
    built, unbuildable = build_records(connection.id, kind, transfers, chart)
    for t in unbuildable:
        set_state(t, PENDING, note="a parent is no longer in the package; planned again")
        t.lease_until, t.stage, t.attempt_id = None, ADD, None
    return _with_references(connection, connector, kind, [
        PullItem(str(t.id), record, t.external_id or "", t.stage, t.package_ref)
        for t, record, _ in built])


def _with_references(connection: Connection, connector: PullConnector, kind: str,
                     items: list[PullItem]) -> list[PullItem]:
    """Contacts of a package where we choose their references get one (kept from then on)."""
    if kind in CONTACT_KINDS and isinstance(connector, ChoosesReferences) and items:
        return assign(connection, connector, items)
    return items


def stage_kind(stage: str) -> str:
    """What a hand-out's records share of their stages: the name up to ":" (the rest is each
    record's own, such as the amount a credit is applied with)."""
    return stage.split(":", 1)[0]


def _reclaim(connection: Connection, connector: PullConnector, lease_seconds: int,
             size_of: dict[str, int]) -> Handout | None:
    """Records already on their way, before any new one: those whose lease ran out
    (uncertain: their check stage), those an answer moved to a next stage, and those retried
    after a later stage failed (from that stage's check, never from the add). The first kind
    in dependency order goes first."""
    now = utcnow()
    rows = list(db.session.execute(
        db.select(Transfer).filter(
            Transfer.connection_id == connection.id,
            db.or_(
                db.and_(Transfer.state == SENDING,
                        db.or_(Transfer.lease_until.is_(None), Transfer.lease_until <= now)),
                db.and_(Transfer.state == PENDING, Transfer.stage != ADD,
                        db.or_(Transfer.not_before.is_(None), Transfer.not_before <= now)),
            ),
        ).order_by(Transfer.id)
    ).scalars())
    if not rows:
        return None
    for t in rows:
        lost = t.state == SENDING and t.lease_until is not None
        if lost or t.state == PENDING:  # settle what an earlier request may have done
            t.stage = connector.check_stage(t.record_type, t.stage)  # type: ignore[arg-type]
            t.lease_until = None
    first = min(rows, key=lambda t: (KIND_ORDER.index(t.record_type), t.id))
    shared = stage_kind(first.stage)
    group = [t for t in rows
             if (t.record_type, stage_kind(t.stage)) == (first.record_type, shared)]
    return _claim(connection, first.record_type, shared,
                  group[: size_of.get(first.record_type, 1)], lease_seconds)


def _claim(connection: Connection, kind: str, stage: str, transfers: list[Transfer],
           lease_seconds: int) -> Handout | None:
    attempt_id = uuid.uuid4().hex
    until = utcnow() + _lease(lease_seconds)
    for t in transfers:
        if t.state != SENDING:
            set_state(t, SENDING, note=f"handed out ({attempt_id})")
            t.attempt_count += 1
        t.attempt_id, t.lease_until, t.not_before = attempt_id, until, None
    db.session.commit()
    return Handout(attempt_id, kind, stage, [t.id for t in transfers])


MAX_EMPTY_CLAIMS = 20  # batches refused whole in pre-flight before a hand-out gives up


def next_handout(connection: Connection, connector: PullConnector, lease_seconds: int,
                 max_records: int | None = None) -> Handout | None:
    """The next batch for the desktop side, claimed under a lease and committed, its records
    built; None when nothing is ready. Records the connector refuses in pre-flight are failed
    here, in words, and never handed out. `max_records` caps the connector's batch sizes (the
    desktop side may ask for smaller batches)."""
    for _ in range(MAX_EMPTY_CLAIMS):
        handout = _next_claim(connection, connector, lease_seconds, max_records)
        if handout is None:
            return None
        transfers = out_on(connection.id, handout.attempt_id)
        handout.items = _items(connection, connector, handout.kind, transfers)
        refused = connector.preflight(handout.kind, handout.stage, handout.items)  # type: ignore[arg-type]
        if refused:
            apply_answer(connection, handout.attempt_id,
                         {int(rid): o for rid, o in refused.items()}, connector.title)
            handout.items = [i for i in handout.items if i.request_id not in refused]
        db.session.commit()
        if handout.items:
            handout.transfer_ids = [int(i.request_id) for i in handout.items]
            return handout
    return None


def _next_claim(connection: Connection, connector: PullConnector, lease_seconds: int,
                max_records: int | None = None) -> Handout | None:
    cap = max_records or 10**6
    size_of = {k: max(1, min(cap, int(v))) for k, v in connector.limits.batch_size.items()}
    again = _reclaim(connection, connector, lease_seconds, size_of)
    if again is not None:
        return again
    if not may_hand_out(connection):
        return None
    ensure_transfers(connection)
    chart = Chart.load(connection.company_id, connection.id)
    for kind in KIND_ORDER:
        plan_kind(connection, kind, chart, connector.title)
        if kind in CONTACT_KINDS:
            # As before a push: a contact already in the package (in the list its desktop
            # side sent) is linked, a likely twin held for the bookkeeper (precreate.py).
            look_before_creating(connection, connector, kind, connector.title, {})
        claimed = claim_batch(connection.id, kind, size_of.get(kind, 1), lease_seconds)
        if claimed:
            return Handout(claimed[0].attempt_id or "", kind, ADD, [t.id for t in claimed])
    return None


def out_on(connection_id: int, attempt_id: str) -> list[Transfer]:
    """The transfers still out on a hand-out, in the order they were handed out."""
    if not attempt_id:
        return []
    return list(db.session.execute(
        db.select(Transfer).filter(
            Transfer.connection_id == connection_id,
            Transfer.attempt_id == attempt_id,
            Transfer.state == SENDING,
        ).order_by(Transfer.id)
    ).scalars())


def items_of(connection: Connection, kind: str, transfers: list[Transfer]) -> list[PullItem]:
    """The hand-out's items rebuilt, to read its answer against (the same records, ids,
    references and order the request was rendered from)."""
    chart = Chart.load(connection.company_id, connection.id)
    built, _ = build_records(connection.id, kind, transfers, chart)
    return [PullItem(str(t.id), record, t.external_id or "", t.stage, t.package_ref)
            for t, record, _ in built]


def apply_answer(connection: Connection, attempt_id: str, outcomes: dict[int, Outcome],
                 package: str, request: str = "", response: str = "") -> AnswerResult:
    """Apply the desktop side's answer to its hand-out; `outcomes` by transfer id. Transfers not
    out on this attempt (answered already, or handed out again since) are left alone."""
    result = AnswerResult()
    out = {t.id: t for t in out_on(connection.id, attempt_id)}
    run = active_run(connection.id)
    batch = BatchResult()
    kinds = {t.record_type for t in out.values()}
    rows = {k: load_rows(k, [t.record_id for t in out.values() if t.record_type == k])
            for k in kinds}
    now = utcnow()
    for transfer_id, outcome in outcomes.items():
        t = out.get(transfer_id)
        if t is None:
            result.ignored += 1
            continue
        result.applied += 1
        db.session.add(Attempt(transfer_id=t.id, run_id=run.id if run else None,
                               attempt_id=attempt_id, finished_at=now,
                               outcome=type(outcome).__name__.lower(),
                               request=request, response=response))
        row = rows[t.record_type].get(t.record_id)
        if isinstance(outcome, Continue):
            _continue(t, outcome)
            continue
        snap = snapshot(t.record_type, row) if row is not None else {}
        name = label(t.record_type, row) if row is not None else t.record_type
        if isinstance(outcome, Uncertain):
            # Left out until its lease runs out, then checked: not handed out again in this
            # session, where the same answer would only come back.
            batch.uncertain += 1
            continue
        if isinstance(outcome, Sent):
            t.stage = ADD  # done; a later stage that failed keeps its place for a Retry
        apply_outcome(t, outcome, snap, package, name, batch)
        if isinstance(outcome, Rejected) and outcome.details.get("reference_ours"):
            refused(connection, t)
    result.sent, result.failed, result.uncertain = batch.sent, batch.failed, batch.uncertain
    if run is not None:
        run.sent += batch.sent
        run.failed += batch.failed
    db.session.commit()
    return result


def _continue(t: Transfer, outcome: Continue) -> None:
    """A step is done and another is due (or, from a check, nothing was made: add it again).
    The attempt id is dropped, so a repeated answer to this hand-out changes nothing."""
    t.attempt_id, t.lease_until = None, None
    if outcome.stage == ADD and not outcome.external_id:
        set_state(t, PENDING, note="not in the package after a lost answer: to be added")
        t.stage = ADD
        return
    t.external_id = outcome.external_id or t.external_id
    t.stage = outcome.stage
    db.session.add(t)


def abandon(connection_id: int, attempt_id: str) -> int:
    """The desktop side will not answer this hand-out (an error, a lost connection): its
    records are uncertain now, so the next hand-out checks them first."""
    out = out_on(connection_id, attempt_id)
    now = utcnow()
    for t in out:
        t.lease_until = now
    db.session.commit()
    return len(out)


def open_count(connection_id: int) -> int:
    """Records not yet settled in the package: waiting, or out with the desktop side."""
    return db.session.execute(
        db.select(db.func.count(Transfer.id)).filter(
            Transfer.connection_id == connection_id,
            Transfer.state.in_((PENDING, SENDING)),
        )
    ).scalar_one()


def finish_run_when_done(connection_id: int) -> Run | None:
    """The Send Data run of a pull connection ends when nothing it waits for is left."""
    run = active_run(connection_id)
    if run is None or open_count(connection_id):
        return None
    run.status, run.finished_at = "finished", utcnow()
    run.detail = ""
    db.session.commit()
    return run


def outcomes_by_id(items: Sequence[PullItem], outcomes: Sequence[Outcome]) -> dict[int, Outcome]:
    """The connector's outcomes (in item order) keyed by transfer id; a malformed answer (a
    count that does not match) leaves every item uncertain."""
    if len(outcomes) != len(items):
        outcomes = [Uncertain("the connector returned a malformed answer")] * len(items)
    return {int(i.request_id): o for i, o in zip(items, outcomes, strict=True)}


def ready_count(connection: Connection, connector: PullConnector) -> int:
    """How many records the next hand-outs would carry now (planned first, so children whose
    parents just arrived count): zero means the desktop side can stop for this time."""
    now = utcnow()
    if may_hand_out(connection):
        ensure_transfers(connection)
        chart = Chart.load(connection.company_id, connection.id)
        for kind in KIND_ORDER:
            plan_kind(connection, kind, chart, connector.title)
    ready = db.or_(Transfer.not_before.is_(None), Transfer.not_before <= now)
    waiting = db.and_(Transfer.state == PENDING, ready)
    if not may_hand_out(connection):
        waiting = db.and_(waiting, Transfer.stage != ADD)
    return db.session.execute(
        db.select(db.func.count(Transfer.id)).filter(
            Transfer.connection_id == connection.id,
            db.or_(
                waiting,
                db.and_(Transfer.state == SENDING,
                        db.or_(Transfer.lease_until.is_(None), Transfer.lease_until <= now)),
            ),
        )
    ).scalar_one()
