"""KashFlow's rate limit, for the sandbox: 60 calls in any 60 seconds per user (unverified: the
wire contract's number; KashFlow's REST docs give none), refused with 429 and Retry-After. The
window is the kit's (Redis, shared by every web process); the clock is `store.now()`, which
tests move instead of sleeping. SANDBOX_RATE_LIMITS off turns it off, as in every sandbox.

Only calls made with a session token count (they name the user); the sign-in calls do not, and
the lock after five failures is what guards the password.
"""

from __future__ import annotations

from flask import Response

from sandboxes.kashflow import replies
from sandboxes.kashflow import store as store
from sandboxes.kit import windows as kit_windows
from sandboxes.kit.windows import Window

MINUTE_LIMIT = 60
PREFIX = "sandbox:kashflow:"


def windows_for(user: str) -> list[Window]:
    return [kit_windows.sliding("minute", f"{PREFIX}min:{user}", MINUTE_LIMIT, 60)]


def refusal(user: str, enforced: bool) -> tuple[Response, int] | None:
    """The 429 for this call, or None when it may go ahead (and is counted)."""
    if not enforced:
        return None
    verdict = kit_windows.acquire(windows_for(user), store.now())
    if verdict.allowed:
        return None
    return replies.too_many(verdict.retry_after)
