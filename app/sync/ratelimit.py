"""Per-connection call budgets shared by every worker through Redis.

A fixed window per minute and per day (the packages count that way). When a budget is spent the
caller is told how long to wait; the engine then pauses the run and reschedules it instead of
sleeping in the worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

from connectors.base import Limits, RateLimitedError

# Stay a little under the package's own limit: other apps of the same organisation share it.
HEADROOM = 0.95


class CallBudget:
    def __init__(
        self,
        client: redis.Redis,
        connection_id: int,
        limits: Limits,
        clock: Callable[[], float] = time.time,
        on_call: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.connection_id = connection_id
        self.limits = limits
        self.clock = clock
        self.on_call = on_call

    def _take(self, window: int, limit: int, problem: str) -> None:
        now = self.clock()
        start = int(now // window) * window
        key = f"ledgerlink:rl:{self.connection_id}:{window}:{start}"
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, window * 2)
        count = int(pipe.execute()[0])
        if count > limit:
            raise RateLimitedError(after=max(1.0, start + window - now), problem=problem)

    def __call__(self) -> None:
        """Take one call from the budget or raise RateLimitedError(after=...)."""
        per_minute = max(1, int(self.limits.calls_per_minute * HEADROOM))
        self._take(60, per_minute, "minute")
        if self.limits.calls_per_day:
            self._take(86400, max(1, int(self.limits.calls_per_day * HEADROOM)), "day")
        if self.on_call:
            self.on_call()
