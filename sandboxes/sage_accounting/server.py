"""A simulator of Sage Accounting's API v3.1, served under /sandbox/sage_accounting/ in sandbox
mode. Below the prefix the paths are Sage's own: the consent page at /oauth2/auth/central, the
token and revoke endpoints at /token and /revoke, the API at /v3.1/...

Every API call goes through one pipeline: bearer token and X-Business, the business's rate
windows (when SANDBOX_RATE_LIMITS is on), JSON, the official Swagger spec (when
SAGE_SANDBOX_SPEC names it), idempotency_id replay, then the handler. State is in the kit's
store, counters in Redis.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request

from sandboxes.kit import store as kit_store
from sandboxes.kit.config import setting
from sandboxes.kit.errors import Refused, read_json, shielded
from sandboxes.kit.idempotency import COLLECTION as REPLAYED
from sandboxes.kit.idempotency import Replays, fingerprint
from sandboxes.kit.oauth import mount
from sandboxes.kit.redis_conn import get_redis
from sandboxes.sage_accounting import api, identity, limits, replies
from sandboxes.sage_accounting import store as store
from sandboxes.sage_accounting.replies import Invalid, envelope

bp = Blueprint("sage_accounting_sandbox", __name__, url_prefix="/sandbox/sage_accounting")
API = "/v3.1"
MAX_BODY_BYTES = 2_000_000
# unverified: PACKAGES.md's 7 days; the key and its shape are PACKAGES.md's too (not the spec's).
REPLAY_SECONDS = timedelta(days=7).total_seconds()
IDEMPOTENCY_ID = re.compile(r"^[0-9a-fA-F]{32}$")
_REPLAY_TIMES = "idempotency_times"

mount(bp, identity.SERVER, "/oauth2/auth/central", "/token", "/revoke")
bp.add_url_rule(f"{API}/businesses", "businesses", identity.businesses, methods=["GET"])

# unverified: whether Sage replays a refusal. The sandbox keeps only what it made, so a record
# refused and then corrected in our mapping is not refused again by the replay.
REPLAYS = Replays(store.PACKAGE, keep=lambda status: status < 300)


def _spec_problems(collection: str, body: Any) -> list[dict[str, str]]:
    spec = setting("SAGE_SANDBOX_SPEC")
    if not spec:
        return []
    # Imported here: only the tests that switch the check on need it loaded.
    from sandboxes.kit.swagger import violations

    items = []
    for problem in violations(spec, "POST", f"/{collection}", body):
        names = [p for p in problem.path if isinstance(p, str)]
        source = ".".join(names[1:] if len(names) > 1 else names)
        field = names[-1] if names else ""
        message = f"{field} {problem.words}" if field else problem.words
        items.append(replies.error_item("RecordInvalid", message, source))
    return items


def _resource(collection: str, body: Any) -> tuple[dict[str, Any], str | None]:
    """The created resource (the body's one key) without its idempotency_id, and that id."""
    root = api.RESOURCES[collection].root
    if not isinstance(body, dict) or not isinstance(body.get(root), dict):
        raise Invalid(f"{root} is required", root)
    resource = dict(body[root])
    key = resource.pop("idempotency_id", None)
    if key is not None and (not isinstance(key, str) or not IDEMPOTENCY_ID.match(key)):
        # unverified: Sage's words for a malformed key.
        raise Invalid("Idempotency id must be 32 hexadecimal characters", "idempotency_id")
    problems = _spec_problems(collection, {**body, root: resource})
    if problems:
        raise Invalid.of(problems)
    return resource, key


def _forget_old_replay(business: str, key: str) -> None:
    """An answer older than Sage's 7 days is not replayed: the key starts afresh."""
    seen = store.get_data(business, _REPLAY_TIMES, key)
    now = store.now()
    if seen is None or now - float(seen["at"]) > REPLAY_SECONDS:
        objects = kit_store.ObjectStore(store.PACKAGE)
        objects.delete(business, REPLAYED, key)
        store.put(business, _REPLAY_TIMES, key, {"at": now})


def _create(business: str, collection: str) -> tuple[Response, int]:
    try:
        body, raw = read_json(MAX_BODY_BYTES)
        resource, key = _resource(collection, body)
    except Refused as refused:
        return envelope(refused)

    def handle() -> tuple[Response, int]:
        answer = shielded(envelope, lambda: api.create(business, collection, resource))
        kit_store.commit()
        return answer

    # One writer per business at a time: Sage's numbers, unique references and what each
    # document owes never race.
    with get_redis().lock(f"{limits.PREFIX}write:{business}", timeout=60, blocking_timeout=60):
        if key is None:
            return handle()
        _forget_old_replay(business, key.lower())
        return REPLAYS.once(business, key.lower(), fingerprint(collection, raw), handle)


def _handle(business: str, collection: str, key: str | None) -> tuple[Response, int]:
    if collection == "financial_settings" and key is None and request.method == "GET":
        return api.financial_settings(business)
    if collection not in api.RESOURCES:
        return replies.not_found()
    if request.method == "GET":
        if key is not None:
            return api.get_one(business, collection, key)
        return shielded(envelope, lambda: api.list_collection(business, collection))
    if key is not None or api.RESOURCES[collection].build is None:
        return replies.errors(405, [replies.error_item(
            "MethodNotAllowed", "The sandbox does not change or create these records")])
    return _create(business, collection)


@bp.route(f"{API}/<collection>", methods=["GET", "POST"])
@bp.route(f"{API}/<collection>/<key>", methods=["GET", "POST", "PUT"])
def resources(collection: str, key: str | None = None) -> tuple[Response, int]:
    business = identity.business_of_request()
    if isinstance(business, tuple):
        return business
    throttle = limits.Throttle(business)
    if current_app.config.get("SANDBOX_RATE_LIMITS"):
        throttle.acquire()
    try:
        if throttle.refused:
            return throttle.refused
        return _handle(business, collection, key)
    finally:
        throttle.release()
