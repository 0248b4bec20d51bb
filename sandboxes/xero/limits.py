"""Xero's per-organisation rate limits and Idempotency-Key replays, for the sandbox.

Counters live in Redis (shared by every web process); replays live in the database. The clock is
`sandbox_store.now()`, which tests move forward instead of sleeping.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, jsonify

from sandboxes.kit import store as kit_store
from sandboxes.kit.redis_conn import get_redis
from sandboxes.xero import store as store

MINUTE_LIMIT = 60
DAY_LIMIT = 5000
CONCURRENT_LIMIT = 5
APP_MINUTE_LIMIT = 10_000
PREFIX = "sandbox:xero:"
IDEMPOTENCY_KEY_MAX = 128

# One atomic step: forget calls older than a minute, refuse if a limit is reached, else count.
_ACQUIRE = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 60)
local m = redis.call('ZCARD', KEYS[1])
local d = tonumber(redis.call('GET', KEYS[2]) or '0')
local c = tonumber(redis.call('GET', KEYS[3]) or '0')
local a = redis.call('ZCARD', KEYS[4])
local oldest = '0'
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then oldest = first[2] end
if m >= tonumber(ARGV[3]) then return {'minute', m, d, c, a, oldest} end
if d >= tonumber(ARGV[4]) then return {'day', m, d, c, a, oldest} end
if c >= tonumber(ARGV[5]) then return {'concurrent', m, d, c, a, oldest} end
if a >= tonumber(ARGV[6]) then return {'appminute', m, d, c, a, oldest} end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('EXPIRE', KEYS[1], 120)
redis.call('ZADD', KEYS[4], now, ARGV[2])
redis.call('EXPIRE', KEYS[4], 120)
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[7]))
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], 300)
return {'ok', m + 1, d + 1, c + 1, a + 1, oldest}
"""


class RateLimit:
    """The outcome of asking for one call: headers to send, and a 429 when refused."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.headers: dict[str, str] = {}
        self.refused: tuple[Response, int] | None = None
        self._holding = False

    def _keys(self, moment: float) -> list[str]:
        day = datetime.fromtimestamp(moment, UTC).strftime("%Y%m%d")
        return [
            f"{PREFIX}min:{self.tenant}", f"{PREFIX}day:{self.tenant}:{day}",
            f"{PREFIX}conc:{self.tenant}", f"{PREFIX}appmin",
        ]

    def acquire(self) -> RateLimit:
        moment = store.now()
        midnight = datetime.fromtimestamp(moment, UTC).date() + timedelta(days=1)
        until_midnight = datetime(midnight.year, midnight.month, midnight.day,
                                  tzinfo=UTC).timestamp() - moment
        result = get_redis().eval(
            _ACQUIRE, 4, *self._keys(moment), repr(moment), f"{moment}:{secrets.token_hex(6)}",
            MINUTE_LIMIT, DAY_LIMIT, CONCURRENT_LIMIT, APP_MINUTE_LIMIT,
            int(until_midnight) + 3600,
        )
        verdict = result[0].decode() if isinstance(result[0], bytes) else result[0]
        minute, day, _conc, app_minute = (int(x) for x in result[1:5])
        oldest = float(result[5])
        self.headers = {
            "X-MinLimit-Remaining": str(max(MINUTE_LIMIT - minute, 0)),
            "X-DayLimit-Remaining": str(max(DAY_LIMIT - day, 0)),
            "X-AppMinLimit-Remaining": str(max(APP_MINUTE_LIMIT - app_minute, 0)),
        }
        if verdict == "ok":
            self._holding = True
            return self
        if verdict in {"minute", "appminute"}:
            retry = math.ceil(oldest + 60 - moment)
        elif verdict == "day":
            retry = math.ceil(until_midnight)
        else:
            retry = 1
        problem = "minute" if verdict == "appminute" else verdict
        body = {"Type": None, "Title": "Too Many Requests", "Status": 429,
                "Detail": f"Rate limit exceeded ({problem})", "Instance": store.new_id(),
                "Extensions": {}}
        response = jsonify(body)
        response.headers["Retry-After"] = str(max(retry, 1))
        response.headers["X-Rate-Limit-Problem"] = problem
        self.refused = (response, 429)
        return self

    def release(self) -> None:
        if self._holding:
            self._holding = False
            get_redis().decr(f"{PREFIX}conc:{self.tenant}")


# ---------------------------------------------------------------- idempotency


def body_hash(method: str, path: str, raw: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + raw).hexdigest()


def idempotency_lock(tenant: str, key: str) -> Any:
    """Two requests with one key at once: the second waits, then replays the first's answer."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    return get_redis().lock(f"{PREFIX}idem:{tenant}:{digest}", timeout=60, blocking_timeout=60)


def replay(tenant: str, key: str, fingerprint: str) -> tuple[Response, int] | None:
    """The stored answer for this key, a 400 if the key was used for another request, or None."""
    stored = store.get_data(tenant, "idempotency", key)
    if stored is None:
        return None
    if stored["fingerprint"] != fingerprint:
        body = {"Type": None, "Title": "Bad Request", "Status": 400,
                "Detail": "The Idempotency-Key has already been used with a different request. "
                          "Use a new Idempotency-Key for a new request.",
                "Instance": store.new_id(), "Extensions": {}}
        return jsonify(body), 400
    response = Response(stored["body"], status=stored["status"], mimetype="application/json")
    return response, stored["status"]


def remember(tenant: str, key: str, fingerprint: str, status: int, body: bytes) -> None:
    store.put(tenant, "idempotency", key, {
        "fingerprint": fingerprint, "status": status, "body": body.decode(),
        "created": store.now(),
    })
    kit_store.commit()


def too_long(key: str) -> tuple[Response, int] | None:
    if len(key) <= IDEMPOTENCY_KEY_MAX:
        return None
    body = {"Type": None, "Title": "Bad Request", "Status": 400,
            "Detail": f"The Idempotency-Key must be {IDEMPOTENCY_KEY_MAX} characters or fewer.",
            "Instance": store.new_id(), "Extensions": {}}
    return jsonify(body), 400


def dumps(obj: Any) -> bytes:
    return json.dumps(obj).encode()
