"""QuickBooks Online's throttles per company (realm), for the sandbox: 500 calls a minute,
10 at once, and 40 batch calls a minute (a batch also counts as one ordinary call).

Counters live in Redis (shared by every web process). The clock is `sandbox_store.now()`, which
tests move forward instead of sleeping. A refused call gets QBO's 429 throttle fault.
"""

from __future__ import annotations

from flask import Response, jsonify

from sandboxes.kit import windows as kit_windows
from sandboxes.kit.windows import Window
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
        self._held: list[Window] = []

    def acquire(self) -> Throttle:
        # Read at each call: tests lower the limits.
        windows = [kit_windows.sliding("minute", f"{PREFIX}min:{self.realm}", MINUTE_LIMIT, 60)]
        if self.batch:
            windows.append(kit_windows.sliding("batch", f"{PREFIX}batch:{self.realm}",
                                               BATCH_MINUTE_LIMIT, 60))
        windows.append(kit_windows.concurrent("concurrent", f"{PREFIX}conc:{self.realm}",
                                              CONCURRENT_LIMIT))
        verdict = kit_windows.acquire(windows, store.now())
        if verdict.allowed:
            self._held = windows
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
        if self._held:
            kit_windows.release(self._held)
            self._held = []
