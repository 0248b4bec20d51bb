"""A simulator of KashFlow's REST API v2, served under /sandbox/kashflow/ in sandbox mode
(KASHFLOW_API_URL is that prefix + /v2). Below /v2 the paths are KashFlow's own: the sign-in at
/v2/sessiontoken, the books at /v2/customers, /v2/invoices... The sandbox's own admin routes
(sign-up, password change, lock, period lock) are at /sandbox/kashflow/sandbox/...

Every API call goes through one pipeline: the KfToken session (its idle clock moved on), the
user's rate window, JSON, then the handler. Writes to one company take its lock, so Numbers and
what each invoice owes never race. There is no idempotency key: the same POST twice makes two
records, as KashFlow does. State is in the kit's store, counters and locks in Redis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, request

from sandboxes.kashflow import api, identity, limits, replies, rules
from sandboxes.kashflow.replies import envelope
from sandboxes.kashflow.settlements import create_payment
from sandboxes.kit import store as kit_store
from sandboxes.kit.errors import Refused, read_json, shielded
from sandboxes.kit.redis_conn import get_redis

bp = Blueprint("kashflow_sandbox", __name__, url_prefix="/sandbox/kashflow")
MAX_BODY_BYTES = 2_000_000

Answer = tuple[Response, int]
Session = dict[str, Any]


def _body() -> Any:
    """The request's JSON; Refused (the caller's envelope) when it is not JSON."""
    return read_json(MAX_BODY_BYTES)[0]


def _plain(handle: Callable[[], Answer]) -> Answer:
    """A sign-in or admin call: no session; committed by the handler itself."""
    return shielded(envelope, handle)


def _guarded(handle: Callable[[Session], Answer]) -> Answer:
    """The session token and the user's rate window, then `handle(session)`."""
    session = identity.session_of_request()
    if isinstance(session, tuple):
        return session
    refused = limits.refusal(session["user"],
                             bool(current_app.config.get("SANDBOX_RATE_LIMITS")))
    if refused:
        return refused
    return shielded(envelope, lambda: handle(session))


def _written(company: str, handle: Callable[[dict[str, Any]], Answer]) -> Answer:
    """One writer per company at a time, on the request's JSON object; committed when it
    succeeds."""
    try:
        body = rules.body_object(_body())
    except Refused as refused:
        return envelope(refused)
    with get_redis().lock(f"{limits.PREFIX}write:{company}", timeout=60, blocking_timeout=60):
        # Nothing is pending (the session's touch is committed): read afresh under the lock.
        kit_store.rollback()
        answer = shielded(envelope, lambda: handle(body))
        if answer[1] < 400:
            kit_store.commit()
        return answer


# ------------------------------------------------------------------------------ sign-in


@bp.route("/v2/sessiontoken", methods=["POST", "PUT", "DELETE"])
def sessiontoken() -> Answer:
    if request.method == "POST":
        return _plain(lambda: identity.begin(_body()))
    if request.method == "PUT":
        return _plain(lambda: identity.complete(_body()))
    return _guarded(identity.end)


@bp.route("/v2/company", methods=["GET"])
def company() -> Answer:
    return _guarded(lambda session: identity.company_view(session["company"]))


# -------------------------------------------------------------------------------- books


@bp.route("/v2/invoices/bulk/payments", methods=["POST"])
def bulk_payments() -> Answer:
    def handle(session: Session) -> Answer:
        company_id = session["company"]
        return _written(company_id, lambda body: replies.answer(
            create_payment(company_id, body), 201))

    return _guarded(handle)


@bp.route("/v2/<collection>", methods=["GET", "POST"])
def collection_view(collection: str) -> Answer:
    def handle(session: Session) -> Answer:
        if collection not in api.RESOURCES:
            return replies.not_found()
        company_id = session["company"]
        if request.method == "GET":
            return api.list_collection(company_id, collection)
        return _written(company_id, lambda body: api.create(company_id, collection, body))

    return _guarded(handle)


@bp.route("/v2/<collection>/<path:key>", methods=["GET", "PUT"])
def object_view(collection: str, key: str) -> Answer:
    def handle(session: Session) -> Answer:
        if collection not in api.RESOURCES:
            return replies.not_found()
        company_id = session["company"]
        if request.method == "GET":
            return api.get_one(company_id, collection, key)
        return _written(company_id, lambda body: api.change(company_id, collection, key, body))

    return _guarded(handle)


# ------------------------------------------------------------- sandbox-only admin routes


@bp.route("/sandbox/signup", methods=["POST"])
def signup() -> Answer:
    return _plain(lambda: identity.signup(_body()))


@bp.route("/sandbox/users/<username>/password", methods=["POST"])
def password(username: str) -> Answer:
    return _plain(lambda: identity.change_password(username, _body()))


@bp.route("/sandbox/users/<username>/lock", methods=["POST"])
def lock(username: str) -> Answer:
    return _plain(lambda: identity.lock(username))


@bp.route("/sandbox/users/<username>/period-lock", methods=["POST"])
def period_lock(username: str) -> Answer:
    return _plain(lambda: identity.period_lock(username, _body()))
