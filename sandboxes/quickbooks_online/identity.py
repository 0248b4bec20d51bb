"""Intuit's OAuth 2 service, simulated on the kit's OAuth server: one company per grant (its
realmId in the callback), access tokens of 1 hour, refresh tokens, revocation, and the bearer
check in front of /v3/company/{realmId}.

Refresh tokens: Intuit's last 100 days rolling and "may change" on refresh. The sandbox always
issues a new one and the presented one stops working at once (Intuit keeps an old one usable for
a while): the strictest reading, so a client that does not store the newest token fails here
first rather than in production.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from flask import Response, jsonify

from sandboxes.kit.consent import ConsentBrand, TenantChoice
from sandboxes.kit.oauth import OAuthServer, Refusal
from sandboxes.kit.profile import Lifetimes, OAuthProfile
from sandboxes.quickbooks_online import store as store

ACCESS_SECONDS = 3600
REFRESH_SECONDS = 8_726_400  # x_refresh_token_expires_in, 101 days
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
_KNOWN_SCOPES = {ACCOUNTING_SCOPE, "com.intuit.quickbooks.payment", "openid", "profile",
                 "email", "phone", "address"}


def _scope_problem(scopes: Sequence[str]) -> str | None:
    if ACCOUNTING_SCOPE not in scopes:
        return f"invalid_scope: scope must include {ACCOUNTING_SCOPE}."
    unknown = [s for s in scopes if s not in _KNOWN_SCOPES]
    return f"invalid_scope: unknown scope {' '.join(unknown)}." if unknown else None


def _offered(owner: str) -> list[tuple[str, str]]:
    return [(c["realmId"], c["CompanyName"]) for c in store.ensure_default_company(owner)]


def _create(name: str, owner: str) -> str:
    return str(store.create_company(name, owner)["realmId"])


PROFILE = OAuthProfile(
    package=store.PACKAGE,
    brand=ConsentBrand(name="QuickBooks Online sandbox", colour="#2ca01c", owner="Intuit",
                       place="your QuickBooks company", tenant="company"),
    tenants=TenantChoice(offered=_offered, create=_create, name_max=100),
    client_settings=("QBO_CLIENT_ID", "QBO_CLIENT_SECRET"),
    client_defaults=("ledgerlink-sandbox", "sandbox-secret"),
    lifetimes=Lifetimes(access=ACCESS_SECONDS, refresh=REFRESH_SECONDS),
    clock=lambda: store.now(),
    scope_problem=_scope_problem,
    unknown_client="invalid_client: the client_id is not known to Intuit.",
    state_required=True,
    bearer_word="bearer",
    reply_extra=lambda lifetimes: {"x_refresh_token_expires_in": lifetimes.refresh},
    new_code=lambda: "AB11" + secrets.token_urlsafe(30),
    new_access_token=lambda: "eyJlbmMiOi" + secrets.token_urlsafe(60),
    new_refresh_token=lambda: "AB11" + secrets.token_urlsafe(36),
    invalid_client_status=401,
    revocation_json=True,
    callback_extra=lambda tenants: {"realmId": tenants[0]},
)
SERVER = OAuthServer(PROFILE)


# ---------------------------------------------------------------- bearer check


def auth_fault(detail: str) -> tuple[Response, int]:
    """Intuit's 401 body (lower-case keys, unlike the API's own Fault)."""
    body = {"warnings": None, "intuitObject": None, "fault": {"error": [{
        "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "detail": detail, "code": "3200", "element": None}], "type": "AUTHENTICATION"},
        "report": None, "queryResponse": None, "batchItemResponse": [],
        "attachableResponse": [], "syncErrorResponse": None, "requestId": None,
        "time": int(store.now() * 1000), "status": None, "cdcresponse": []}
    response = jsonify(body)
    response.headers["WWW-Authenticate"] = 'Bearer realm="Intuit", error="invalid_token"'
    return response, 401


def forbidden() -> tuple[Response, int]:
    return jsonify({"Fault": {"Error": [{
        "Message": "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        "Detail": "The token does not give access to this company (realmId).",
        "code": "3100"}], "type": "AUTHORIZATION"}, "time": store.response_time()}), 403


def check_bearer(realm: str) -> tuple[Response, int] | None:
    """None when the request's access token opens this realm, else Intuit's 401/403."""
    found = SERVER.bearer()
    if isinstance(found, Refusal):
        if found.reason == "expired" and found.expired_at is not None:
            when = datetime.fromtimestamp(found.expired_at, UTC).strftime(
                "%a %b %d %H:%M:%S UTC %Y")
            return auth_fault(f"Token expired: {when}")
        return auth_fault({
            "missing": "Authorization header missing or not a Bearer token",
            "unknown": "Token invalid",
        }.get(found.reason, "Token revoked"))
    if realm not in found.tenants:
        return forbidden()
    return None
