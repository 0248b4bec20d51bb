"""Pieces every package simulator needs and none owns: sliding-window rate limits in Redis and
reading a request body as JSON."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any

from sandboxes.kit.redis_conn import get_redis

# The packages' deepest real bodies (a QBO batch of invoices with line details) are under 10
# levels; far deeper is an attack, and checking or walking it would exhaust the stack.
MAX_JSON_DEPTH = 32


# ---------------------------------------------------------------- rate limits

# One atomic step over N sliding windows (sorted sets of call timestamps) and one concurrency
# counter: forget calls older than each window, refuse naming the first limit reached, else
# count the call everywhere. ARGV: now, member, concurrent limit, then (seconds, limit) per window.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local n = #KEYS - 1
local counts = {}
for i = 1, n do
  local span = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - span)
  counts[i] = redis.call('ZCARD', KEYS[i])
end
local conc = tonumber(redis.call('GET', KEYS[n + 1]) or '0')
for i = 1, n do
  if counts[i] >= tonumber(ARGV[3 + 2 * i]) then
    local first = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    return {'window', i, first[2] or '0'}
  end
end
if conc >= tonumber(ARGV[3]) then return {'concurrent', 0, '0'} end
for i = 1, n do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('EXPIRE', KEYS[i], math.ceil(tonumber(ARGV[2 + 2 * i])) + 60)
end
redis.call('INCR', KEYS[n + 1])
redis.call('EXPIRE', KEYS[n + 1], 300)
return {'ok', 0, '0'}
"""


class Window:
    """At most `limit` calls in any `seconds`, counted under a Redis key."""

    def __init__(self, key: str, seconds: float, limit: int) -> None:
        self.key, self.seconds, self.limit = key, seconds, limit


class Verdict:
    """The answer to one request for a call: allowed, or which limit refused it and for how long."""

    def __init__(self, allowed: bool, problem: str = "", retry_after: int = 0,
                 window: Window | None = None) -> None:
        self.allowed, self.problem, self.retry_after, self.window = (
            allowed, problem, retry_after, window)


def acquire(windows: Sequence[Window], concurrent_key: str, concurrent_limit: int,
            moment: float) -> Verdict:
    """Count one call against every window and the concurrency counter, or refuse it.

    A caller that was allowed must call `release(concurrent_key)` when its call ends.
    """
    args: list[Any] = [repr(moment), f"{moment}:{secrets.token_hex(6)}", concurrent_limit]
    for window in windows:
        args += [window.seconds, window.limit]
    result = get_redis().eval(_ACQUIRE, len(windows) + 1,
                              *[w.key for w in windows], concurrent_key, *args)
    verdict = result[0].decode() if isinstance(result[0], bytes) else result[0]
    if verdict == "ok":
        return Verdict(True)
    if verdict == "concurrent":
        return Verdict(False, "concurrent", 1)
    window = windows[int(result[1]) - 1]
    oldest = float(result[2])
    retry = int(max(oldest + window.seconds - moment, 1) + 0.999)
    return Verdict(False, window.key, retry, window)


def release(concurrent_key: str) -> None:
    get_redis().decr(concurrent_key)


def loads_json(raw: bytes) -> Any:
    """A request body as JSON, with ValueError (the caller's 400) for anything that is not
    valid UTF-8 JSON, including numbers of more than 4,300 digits, nesting deeper than
    MAX_JSON_DEPTH and NUL characters in strings or keys."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError as exc:
        raise ValueError("the JSON is nested too deeply") from exc
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            # PostgreSQL cannot store it; the packages refuse control characters too.
            raise ValueError("a string in the JSON holds a NUL character (\\u0000)")
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
            items = list(value.values()) + list(value) if isinstance(value, dict) else value
            stack.extend((v, depth + 1) for v in items)
    return data
