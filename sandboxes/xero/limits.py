"""Xero's rate limits and Idempotency-Key replays, for the sandbox: per organisation 60 calls in
any minute, 5,000 a (UTC) day and 5 at once, and 10,000 a minute across the app; each answer says
what is left in X-MinLimit-Remaining, X-DayLimit-Remaining and X-AppMinLimit-Remaining.

The windows are the kit's (counted in Redis, shared by every web process). The clock is
`store.now()`, which tests move forward instead of sleeping.
"""

from __future__ import annotations

from flask import Response, jsonify

from sandboxes.kit import windows as kit_windows
from sandboxes.kit.idempotency import Replays
from sandboxes.kit.windows import Window
from sandboxes.xero import store as store

MINUTE_LIMIT = 60
DAY_LIMIT = 5000
CONCURRENT_LIMIT = 5
APP_MINUTE_LIMIT = 10_000
PREFIX = "sandbox:xero:"
IDEMPOTENCY_KEY_MAX = 128
# The limit a refusal names in X-Rate-Limit-Problem (Xero says "minute" for the app's too).
_PROBLEM = {"minute": "minute", "day": "day", "concurrent": "concurrent", "appminute": "minute"}


def _problem(status: int, title: str, detail: str) -> Response:
    return jsonify({"Type": None, "Title": title, "Status": status, "Detail": detail,
                    "Instance": store.new_id(), "Extensions": {}})


class RateLimit:
    """The outcome of asking for one call: headers to send, and a 429 when refused."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.headers: dict[str, str] = {}
        self.refused: tuple[Response, int] | None = None
        self._held: list[Window] = []

    def _windows(self, moment: float) -> list[Window]:
        # Read at each call: tests lower the limits.
        return [
            kit_windows.sliding("minute", f"{PREFIX}min:{self.tenant}", MINUTE_LIMIT, 60),
            kit_windows.utc_day("day", f"{PREFIX}day:{self.tenant}", DAY_LIMIT, moment),
            kit_windows.concurrent("concurrent", f"{PREFIX}conc:{self.tenant}",
                                   CONCURRENT_LIMIT),
            kit_windows.sliding("appminute", f"{PREFIX}appmin", APP_MINUTE_LIMIT, 60),
        ]

    def acquire(self) -> RateLimit:
        moment = store.now()
        windows = self._windows(moment)
        verdict = kit_windows.acquire(windows, moment)
        minute, day, _conc, app_minute = windows
        self.headers = {
            "X-MinLimit-Remaining": str(verdict.remaining(minute)),
            "X-DayLimit-Remaining": str(verdict.remaining(day)),
            "X-AppMinLimit-Remaining": str(verdict.remaining(app_minute)),
        }
        if verdict.allowed:
            self._held = windows
            return self
        problem = _PROBLEM[verdict.refused_by.name if verdict.refused_by else "minute"]
        response = _problem(429, "Too Many Requests", f"Rate limit exceeded ({problem})")
        response.headers["Retry-After"] = str(verdict.retry_after)
        response.headers["X-Rate-Limit-Problem"] = problem
        self.refused = (response, 429)
        return self

    def release(self) -> None:
        if self._held:
            kit_windows.release(self._held)
            self._held = []


# ---------------------------------------------------------------- idempotency


def _key_reused() -> tuple[Response, int]:
    return _problem(400, "Bad Request",
                    "The Idempotency-Key has already been used with a different request. "
                    "Use a new Idempotency-Key for a new request."), 400


# Xero replays what it answered below 500; a key used for another request is a 400.
REPLAYS = Replays(store.PACKAGE, mismatch=_key_reused, keep=lambda status: status < 500)


def too_long(key: str) -> tuple[Response, int] | None:
    if len(key) <= IDEMPOTENCY_KEY_MAX:
        return None
    return _problem(400, "Bad Request",
                    f"The Idempotency-Key must be {IDEMPOTENCY_KEY_MAX} characters or fewer."), 400
