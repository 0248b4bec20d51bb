"""Pieces every package simulator needs and none owns: state in SandboxObject rows scoped by
package, OAuth client credentials from a token request, sliding-window rate limits in Redis, and
the consent page (templates/sandbox/consent.html) in each package's colours and words.

The Xero sandbox predates this module: it shares the client credentials and the consent page but
keeps its own object store and rate limits (Xero-specific windows); new sandboxes use all of these.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import render_template, request
from sqlalchemy import select

from app.extensions import db
from app.models.sandbox import SandboxObject
from app.redis_conn import get_redis

CONSENT_TEMPLATE = "sandbox/consent.html"
# The packages' deepest real bodies (a QBO batch of invoices with line details) are under 10
# levels; far deeper is an attack, and checking or walking it would exhaust the stack.
MAX_JSON_DEPTH = 32
GLOBAL = ""  # the tenant of objects that belong to no company (grants, tokens, companies)
OWNERS = "owners"  # which Ledgerlink company each sandbox organisation belongs to
GUEST = ""  # the owner of organisations made by a consent nobody in Ledgerlink started

log = logging.getLogger(__name__)


class ObjectStore:
    """Objects of one package's simulator, keyed by (tenant, collection, object id)."""

    def __init__(self, package: str) -> None:
        self.package = package

    def get(self, tenant: str, collection: str, object_id: str) -> SandboxObject | None:
        return db.session.execute(
            select(SandboxObject).where(
                SandboxObject.package == self.package,
                SandboxObject.tenant == tenant,
                SandboxObject.collection == collection,
                SandboxObject.object_id == object_id,
            )
        ).scalar_one_or_none()

    def get_data(self, tenant: str, collection: str, object_id: str) -> dict[str, Any] | None:
        row = self.get(tenant, collection, object_id)
        return dict(row.data) if row else None

    def find(self, tenant: str, collection: str, ref: str | None = None) -> list[SandboxObject]:
        """Objects of a collection in insertion order, optionally only those with this ref."""
        query = select(SandboxObject).where(
            SandboxObject.package == self.package,
            SandboxObject.tenant == tenant,
            SandboxObject.collection == collection,
        )
        if ref is not None:
            query = query.where(SandboxObject.ref == ref)
        return list(db.session.execute(query.order_by(SandboxObject.id)).scalars())

    def find_data(self, tenant: str, collection: str,
                  ref: str | None = None) -> list[dict[str, Any]]:
        return [dict(row.data) for row in self.find(tenant, collection, ref)]

    def put(self, tenant: str, collection: str, object_id: str, data: dict[str, Any],
            ref: str = "") -> None:
        """Insert or replace (not committed); a fresh dict so SQLAlchemy sees the change."""
        row = self.get(tenant, collection, object_id)
        if row is None:
            db.session.add(SandboxObject(
                package=self.package, tenant=tenant, collection=collection,
                object_id=object_id, ref=ref[:255], data=dict(data),
            ))
        else:
            row.data = dict(data)
            row.ref = ref[:255]
        db.session.flush()

    def delete(self, tenant: str, collection: str, object_id: str) -> None:
        row = self.get(tenant, collection, object_id)
        if row is not None:
            db.session.delete(row)
            db.session.flush()


def client_credentials() -> tuple[str, str]:
    """(client id, secret) from HTTP Basic auth, or from the form (client_secret_post)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            raw = base64.b64decode(header[6:].strip(), validate=True).decode()
        except ValueError:
            return "", ""
        client_id, _, secret = raw.partition(":")
        return client_id, secret
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


def same_secret(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


# ---------------------------------------------------------------- who is consenting


def token_key(token: str) -> str:
    """What a code or token is stored under: its SHA-256, so a database dump holds no usable
    token (they are long random strings, so a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def app_redirect_uri() -> str:
    """The only redirect URI the sandboxes accept: the app's own OAuth callback (as a real
    package accepts only the URIs registered for the app)."""
    from flask import current_app

    return f"{current_app.config['BASE_URL']}/connections/oauth/callback"


def redirect_problem(redirect_uri: str) -> str | None:
    if redirect_uri != app_redirect_uri():
        return ("invalid_request: redirect_uri is not registered for this app "
                f"(the registered one is {app_redirect_uri()}).")
    return None


def consent_owner() -> str:
    """Whose sandbox organisations this consent request may see and choose: the company that
    started this sign-in in Ledgerlink (its `state`, held server-side), else the signed-in
    user's current company. A request from neither sees only organisations no company owns."""
    from flask_login import current_user

    from app.auth.company import current_company_id
    from app.connections import oauth_state

    source = request.form if request.method == "POST" else request.args
    try:
        started = oauth_state.peek(str(source.get("state", "")))
    except Exception:  # noqa: BLE001 - no Redis: fall back to who is signed in
        log.warning("consent page could not read the sign-in state", exc_info=True)
        started = None
    if started and started.get("company_id"):
        return str(started["company_id"])
    if current_user.is_authenticated:
        company_id = current_company_id()
        if company_id is not None:
            return str(company_id)
    return GUEST


def set_owner(package: str, tenant: str, owner: str) -> None:
    ObjectStore(package).put(GLOBAL, OWNERS, tenant, {"owner": owner}, ref=owner)


def owned_tenants(package: str, owner: str) -> set[str]:
    return {row.object_id for row in ObjectStore(package).find(GLOBAL, OWNERS, ref=owner)}


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


# ---------------------------------------------------------------- consent page
@dataclass(frozen=True)
class ConsentBrand:
    """How a package's consent page names itself and what a connection reaches."""

    name: str  # the badge: "Xero sandbox"
    colour: str  # CSS colour of the badge and buttons
    owner: str  # whose rules a bad request broke: "Intuit"
    place: str  # what the app asks to reach, in the page title: "your QuickBooks company"
    tenant: str  # one of them, lower case: "organisation", "company"


def render_consent(
    brand: ConsentBrand,
    error: str | None = None,
    tenants: Iterable[tuple[str, str]] = (),
    heading: str = "",
    params: Any = None,
) -> str:
    """The consent page (error=None: the form offering `tenants` as (id, name) pairs)."""
    return render_template(
        CONSENT_TEMPLATE, brand=brand, error=error, tenants=list(tenants),
        heading=heading or brand.place, params=params, app_name="Ledgerlink",
    )


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
