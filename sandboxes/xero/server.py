"""A simulator of Xero's API, served under /sandbox/xero/ in sandbox mode.

Below the prefix the paths are Xero's own, so a client written for the real Xero works by changing
only its base URLs: login  -> {prefix}/identity/connect/authorize, identity -> {prefix}/identity
(/connect/token, /connect/revocation), API -> {prefix} (/connections, /api.xro/2.0/...).

Every accounting call goes through one pipeline: bearer token and tenant, rate limits, body size,
JSON, the official OpenAPI schema (when XERO_SANDBOX_SPEC names the spec file), Idempotency-Key
replay, then the handler. State is in the database, counters in Redis.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from sandboxes.kit.config import setting
from sandboxes.kit.errors import Refused, read_json, shielded
from sandboxes.kit.idempotency import fingerprint
from sandboxes.kit.oauth import mount
from sandboxes.xero import api as api
from sandboxes.xero import identity as identity
from sandboxes.xero import limits as limits

bp = Blueprint("xero_sandbox", __name__, url_prefix="/sandbox/xero")

MAX_BODY_BYTES = 3_500_000  # Xero refuses requests over 3.5 MB
API = "/api.xro/2.0"
COLLECTIONS = {name.lower(): name for name in (
    "Contacts", "Invoices", "CreditNotes", "Payments", "BatchPayments", "Accounts", "TaxRates",
    "Organisation",
)}
_READ_ONLY = {"Accounts", "TaxRates", "Organisation"}

mount(bp, identity.SERVER, "/identity/connect/authorize", "/identity/connect/token",
      "/identity/connect/revocation")
# Xero's paths are case-insensitive like all of api.xero.com: its docs write /connections, its
# own SDKs (xero-python's IdentityApi) call /Connections.
for _spelling in ("connections", "Connections"):
    bp.add_url_rule(f"/{_spelling}", f"connections_{_spelling}", identity.connections,
                    methods=["GET"])
    bp.add_url_rule(f"/{_spelling}/<connection_id>", f"delete_connection_{_spelling}",
                    identity.delete_connection, methods=["DELETE"])


@bp.before_request
def _allow_xero_sized_bodies() -> None:
    # The app's own limit is smaller; Xero takes up to 3.5 MB and answers 413 beyond.
    request.max_content_length = MAX_BODY_BYTES


def spec_path() -> str | None:
    return setting("XERO_SANDBOX_SPEC") or None


def _spec_violation(method: str, path: str, body: Any) -> tuple[Response, int] | None:
    spec = spec_path()
    if not spec:
        return None
    # Imported here: the checker needs the dev requirements (jsonschema), which only the tests
    # that switch this check on have installed.
    from sandboxes.kit.openapi import request_violations

    problems = request_violations(spec, method, path, body)
    if not problems:
        return None
    message = "request does not match Xero's OpenAPI spec: " + "; ".join(problems[:5])
    return jsonify({"Type": "SpecViolation", "Message": message, "Problems": problems}), 400


def envelope(refused: Refused) -> tuple[Response, int]:
    """Xero's answer to a body it cannot take."""
    if refused.problem == "too_large":
        return identity.problem(413, "Request Entity Too Large",
                                "The request is larger than 3.5 MB. Send fewer items per request.")
    if refused.problem == "bad_json":
        return api.post_data_invalid("Invalid Json data")
    return api.post_data_invalid(f"The request body could not be read: {refused.detail}")


def _dispatch(tenant: str, collection: str, object_id: str | None, sub: str | None,
              body: Any) -> tuple[Response, int] | Response:
    method = request.method
    if sub is not None:
        if collection == "CreditNotes" and sub.lower() == "allocations" and method == "PUT":
            return api.allocate(tenant, object_id or "", body)
        return api.not_found()
    if method == "GET":
        if object_id is None or collection == "Organisation":
            return api.list_collection(tenant, collection)
        return api.get_one(tenant, collection, object_id)
    if collection in _READ_ONLY:
        return identity.problem(405, "MethodNotAllowed",
                                f"The sandbox does not change {collection}")
    if object_id is not None:
        if collection == "Contacts" and method == "POST":
            return api.update_contact(tenant, object_id, body)
        if collection == "Invoices" and method == "POST":
            return api.approve_invoice(tenant, object_id, body)
        return identity.problem(405, "MethodNotAllowed",
                                "The sandbox does not update existing documents")
    return api.create(tenant, collection, body)


@bp.route(f"{API}/<collection>", methods=["GET", "PUT", "POST"])
@bp.route(f"{API}/<collection>/<object_id>", methods=["GET", "PUT", "POST"])
@bp.route(f"{API}/<collection>/<object_id>/<sub>", methods=["GET", "PUT", "POST"])
def accounting(collection: str, object_id: str | None = None,
               sub: str | None = None) -> tuple[Response, int] | Response:
    name = COLLECTIONS.get(collection.lower())
    if name is None:
        return api.not_found()
    guard = identity.api_guard(name)
    if isinstance(guard[0], Response):
        return guard  # type: ignore[return-value]
    tenant = str(guard[0])
    limiter = limits.RateLimit(tenant)
    if current_app.config.get("SANDBOX_RATE_LIMITS"):
        limiter.acquire()
    try:
        if limiter.refused:
            answer = limiter.refused
        else:
            answer = _handle(tenant, name, object_id, sub)
    finally:
        limiter.release()
    response, status = (answer, answer.status_code) if isinstance(answer, Response) else answer
    response.headers.update(limiter.headers)
    return response, status


def _handle(tenant: str, collection: str, object_id: str | None,
            sub: str | None) -> tuple[Response, int] | Response:
    if request.method == "GET":
        return _dispatch(tenant, collection, object_id, sub, None)
    try:
        body, raw = read_json(MAX_BODY_BYTES)
    except Refused as refused:
        return envelope(refused)
    path = request.path.split("/sandbox/xero", 1)[1]
    violation = _spec_violation(request.method, path, body)
    if violation:
        return violation
    key = request.headers.get("Idempotency-Key")

    def handle() -> tuple[Response, int]:
        return shielded(envelope, lambda: _dispatch(tenant, collection, object_id, sub, body))

    if not key:
        return handle()
    too_long = limits.too_long(key)
    if too_long:
        return too_long
    return limits.REPLAYS.once(tenant, key, fingerprint(request.method, request.full_path, raw),
                               handle)
