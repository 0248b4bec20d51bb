"""A simulator of FreeAgent's API v2, served under /sandbox/freeagent/ in sandbox mode (that
prefix is FREEAGENT_API_URL). Below it the paths are FreeAgent's own: the consent page at
/v2/approve_app, the token endpoint at /v2/token_endpoint, the API at /v2/...

Every API call goes through one pipeline: a User-Agent (FreeAgent's docs require one), the
bearer token, the company's rate windows, JSON, then the handler. Writes to one company take
its lock, so references and what each invoice owes never race. There is no idempotency key: the
same POST twice makes two records, as FreeAgent does. State is in the kit's store, counters in
Redis.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, request

from sandboxes.freeagent import api, identity, limits, replies
from sandboxes.freeagent.replies import envelope
from sandboxes.kit import store as kit_store
from sandboxes.kit.errors import Refused, read_json, shielded
from sandboxes.kit.redis_conn import get_redis

bp = Blueprint("freeagent_sandbox", __name__, url_prefix="/sandbox/freeagent")
MAX_BODY_BYTES = 2_000_000
TRANSITIONS = ("mark_as_sent", "mark_as_draft")

Answer = tuple[Response, int]


def _user_agent_missing() -> Answer | None:
    if request.headers.get("User-Agent", "").strip():
        return None
    # unverified: the status and words FreeAgent gives a call without one.
    return replies.error(400, replies.NO_USER_AGENT)


def _token() -> Response | Answer:
    return _user_agent_missing() or identity.SERVER.token_view()


# No revoke endpoint: FreeAgent documents none (identity.withdraw plays its settings page).
bp.add_url_rule("/v2/approve_app", endpoint="oauth_authorize",
                view_func=identity.SERVER.authorize_view, methods=["GET", "POST"])
bp.add_url_rule("/v2/token_endpoint", endpoint="oauth_token", view_func=_token,
                methods=["POST"])


def _guarded(handle: Callable[[str], Answer]) -> Answer:
    """User-Agent, bearer token and rate windows, then `handle(company)`."""
    missing = _user_agent_missing()
    if missing:
        return missing
    company = identity.company_of_request()
    if isinstance(company, tuple):
        return company
    refused = limits.refusal(company, bool(current_app.config.get("SANDBOX_RATE_LIMITS")))
    if refused:
        return refused
    return handle(company)


def _written(company: str, handle: Callable[[], Answer]) -> Answer:
    """One writer per company at a time; committed when it succeeds."""
    with get_redis().lock(f"{limits.PREFIX}write:{company}", timeout=60, blocking_timeout=60):
        answer = shielded(envelope, handle)
        if answer[1] < 400:
            kit_store.commit()
        return answer


def _create(company: str, collection: str) -> Answer:
    try:
        body, _raw = read_json(MAX_BODY_BYTES)
        resource = api.body_resource(collection, body)
    except Refused as refused:
        return envelope(refused)
    return _written(company, lambda: api.create(company, collection, resource))


@bp.route("/v2/company", methods=["GET"])
def company() -> Answer:
    return _guarded(identity.company_view)


@bp.route("/v2/categories", methods=["GET"])
@bp.route("/v2/categories/<code>", methods=["GET"])
def categories(code: str | None = None) -> Answer:
    return _guarded(lambda company: api.categories(company, code))


@bp.route("/v2/<collection>", methods=["GET", "POST"])
def collection_view(collection: str) -> Answer:
    def handle(company: str) -> Answer:
        if collection not in api.RESOURCES:
            return replies.not_found()
        if request.method == "GET":
            return shielded(envelope, lambda: api.list_collection(company, collection))
        if api.RESOURCES[collection].build is None:
            # unverified: the sandbox makes no bank accounts; FreeAgent's answer would differ.
            return replies.error(405, "The sandbox does not create these records")
        return _create(company, collection)

    return _guarded(handle)


@bp.route("/v2/<collection>/<object_id>", methods=["GET"])
def object_view(collection: str, object_id: str) -> Answer:
    def handle(company: str) -> Answer:
        if collection not in api.RESOURCES:
            return replies.not_found()
        return api.get_one(company, collection, object_id)

    return _guarded(handle)


@bp.route("/v2/<collection>/<object_id>/transitions/<name>", methods=["PUT"])
def transition_view(collection: str, object_id: str, name: str) -> Answer:
    def handle(company: str) -> Answer:
        if collection not in api.DOCUMENTS or name not in TRANSITIONS:
            return replies.not_found()
        return _written(company, lambda: api.change(company, collection, object_id, name))

    return _guarded(handle)
