"""A simulator of QuickBooks Online, served under /sandbox/quickbooks_online/ in sandbox mode.

Below the prefix the paths are Intuit's own, so a client written for the real QBO works by
changing only its base URLs:
  authorize  {prefix}/connect/oauth2                (appcenter.intuit.com/connect/oauth2)
  token      {prefix}/oauth2/v1/tokens/bearer       (oauth.platform.intuit.com/oauth2/v1/...)
  revoke     {prefix}/oauth2/v1/tokens/revoke       (developer.api.intuit.com/v2/oauth2/...)
  API        {prefix}/v3/company/{realmId}/...      (quickbooks.api.intuit.com/v3/company/...)

Every API call goes through one pipeline: bearer token for the realm, throttles, JSON, Intuit's
XSD element names (when QBO_SANDBOX_XSD names Finance.xsd), requestid replay, then the handler
under the realm's write lock. State is in the database, counters in Redis.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from sandboxes.kit import store as kit_store
from sandboxes.kit.errors import Refused, read_json, shielded
from sandboxes.kit.idempotency import Replays
from sandboxes.kit.oauth import mount
from sandboxes.kit.redis_conn import get_redis
from sandboxes.quickbooks_online import api as api
from sandboxes.quickbooks_online import identity as identity
from sandboxes.quickbooks_online import limits as limits
from sandboxes.quickbooks_online import store as store
from sandboxes.quickbooks_online.rules import Books, Fault, unsupported

bp = Blueprint("quickbooks_online_sandbox", __name__, url_prefix="/sandbox/quickbooks_online")

MAX_BODY_BYTES = 4_000_000
REQUESTID_MAX = 50

mount(bp, identity.SERVER, "/connect/oauth2", "/oauth2/v1/tokens/bearer",
      "/oauth2/v1/tokens/revoke")


@bp.route("/.well-known/openid_configuration", strict_slashes=False)
@bp.route("/.well-known/openid_sandbox_configuration", strict_slashes=False)
def openid_configuration() -> Response:
    """Intuit's OpenID discovery document (developer.intuit.com/.well-known/...), naming the
    sandbox's own endpoints. Intuit's OAuth client (intuit-oauth) reads every endpoint from it
    and cannot be set up without it; its `environment` may be this document's URL."""
    base = request.host_url.rstrip("/") + (bp.url_prefix or "")
    return jsonify({
        "issuer": f"{base}/op/v1",
        "authorization_endpoint": f"{base}/connect/oauth2",
        "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base}/oauth2/v1/tokens/revoke",
        "jwks_uri": f"{base}/op/v1/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    })


@bp.route("/op/v1/jwks")
def jwks() -> Response:
    # The sandbox issues no ID tokens, so it has no signing keys to publish.
    return jsonify({"keys": []})


@bp.route("/v1/openid_connect/userinfo")
def userinfo() -> tuple[Response, int]:
    return jsonify({"error": "insufficient_scope", "error_description":
                    "The QuickBooks Online sandbox keeps no user profiles: OpenID user info "
                    "is not simulated."}), 403


@bp.before_request
def _allow_qbo_sized_bodies() -> None:
    request.max_content_length = MAX_BODY_BYTES


def _answer(body: dict[str, Any], status: int) -> tuple[Response, int]:
    return jsonify(body), status


def _fault(fault: Fault, status: int = 400) -> tuple[Response, int]:
    return _answer(api.fault_body(fault), status)


@bp.route("/v3/company/<realm>/<resource>", methods=["GET", "POST"])
@bp.route("/v3/company/<realm>/<resource>/<object_id>", methods=["GET", "POST"])
def company_api(realm: str, resource: str, object_id: str | None = None) -> tuple[Response, int]:
    refused = identity.check_bearer(realm)
    if refused:
        return refused
    resource = resource.lower()
    throttle = limits.Throttle(realm, batch=resource == "batch")
    if current_app.config.get("SANDBOX_RATE_LIMITS"):
        throttle.acquire()
    try:
        if throttle.refused:
            return throttle.refused
        return _route(realm, resource, object_id)
    except Fault as fault:
        kit_store.rollback()
        return _fault(fault)
    finally:
        throttle.release()


def _route(realm: str, resource: str, object_id: str | None) -> tuple[Response, int]:
    if resource == "query" and object_id is None:
        text = request.args.get("query")
        if text is None and request.method == "POST":
            text = request.get_data(as_text=True)
        if not text:
            raise Fault("4000", "Error parsing query", "QueryParserError: the query is empty")
        return _answer(api.with_time({"QueryResponse": api.run_query(realm, text)}), 200)
    if request.method == "GET" and resource in api.READABLE and object_id is not None:
        return _answer(*api.get_one(realm, api.READABLE[resource], object_id))
    if request.method == "POST" and object_id is None and (
            resource in api.WRITABLE or resource == "batch"):
        return _write(realm, resource)
    return _fault(Fault("4001", "Unsupported Operation",
                        f"Operation {request.method} {resource} is not supported."), 404)


def envelope(refused: Refused) -> tuple[Response, int]:
    """QBO's answer to a body it cannot read: a ValidationFault."""
    if refused.problem == "bad_json":
        detail = f"could not be read: the request body is not valid JSON ({refused.detail})"
    else:
        detail = f"could not be read: {refused.detail}"
    return _fault(unsupported("body", detail))


# A repeated requestid gets the first answer, whatever its body (Intuit's rule).
REPLAYS = Replays(store.PACKAGE)


def _create(realm: str, resource: str, body: Any) -> tuple[Response, int]:
    try:
        if resource == "batch":
            return _answer(*api.batch(realm, body))
        entity = api.WRITABLE[resource]
        return _answer(api.with_time({entity: api.create(Books(realm), entity, body)}), 200)
    except Fault as fault:
        kit_store.rollback()
        return _fault(fault)


def _write(realm: str, resource: str) -> tuple[Response, int]:
    try:
        body, _raw = read_json()
    except Refused as refused:
        return envelope(refused)
    request_id = request.args.get("requestid")
    if request_id is not None and not 0 < len(request_id) <= REQUESTID_MAX:
        raise unsupported("requestid", f"must be 1 to {REQUESTID_MAX} characters")

    def handle() -> tuple[Response, int]:
        return shielded(envelope, lambda: _create(realm, resource, body))

    # One writer per realm at a time: ids, DocNumbers and replays never race.
    with get_redis().lock(f"{limits.PREFIX}write:{realm}", timeout=60, blocking_timeout=60):
        if request_id is not None:
            return REPLAYS.once(realm, request_id, "", handle)
        answer = handle()
        kit_store.commit()
        return answer
