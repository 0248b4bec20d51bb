"""Intuit's OAuth 2 service, simulated: the consent page (one company per grant, its realmId in
the callback), authorization codes, access tokens (1 hour), refresh tokens, revocation, and the
bearer check in front of /v3/company/{realmId}.

Refresh tokens: Intuit's last 100 days rolling and "may change" on refresh. The sandbox always
issues a new one and the presented one stops working at once (Intuit keeps an old one usable for
a while): the strictest reading, so a client that does not store the newest token fails here
first rather than in production.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, jsonify, redirect, request

from app.extensions import db
from sandboxes.kit import common
from sandboxes.quickbooks_online import store as store

CODE_SECONDS = 5 * 60
ACCESS_SECONDS = 3600
REFRESH_SECONDS = 8_726_400  # x_refresh_token_expires_in, 101 days
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
_KNOWN_SCOPES = {ACCOUNTING_SCOPE, "com.intuit.quickbooks.payment", "openid", "profile",
                 "email", "phone", "address"}
CONSENT = common.ConsentBrand(
    name="QuickBooks Online sandbox", colour="#2ca01c", owner="Intuit",
    place="your QuickBooks company", tenant="company",
)


def client_id() -> str:
    return str(current_app.config.get("QBO_CLIENT_ID") or "ledgerlink-sandbox")


def client_secret() -> str:
    return str(current_app.config.get("QBO_CLIENT_SECRET") or "sandbox-secret")


# ---------------------------------------------------------------- consent


def _request_problem(args: Any) -> str | None:
    """Why this authorization request cannot be shown, in words for the developer."""
    if args.get("client_id", "") != client_id():
        return "invalid_client: the client_id is not known to Intuit."
    if args.get("response_type", "") != "code":
        return "unsupported_response_type: response_type must be 'code'."
    redirect_problem = common.redirect_problem(args.get("redirect_uri", ""))
    if redirect_problem:
        return redirect_problem
    scopes = args.get("scope", "").split()
    if ACCOUNTING_SCOPE not in scopes:
        return f"invalid_scope: scope must include {ACCOUNTING_SCOPE}."
    unknown = [s for s in scopes if s not in _KNOWN_SCOPES]
    if unknown:
        return f"invalid_scope: unknown scope {' '.join(unknown)}."
    if not args.get("state"):
        return "invalid_request: state is required."
    return None


def authorize() -> Response | str | tuple[str, int]:
    """GET shows the consent page; POST (the page's form) answers it."""
    source = request.form if request.method == "POST" else request.args
    problem = _request_problem(source)
    if problem:
        return common.render_consent(CONSENT, error=problem), 400
    owner = common.consent_owner()
    found = store.ensure_default_company(owner)
    if request.method == "GET":
        return common.render_consent(
            CONSENT, tenants=[(c["realmId"], c["CompanyName"]) for c in found],
            params=request.args,
        )
    redirect_uri = source["redirect_uri"]
    sep = "&" if "?" in redirect_uri else "?"
    if source.get("decision") != "allow":
        query = {"error": "access_denied", "state": source["state"]}
        return redirect(f"{redirect_uri}{sep}{urlencode(query)}")
    realm = source.get("tenant_id", "")
    new_name = source.get("new_organisation", "").strip()
    if new_name:
        realm = store.create_company(new_name[:100], owner)["realmId"]
    elif realm not in {c["realmId"] for c in found}:
        return common.render_consent(CONSENT, error="Choose a company."), 400
    code = "AB11" + secrets.token_urlsafe(30)
    store.put(store.GLOBAL, "codes", common.token_key(code), {
        "client_id": source["client_id"], "redirect_uri": redirect_uri,
        "scope": " ".join(source["scope"].split()), "realm": realm,
        "expires": store.now() + CODE_SECONDS, "used": False,
    })
    db.session.commit()
    query = {"code": code, "state": source["state"], "realmId": realm}
    return redirect(f"{redirect_uri}{sep}{urlencode(query)}")


# ---------------------------------------------------------------- token endpoint


def _oauth_error(error: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": error}), status


def _client_ok() -> bool:
    given_id, given_secret = common.client_credentials()
    return given_id == client_id() and common.same_secret(given_secret, client_secret())


def _issue(grant_id: str) -> dict[str, Any]:
    access = "eyJlbmMiOi" + secrets.token_urlsafe(60)
    refresh = "AB11" + secrets.token_urlsafe(36)
    moment = store.now()
    store.put(store.GLOBAL, "access_tokens", common.token_key(access),
              {"grant_id": grant_id, "expires": moment + ACCESS_SECONDS})
    store.put(store.GLOBAL, "refresh_tokens", common.token_key(refresh),
              {"grant_id": grant_id, "expires": moment + REFRESH_SECONDS, "used": False})
    return {"access_token": access, "expires_in": ACCESS_SECONDS, "refresh_token": refresh,
            "x_refresh_token_expires_in": REFRESH_SECONDS, "token_type": "bearer"}


def token() -> tuple[Response, int] | Response:
    if not _client_ok():
        return _oauth_error("invalid_client", 401)
    grant_type = request.form.get("grant_type", "")
    if grant_type == "authorization_code":
        return _exchange_code()
    if grant_type == "refresh_token":
        return _refresh()
    return _oauth_error("unsupported_grant_type")


def _exchange_code() -> tuple[Response, int] | Response:
    code = request.form.get("code", "")
    data = store.get_data(store.GLOBAL, "codes", common.token_key(code)) if code else None
    if (data is None or data["used"] or data["expires"] < store.now()
            or data["client_id"] != client_id()
            or data["redirect_uri"] != request.form.get("redirect_uri", "")):
        return _oauth_error("invalid_grant")
    data["used"] = True
    store.put(store.GLOBAL, "codes", common.token_key(code), data)
    grant_id = secrets.token_hex(16)
    store.put(store.GLOBAL, "grants", grant_id, {
        "client_id": client_id(), "scope": data["scope"], "realm": data["realm"],
        "revoked": False,
    })
    answer = _issue(grant_id)
    db.session.commit()
    return jsonify(answer)


def _refresh() -> tuple[Response, int] | Response:
    presented = common.token_key(request.form.get("refresh_token", ""))
    data = store.get_data(store.GLOBAL, "refresh_tokens", presented)
    if data is None or data["used"] or data["expires"] < store.now():
        return _oauth_error("invalid_grant")
    grant = store.get_data(store.GLOBAL, "grants", data["grant_id"])
    if grant is None or grant["revoked"]:
        return _oauth_error("invalid_grant")
    data["used"] = True
    store.put(store.GLOBAL, "refresh_tokens", presented, data)
    answer = _issue(data["grant_id"])
    db.session.commit()
    return jsonify(answer)


def revoke() -> tuple[Response, int] | Response:
    """Revoking either token ends its grant: every token issued from that consent."""
    if not _client_ok():
        return _oauth_error("invalid_client", 401)
    presented = request.form.get("token", "")
    if not presented and request.data:
        try:
            body = common.loads_json(request.get_data())
        except ValueError:
            body = None
        presented = str(body.get("token", "")) if isinstance(body, dict) else ""
    if not presented:
        return _oauth_error("invalid_request")
    key = common.token_key(presented)
    data = (store.get_data(store.GLOBAL, "refresh_tokens", key)
            or store.get_data(store.GLOBAL, "access_tokens", key))
    if data is not None:
        grant = store.get_data(store.GLOBAL, "grants", data["grant_id"])
        if grant is not None:
            grant["revoked"] = True
            store.put(store.GLOBAL, "grants", data["grant_id"], grant)
            db.session.commit()
    return Response(status=200)


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
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return auth_fault("Authorization header missing or not a Bearer token")
    data = store.get_data(store.GLOBAL, "access_tokens", common.token_key(header[7:].strip()))
    if data is None:
        return auth_fault("Token invalid")
    if data["expires"] < store.now():
        when = datetime.fromtimestamp(data["expires"], UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        return auth_fault(f"Token expired: {when}")
    grant = store.get_data(store.GLOBAL, "grants", data["grant_id"])
    if grant is None or grant["revoked"]:
        return auth_fault("Token revoked")
    if grant["realm"] != realm:
        return forbidden()
    return None
