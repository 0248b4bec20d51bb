"""Throttling repeated failed sign-ins, per email address and client IP, in Redis.

Redis holds the counters so every web process sees the same count. After MAX_FAILURES failures
within the window the pair is locked out for LOCKOUT_SECONDS; a successful sign-in clears it.
"""

from __future__ import annotations

import hashlib
import logging

import redis

from app.redis_conn import get_redis

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60

log = logging.getLogger(__name__)


def _key(email: str, ip: str) -> str:
    # Hashed so Redis never holds email addresses in clear.
    digest = hashlib.sha256(f"{email.strip().lower()}|{ip}".encode()).hexdigest()[:32]
    return f"ledgerlink:login-failures:{digest}"


def seconds_locked(email: str, ip: str) -> int:
    """Seconds until this email+IP may try again; 0 if it may try now."""
    try:
        r = get_redis()
        key = _key(email, ip)
        failures = int(r.get(key) or 0)
        if failures < MAX_FAILURES:
            return 0
        return max(int(r.ttl(key)), 1)
    except (redis.RedisError, RuntimeError):
        # Without Redis we cannot count; refusing every sign-in would lock the whole office
        # out, so we let the password check decide and say so in the log.
        log.warning("sign-in throttle unavailable: Redis unreachable", exc_info=True)
        return 0


def record_failure(email: str, ip: str) -> int:
    """Count one failed sign-in; returns the failures so far in the window."""
    try:
        r = get_redis()
        key = _key(email, ip)
        failures = int(r.incr(key))
        if failures == 1:
            r.expire(key, WINDOW_SECONDS)
        elif failures >= MAX_FAILURES:
            # The lockout runs from the latest failure, not from the first one.
            r.expire(key, LOCKOUT_SECONDS)
        return failures
    except (redis.RedisError, RuntimeError):
        log.warning("sign-in throttle unavailable: Redis unreachable", exc_info=True)
        return 0


def clear_failures(email: str, ip: str) -> None:
    try:
        get_redis().delete(_key(email, ip))
    except (redis.RedisError, RuntimeError):
        log.warning("sign-in throttle unavailable: Redis unreachable", exc_info=True)


def minutes_phrase(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))  # round up: "1 minute" until the very end
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
