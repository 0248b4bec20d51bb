"""Settling sends whose outcome we do not know, before anything is resent.

A transfer left `sending` with an expired lease was claimed by a worker that crashed, or got an
answer we could not trust. The package is asked whether it has the record (by our reference):
if it does, the transfer is `sent` with that id; if not, it goes back to `pending` and is sent
again with the same idempotency key.
"""

from __future__ import annotations

from app.extensions import db
from app.models import Connection, Transfer, utcnow
from app.models.transfer import PENDING, SENDING
from app.sync.canonical import Chart
from app.sync.plan import set_state
from app.sync.push import BatchResult, apply_outcome, build_records
from app.sync.records import KIND_ORDER
from connectors.base import (
    AuthLost,
    AuthLostError,
    Connector,
    RateLimitedError,
    RetryLater,
    Sent,
)


def expired_claims(connection_id: int) -> list[Transfer]:
    stmt = (
        db.select(Transfer)
        .filter(
            Transfer.connection_id == connection_id,
            Transfer.state == SENDING,
            db.or_(Transfer.lease_until.is_(None), Transfer.lease_until <= utcnow()),
        )
        .order_by(Transfer.id)
    )
    claims = list(db.session.execute(stmt).scalars())
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(claims, key=lambda t: (order.get(t.record_type, 99), t.id))


def reconcile(connection: Connection, connector: Connector, chart: Chart) -> int:
    """Look up every expired claim; returns how many were found already in the package.

    Lets RateLimitedError and AuthLostError through: the run pauses or stops, and the claims
    stay expired, so the next attempt reconciles them again. Nothing is resent from here.
    """
    found = 0
    result = BatchResult()
    for t in expired_claims(connection.id):
        built, unbuildable = build_records(connection.id, t.record_type, [t], chart)
        if unbuildable:
            set_state(t, PENDING, note="claim expired; a parent is missing; planned again")
            t.lease_until = None
            t.changes = None
            db.session.commit()
            continue
        _, record, snap = built[0]
        external_id = connector.find(record)
        if external_id:
            outcome = connector.complete(record, external_id)
            if isinstance(outcome, RetryLater):
                raise RateLimitedError(outcome.after, outcome.problem)  # the claim stays open
            if isinstance(outcome, AuthLost):
                raise AuthLostError(outcome.detail)
            if not isinstance(outcome, Sent):
                continue  # still unsure; the claim stays expired for the next attempt
            apply_outcome(t, outcome, snap, connector.title, record.reference, result)
            found += 1
        else:
            set_state(
                t,
                PENDING,
                note="not found in the package after an uncertain send; "
                "will be sent again with the same key",
            )
            t.lease_until = None
        db.session.commit()
    return found
