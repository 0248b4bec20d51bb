"""Per-connection call budgets shared by every worker through Redis.

Every limit the connector declares (connectors.base.Limits: per minute, hour, day, a separate
budget for batch requests, calls in flight) is a rolling window, as the packages count: a
sorted set of call start times per window. Fixed clock windows would let a burst of nearly
twice the limit through across a window's edge, and the package would answer with 429s.

The whole of a package's limit is used (no calls kept spare): Xero and QuickBooks Online count
per app and per organisation, so no other app shares it, and the windows count exactly what the
package counts. Instead each window is held a little longer than the package's, so a call
that reaches the package sooner after us than an earlier one did is still inside its limit.

When a window is full the caller is told how long until its oldest call leaves it; the engine
parks the run for just that long and reschedules it instead of sleeping in the worker. A wait
of at most INLINE_WAIT_SECONDS is slept in place instead: parking costs more than that (RQ
wakes a run on whole seconds, and the resumed run reconciles first), so the run is parked for
the wait less that much, and the resumed run sleeps the last moment of it.

Why our own Lua script rather than the `limits` library's Redis moving windows: a call must be
checked against every window and the concurrency slots, and recorded in all of them, in one
atomic step. `limits` hits one limit at a time, so a call refused by the day window would
already have spent a slot of the minute window (and two workers could interleave between the
checks); it has no concurrency slots either.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import redis

from connectors.base import Limits, RateLimitedError

# Each window is held this much longer than the package's (network delays differ per call).
MARGIN_SECONDS = 1.0
# A concurrency slot whose call never said it was over (a killed worker) frees itself then.
LEASE_SECONDS = 300
# When every concurrency slot is taken, try again this soon: calls take seconds, not minutes.
CONCURRENCY_WAIT_SECONDS = 1.0
# A window that frees within this long is waited for in the worker, not by parking the run.
INLINE_WAIT_SECONDS = 2.0

# KEYS: the in-flight set, then one sorted set per window.
# ARGV: now (ms), call id, lease (ms), concurrency, then (length ms, limit) per window.
# Returns {0, 0} when the call was taken (recorded in every window and the in-flight set),
# {i, wait ms} when window i (1-based) is full, {-1, 0} when every slot is in flight.
_TAKE = """
local now = tonumber(ARGV[1])
local worst, wait = 0, 0
for i = 2, #KEYS do
  local length = tonumber(ARGV[3 + 2 * (i - 1)])
  local limit = tonumber(ARGV[4 + 2 * (i - 1)])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - length)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limit then
    -- the call may start once enough of the oldest calls have left the window
    local leaving = redis.call('ZRANGE', KEYS[i], count - limit, count - limit, 'WITHSCORES')
    local this_wait = tonumber(leaving[2]) + length - now
    if this_wait > wait then worst, wait = i - 1, this_wait end
  end
end
if worst > 0 then return {worst, tostring(wait)} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return {-1, '0'} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
for i = 2, #KEYS do
  local length = tonumber(ARGV[3 + 2 * (i - 1)])
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], length)
end
return {0, '0'}
"""


class CallBudget:
    """The connector's throttle: `budget()` or `budget(batch=True)` takes one call from every
    window that counts it, or raises RateLimitedError(after=seconds until it may start). It
    returns the function that frees the call's concurrency slot once the request is over.
    A window that frees within `inline_wait` seconds is slept for (`sleep`) and taken then;
    a longer wait is raised less `inline_wait`, so the parked run wakes just before its turn."""

    def __init__(
        self,
        client: redis.Redis,
        connection_id: int,
        limits: Limits,
        clock: Callable[[], float] = time.time,
        on_call: Callable[[], None] | None = None,
        inline_wait: float = INLINE_WAIT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.connection_id = connection_id
        self.limits = limits
        self.clock = clock
        self.on_call = on_call
        self.inline_wait = inline_wait
        self.sleep = sleep
        self._take_script = client.register_script(_TAKE)
        self._in_flight_key = f"ledgerlink:rl:{connection_id}:inflight"

    def __call__(self, batch: bool = False) -> Callable[[], None]:
        try:
            return self._take(batch)
        except RateLimitedError as exc:
            if exc.problem == "calls at once":
                raise
            if exc.after > self.inline_wait:
                raise RateLimitedError(exc.after - self.inline_wait, exc.problem) from None
            self.sleep(exc.after)
        return self._take(batch)  # a second refusal (another worker took the slot) is raised

    def _take(self, batch: bool) -> Callable[[], None]:
        now_ms = int(self.clock() * 1000)
        windows = [w for w in self.limits.windows() if batch or not w.batch_only]
        call_id = uuid.uuid4().hex
        keys = [self._in_flight_key]
        args: list[int | str] = [now_ms, call_id, LEASE_SECONDS * 1000,
                                 max(1, self.limits.concurrency)]
        for w in windows:
            keys.append(f"ledgerlink:rl:{self.connection_id}:{w.name.replace(' ', '_')}")
            args += [int((w.seconds + MARGIN_SECONDS) * 1000), w.calls]
        which, wait_ms = self._take_script(keys=keys, args=args)
        which = int(which)
        if which > 0:
            raise RateLimitedError(after=float(wait_ms) / 1000, problem=windows[which - 1].name)
        if which < 0:
            raise RateLimitedError(after=CONCURRENCY_WAIT_SECONDS, problem="calls at once")
        if self.on_call:
            self.on_call()
        return lambda: self._release(call_id)

    def _release(self, call_id: str) -> None:
        try:
            self.client.zrem(self._in_flight_key, call_id)
        except redis.RedisError:
            pass  # the slot's lease frees it; the call itself is over and must not fail now
