"""Sage Accounting's rate limits, for the sandbox: per business 200 calls in any 60 seconds and
10 at once, answered with a 429 and Retry-After. The windows are the kit's (Redis, shared by
every web process); the clock is `store.now()`, which tests move instead of sleeping.
"""

from __future__ import annotations

from flask import Response

from sandboxes.kit import windows as kit_windows
from sandboxes.kit.windows import Window
from sandboxes.sage_accounting import replies
from sandboxes.sage_accounting import store as store

# unverified: 200 a minute per business is the v3.0 docs' figure; v3.1's is not published.
MINUTE_LIMIT = 200
# unverified: no concurrency limit is documented; 10 is the wire contract's guess.
CONCURRENT_LIMIT = 10
PREFIX = "sandbox:sage_accounting:"


class Throttle:
    """One call's claim on its business's windows: `refused` holds the 429 when it has none."""

    def __init__(self, business: str) -> None:
        self.business = business
        self.refused: tuple[Response, int] | None = None
        self._held: list[Window] = []

    def _windows(self) -> list[Window]:
        # Read at each call: tests lower the limits.
        return [
            kit_windows.sliding("minute", f"{PREFIX}min:{self.business}", MINUTE_LIMIT, 60),
            kit_windows.concurrent("concurrent", f"{PREFIX}conc:{self.business}",
                                   CONCURRENT_LIMIT),
        ]

    def acquire(self) -> Throttle:
        windows = self._windows()
        verdict = kit_windows.acquire(windows, store.now())
        if verdict.allowed:
            self._held = windows
        else:
            self.refused = replies.too_many(verdict.retry_after)
        return self

    def release(self) -> None:
        if self._held:
            kit_windows.release(self._held)
            self._held = []
