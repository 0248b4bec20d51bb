"""A QuickBooks Online connector with a fault of ours in it: every invoice it sends comes back
with an id our database refuses to store, on every attempt alike (PostgreSQL refused a
FreeAgent receipt's long id this way once)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.base import Outcome, RecordKind, Sent
from connectors.quickbooks_online import QuickBooksOnlineConnector


class Unstorable:
    """An id no database column takes."""

    def __repr__(self) -> str:
        return "an id our database refuses"


class UnstorableIdQbo(QuickBooksOnlineConnector):
    key = "qbo_unstorable_id"

    def push(self, kind: RecordKind, batch: Sequence[Any]) -> list[Outcome]:
        if kind == "invoice" and batch:
            return [Sent(Unstorable())] * len(batch)  # type: ignore[arg-type]
        return super().push(kind, batch)


class StoppedWhileStartingQbo(QuickBooksOnlineConnector):
    """The worker is told to stop (RQ's StopRequested, an Exception) while the run sets up."""

    key = "qbo_stopped_while_starting"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from rq.exceptions import StopRequested

        raise StopRequested()
