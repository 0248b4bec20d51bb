"""FreeAgent's rate limits, for the sandbox: per user (here: per company) 120 calls in any 60
seconds and 3,600 in any hour, and 5 in any 60 seconds for a request carrying
`X-RateLimit-Test: true` (FreeAgent's own sandbox does this, forum "Rate Limiting Update").
Refused: 429 with Retry-After. The windows are the kit's (Redis, shared by every web process);
the clock is `store.now()`, which tests move instead of sleeping.

The docs give the numbers; the 2017 forum announcement said the windows reset at the top of each
minute and hour. The sandbox slides them (any 60 s, any hour), the stricter reading.
"""

from __future__ import annotations

from flask import Response, request

from sandboxes.freeagent import replies
from sandboxes.freeagent import store as store
from sandboxes.kit import windows as kit_windows
from sandboxes.kit.windows import Window

MINUTE_LIMIT = 120
HOUR_LIMIT = 3600
TEST_LIMIT = 5
PREFIX = "sandbox:freeagent:"
# What each window's refusal says: (limit, seconds) in "You must not exceed N requests per S
# seconds".
_WORDS = {"minute": (MINUTE_LIMIT, 60), "hour": (HOUR_LIMIT, 3600), "test": (TEST_LIMIT, 60)}


def testing_limits() -> bool:
    return request.headers.get("X-RateLimit-Test", "").strip().lower() == "true"


def windows_for(company: str, enforced: bool, testing: bool) -> list[Window]:
    """The windows one call counts in. With the sandbox's limits off only the test header's
    window is kept (the client asked for it), counting the calls that carry it."""
    minute_key = f"{PREFIX}min:{company}"
    found: list[Window] = []
    if enforced:
        found += [kit_windows.sliding("minute", minute_key, MINUTE_LIMIT, 60),
                  kit_windows.sliding("hour", f"{PREFIX}hour:{company}", HOUR_LIMIT, 3600)]
    if testing:
        # The same calls as the minute window: a test call sees every call of the last 60 s.
        key = minute_key if enforced else f"{PREFIX}test:{company}"
        found.append(kit_windows.sliding("test", key, TEST_LIMIT, 60))
    return found


def refusal(company: str, enforced: bool) -> tuple[Response, int] | None:
    """The 429 for this call, or None when it may go ahead (and is counted)."""
    windows = windows_for(company, enforced, testing_limits())
    if not windows:
        return None
    verdict = kit_windows.acquire(windows, store.now())
    if verdict.allowed:
        return None
    name = verdict.refused_by.name if verdict.refused_by else "minute"
    limit, seconds = _WORDS[name]
    return replies.too_many(limit, seconds, verdict.retry_after)
