"""Retry and "Do not send" for every record a filtered list shows, each checked as the single
action checks it: a row in a state the action does not apply to is counted and said, never
forced. Retry then starts one run per connection touched, as the single Retry does.

`retry_all` is the one place a bulk retry is done; once app/sync/actions.retry_transfers
(flows) is on main it can hand the whole list to that instead of looping here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.dashboard.phrases import STATE_LABELS, join_words, plural
from app.dashboard.queries import package_title
from app.extensions import db
from app.models import Connection, Transfer
from app.models.connection import CONNECTED
from app.models.transfer import BLOCKED, FAILED, PENDING
from app.records import queries
from app.sync import actions
from app.sync.runs import start_run

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
            _one(actions.mark_do_not_send, t, result)
    return result


def retry_all(transfers: Iterable[Transfer], user: Any, result: BulkResult) -> None:
    """Retry each failed transfer, then one run per connection (joining any under way)."""
    touched: dict[int, Connection] = {}
    for t in transfers:
        if _one(actions.retry, t, result):
            conn = db.session.get(Connection, t.connection_id)
            if conn is not None and conn.company_id == t.company_id:
                touched[conn.id] = conn
    for conn in touched.values():
        if conn.status == CONNECTED:
            start_run(conn, trigger="retry")
        else:
            result.notes.append(f"Those for {package_title(conn.package)} go once it is "
                                "reconnected.")


def _one(do: Any, transfer: Transfer, result: BulkResult) -> bool:
    try:
        do(transfer)
    except actions.ActionRefused:
        db.session.rollback()
        db.session.refresh(transfer)
        result.skipped[transfer.state] += 1  # it moved on since the list was read
        return False
    result.changed += 1
    return True
