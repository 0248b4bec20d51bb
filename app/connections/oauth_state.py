"""OAuth `state` values, held server-side (Redis) and good for one callback only.

The session cookie is client-side (signed, not stored by us), so a state kept only there could be
replayed with an older copy of the cookie. Here each state is one Redis key that the callback
takes with GETDEL: a second callback with the same state finds nothing.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from app.redis_conn import get_redis

STATE_SECONDS = 15 * 60  # time to get through the package's sign-in and consent


def _key(state: str) -> str:
    return f"ledgerlink:oauth-state:{state}"


def remember(company_id: int, package: str, user_id: int | None = None,
             reconnect_id: int | None = None) -> str:
    """A fresh state for this company's sign-in at `package`."""
    state = secrets.token_urlsafe(24)
    started = {"package": package, "company_id": company_id, "user_id": user_id,
               "reconnect_id": reconnect_id}
    get_redis().set(_key(state), json.dumps(started), ex=STATE_SECONDS)
    return state


def _valid(state: str) -> bool:
    return bool(state) and len(state) <= 100 and state.isascii()


def peek(state: str) -> dict[str, Any] | None:
    """What the state was made for, leaving it in place; None if unknown or expired."""
    if not _valid(state):
        return None
    raw = get_redis().get(_key(state))
    return json.loads(raw) if raw else None


def take(state: str) -> dict[str, Any] | None:
    """What the state was made for, using it up; None if unknown, expired or already used."""
    if not _valid(state):
        return None
    raw = get_redis().getdel(_key(state))
    return json.loads(raw) if raw else None
