"""QuickBooks Online's throttles per company (realm), for the sandbox: 500 calls a minute,
10 at once, and 40 batch calls a minute (a batch also counts as one ordinary call).

Counters live in Redis (shared by every web process). The clock is `sandbox_store.now()`, which
tests move forward instead of sleeping. A refused call gets QBO's 429 throttle fault.
"""

from __future__ import annotations

from flask import Response, jsonify

from sandboxes.kit import common
from sandboxes.quickbooks_online import store as store

MINUTE_LIMIT = 500
CONCURRENT_LIMIT = 10
BATCH_MINUTE_LIMIT = 40
PREFIX = "sandbox:qbo:"


class Throttle:
    """One call's claim on its realm's limits; `refused` is the 429 answer when it had none."""

    def __init__(self, realm: str, batch: bool) -> None:
        self.realm, self.batch = realm, batch
        self.refused: tuple[Response, int] | None = None
        self._holding = False

    @property
    def _concurrent_key(self) -> str:
        return f"{PREFIX}conc:{self.realm}"

    def acquire(self) -> Throttle:
        windows = [common.Window(f"{PREFIX}min:{self.realm}", 60, MINUTE_LIMIT)]
        if self.batch:
            windows.append(common.Window(f"{PREFIX}batch:{self.realm}", 60, BATCH_MINUTE_LIMIT))
        verdict = common.acquire(windows, self._concurrent_key, CONCURRENT_LIMIT, store.now())
        if verdict.allowed:
            self._holding = True
            return self
        body = {"Fault": {"Error": [{
            "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "Detail": "The request limit was reached.", "code": "3001"}], "type": "SERVICE"},
            "time": store.response_time()}
        response = jsonify(body)
        # Intuit sends no Retry-After; the sandbox says when a slot frees, as a courtesy.
        response.headers["Retry-After"] = str(verdict.retry_after)
        self.refused = (response, 429)
        return self

    def release(self) -> None:
        if self._holding:
            self._holding = False
            common.release(self._concurrent_key)
