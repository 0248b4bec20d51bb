"""Idempotent replay for the package simulators: a request repeated with the same key gets the
answer the first one got, and does nothing again. Where the key lives is the package's (Xero's
Idempotency-Key header, QBO's requestid parameter, Sage's idempotency_id in the body), and so is
what a key reused for a different request gets: an error (Xero), or the first answer anyway
(QBO).

Answers are kept in the package's ObjectStore (collection "idempotency", per tenant), written in
the same commit as what the first request changed when that request leaves its writes to us.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response

from sandboxes.kit import store as kit_store
from sandboxes.kit.redis_conn import get_redis
from sandboxes.kit.store import ObjectStore

Answer = tuple[Response, int]
COLLECTION = "idempotency"
LOCK_SECONDS = 60


def fingerprint(*parts: bytes | str) -> str:
    """What makes two requests "the same": e.g. method, path and body."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\n")
    return digest.hexdigest()


def _as_pair(answer: Answer | Response) -> Answer:
    return (answer, answer.status_code) if isinstance(answer, Response) else answer


@dataclass(frozen=True)
class Replays:
    package: str
    # The package's answer to a key reused with another request; None: the first answer.
    mismatch: Callable[[], Answer] | None = None
    # Which answers are kept for a repeat (Xero keeps none of its 5xx; QBO keeps every one).
    keep: Callable[[int], bool] = lambda status: True

    def _lock(self, tenant: str, key: str):  # type: ignore[no-untyped-def]
        digest = hashlib.sha256(key.encode()).hexdigest()
        return get_redis().lock(f"sandbox:{self.package}:idem:{tenant}:{digest}",
                                timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)

    def once(self, tenant: str, key: str, request_print: str,
             handle: Callable[[], Answer | Response]) -> Answer:
        """`handle()`'s answer, or the stored one for this key. Two requests with one key at
        once: the second waits for the first, then replays its answer."""
        store = ObjectStore(self.package)
        with self._lock(tenant, key):
            stored = store.get_data(tenant, COLLECTION, key)
            if stored is not None:
                if self.mismatch is not None and stored["fingerprint"] != request_print:
                    return self.mismatch()
                return Response(stored["body"], status=stored["status"],
                                mimetype="application/json"), stored["status"]
            response, status = _as_pair(handle())
            if self.keep(status):
                store.put(tenant, COLLECTION, key, {
                    "fingerprint": request_print, "status": status,
                    "body": response.get_data(as_text=True)})
            kit_store.commit()
            return response, status
