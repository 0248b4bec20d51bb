"""Rate windows for the package simulators, counted in Redis so every web process shares them:
sliding windows (calls in any N seconds), fixed windows (calls in this UTC day, reset at a known
moment), concurrency (calls in flight) and separate budgets (QBO's batch calls are one more
window the package adds to batch calls only). Each package supplies only its numbers, keys and
the answer it gives when refused.

One Lua script checks and counts every window of a call atomically, so a refused call counts
nowhere and two processes never both take the last slot. (The `limits` library's moving windows
test one limit per call; several in one atomic step, with the oldest call's time for Retry-After,
needs the script.)
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sandboxes.kit.redis_conn import get_redis

# KEYS: one per window. ARGV: now, member, then (kind, limit, span) per window: a sliding
# window's span is its length, a fixed window's the seconds its key lives. Forget calls that
# left each sliding window, refuse naming the first window that is full (with its oldest call),
# else count the call in every window. Answers the counts after the call (before, if refused).
_ACQUIRE = """
local now = tonumber(ARGV[1])
local n = #KEYS
local counts = {}
for i = 1, n do
  if ARGV[3 * i] == 's' then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[3 * i + 2]))
    counts[i] = redis.call('ZCARD', KEYS[i])
  else
    counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
end
for i = 1, n do
  if counts[i] >= tonumber(ARGV[3 * i + 1]) then
    local oldest = '0'
    if ARGV[3 * i] == 's' then
      local first = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
      oldest = first[2] or '0'
    end
    return {'refused', i, oldest, unpack(counts)}
  end
end
for i = 1, n do
  local span = tonumber(ARGV[3 * i + 2])
  if ARGV[3 * i] == 's' then
    redis.call('ZADD', KEYS[i], now, ARGV[2])
    redis.call('EXPIRE', KEYS[i], math.ceil(span) + 60)
  else
    redis.call('INCR', KEYS[i])
    redis.call('EXPIRE', KEYS[i], math.ceil(span))
  end
  counts[i] = counts[i] + 1
end
return {'ok', 0, '0', unpack(counts)}
"""

CONCURRENT_KEY_SECONDS = 300  # a process that died mid-call frees its slot after this


@dataclass(frozen=True)
class Window:
    """At most `limit` calls, counted under `key`; `name` says which limit refused a call."""

    name: str
    key: str
    limit: int
    kind: Literal["sliding", "fixed", "concurrent"] = "sliding"
    seconds: float = 60  # sliding: the window's length; fixed: until it starts again

    def _argv(self) -> list[object]:
        if self.kind == "sliding":
            return ["s", self.limit, self.seconds]
        if self.kind == "fixed":
            # The key outlives the window by an hour: a late call never finds a fresh count.
            return ["f", self.limit, self.seconds + 3600]
        return ["c", self.limit, CONCURRENT_KEY_SECONDS]


def sliding(name: str, key: str, limit: int, seconds: float) -> Window:
    return Window(name, key, limit, "sliding", seconds)


def utc_day(name: str, key: str, limit: int, moment: float) -> Window:
    """Calls in this UTC day (the key names the day), starting again at midnight."""
    day = datetime.fromtimestamp(moment, UTC)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    return Window(name, f"{key}:{day:%Y%m%d}", limit, "fixed", midnight.timestamp() - moment)


def concurrent(name: str, key: str, limit: int) -> Window:
    return Window(name, key, limit, "concurrent")


@dataclass(frozen=True)
class Verdict:
    """One call's claim: allowed or refused (by which window, for how long), and each window's
    count (after the call when allowed), for the package's remaining-calls headers."""

    allowed: bool
    counts: dict[str, int]
    refused_by: Window | None = None
    retry_after: int = 0

    def remaining(self, window: Window) -> int:
        return max(window.limit - self.counts.get(window.name, 0), 0)


def acquire(windows: Sequence[Window], moment: float) -> Verdict:
    """Count one call in every window, or refuse it. An allowed call that holds a concurrent
    window must `release(windows)` when it ends."""
    args: list[object] = [repr(moment), f"{moment}:{secrets.token_hex(6)}"]
    for window in windows:
        args += window._argv()
    result = get_redis().eval(_ACQUIRE, len(windows), *[w.key for w in windows], *args)
    verdict = result[0].decode() if isinstance(result[0], bytes) else result[0]
    counts = {w.name: int(c) for w, c in zip(windows, result[3:], strict=True)}
    if verdict == "ok":
        return Verdict(True, counts)
    window = windows[int(result[1]) - 1]
    if window.kind == "sliding":
        wait = float(result[2]) + window.seconds - moment
    elif window.kind == "fixed":
        wait = window.seconds
    else:
        wait = 1
    return Verdict(False, counts, window, math.ceil(max(wait, 1)))


def release(windows: Sequence[Window]) -> None:
    """The call ended: free its concurrent slots."""
    for window in windows:
        if window.kind == "concurrent":
            get_redis().decr(window.key)
