"""Retry and "Do not send" for every record a filtered list shows, each checked as the single
action checks it: a row in a state the action does not apply to is counted and said, never
forced. Retry then starts one run per connection touched, as the single Retry does.

A bulk Retry goes through app/sync/actions.retry_transfers, as the single one does: each
connection gets one run scoped to the retried records and the parents they need.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.dashboard.phrases import STATE_LABELS, join_words, plural
from app.extensions import db
from app.models import Transfer
from app.models.transfer import BLOCKED, FAILED, PENDING
from app.records import queries
from app.sync import actions
from app.sync.recheck import retry_blocker

BULK_ROLES = ("admin", "bookkeeper")
# action slug -> (states it applies to, what was done, with {n} for "3 records")
BULK_ACTIONS = {
    "retry": ((FAILED,), "Retried {n}."),
    "do-not-send": ((PENDING, BLOCKED, FAILED), "Marked {n} as do not send."),
}
NOTHING_DONE = {"retry": "No records were retried.",
                "do-not-send": "No records were marked as do not send."}
WHY_NOT = {
    "retry": "only failed records can be retried",
    "do-not-send": "only records that have not reached the package can be held back",
}


@dataclass
class BulkResult:
    action: str
    changed: int = 0
    skipped: Counter = field(default_factory=Counter)  # state -> how many left as they were
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """'Retried 3 records. 2 were not: 1 sent and 1 pending (only failed records can be
        retried).'"""
        said = (BULK_ACTIONS[self.action][1].format(n=plural(self.changed, "record"))
                if self.changed else NOTHING_DONE[self.action])
        left = sum(self.skipped.values())
        if left:
            states = join_words([f"{n:,} {STATE_LABELS.get(s, s).lower()}"
                                 for s, n in sorted(self.skipped.items())])
            said += (f" {plural(left, 'record was', 'records were')} left as "
                     f"{'it was' if left == 1 else 'they were'}: {states} "
                     f"({WHY_NOT[self.action]}).")
        return " ".join([said, *self.notes])


def applies(action: str, transfer: Transfer) -> bool:
    return transfer.state in BULK_ACTIONS[action][0]


def bulk_act(company_id: int, f: queries.Filters, action: str, user: Any) -> BulkResult:
    """Apply `action` to every transfer the filters match (all pages, not only the one shown)."""
    transfers = list(db.session.execute(queries.matching(company_id, f)).scalars())
    result = BulkResult(action)
    todo = [t for t in transfers if applies(action, t)]
    for t in transfers:
        if not applies(action, t):
            result.skipped[t.state] += 1
    if action == "retry":
        retry_all(todo, user, result)
    else:
        for t in todo:
            _one(actions.mark_do_not_send, t, user, result)
    return result


def retry_all(transfers: Iterable[Transfer], user: Any, result: BulkResult) -> None:
    """Retry the failed transfers that could now get through, in one run per connection
    scoped to them and the parents they need (app/sync/actions.retry_transfers). Those our
    own checks would stop again are left failed, with the reason said once."""
    ready, stopped = [], 0
    for t in transfers:
        if retry_blocker(t) is None:
            ready.append(t)
        else:
            stopped += 1
    if stopped:
        result.notes.append(
            f"{plural(stopped, 'record was', 'records were')} not retried: our own checks "
            "would stop them again (see each record for what to fix).")
    if not ready:
        return
    try:
        retried = actions.retry_transfers(ready, user)
    except actions.ActionRefused:
        db.session.rollback()
        for t in ready:
            db.session.refresh(t)
            result.skipped[t.state] += 1  # they moved on since the list was read
        return
    result.changed += len(retried.retried)
    # "Retried 3 records" already says what goes, unless parents go with them (or some wait
    # for a reconnection): only then is the run's own sentence worth adding.
    scoped = sum(len(run.scope or []) for run in retried.runs)
    if retried.message and scoped != len(retried.retried):
        result.notes.append(retried.message)


def _one(do: Any, transfer: Transfer, user: Any, result: BulkResult) -> bool:
    try:
        do(transfer, user)
    except actions.ActionRefused:
        db.session.rollback()
        db.session.refresh(transfer)
        result.skipped[transfer.state] += 1  # it moved on since the list was read
        return False
    result.changed += 1
    return True
