"""Per-connection call budgets shared by every worker through Redis.

The minute budget is a rolling 60-second window (a sorted set of call times), as Xero and
QuickBooks Online count: fixed clock-minute windows would let a burst of nearly twice the limit
through across a minute's edge, and the package would answer with 429s. The day budget is a
counter per UTC day. When a budget is spent the caller is told how long to wait; the engine
then parks the run and reschedules it instead of sleeping in the worker.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import redis

from connectors.base import Limits, RateLimitedError

# Stay a little under the package's own limit: other apps of the same organisation share it.
HEADROOM = 0.95

# Atomically: drop calls older than the window; if the window is full, answer when the oldest
# call leaves it; otherwise record this call.
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return '0'
"""


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
        self._take_script = client.register_script(_TAKE)

    def _take_minute(self, now: float) -> None:
        limit = max(1, int(self.limits.calls_per_minute * HEADROOM))
        wait_ms = float(
            self._take_script(
                keys=[f"ledgerlink:rl:{self.connection_id}:minute"],
                args=[int(now * 1000), 60_000, limit, uuid.uuid4().hex],
            )
        )
        if wait_ms > 0:
            raise RateLimitedError(after=max(1.0, wait_ms / 1000), problem="minute")

    def _take_day(self, now: float) -> None:
        if not self.limits.calls_per_day:
            return
        limit = max(1, int(self.limits.calls_per_day * HEADROOM))
        start = int(now // 86400) * 86400
        key = f"ledgerlink:rl:{self.connection_id}:day:{start}"
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, 2 * 86400)
        if int(pipe.execute()[0]) > limit:
            raise RateLimitedError(after=max(1.0, start + 86400 - now), problem="day")

    def __call__(self) -> None:
        """Take one call from the budget or raise RateLimitedError(after=...)."""
        now = self.clock()
        self._take_day(now)
        self._take_minute(now)
        if self.on_call:
            self.on_call()
