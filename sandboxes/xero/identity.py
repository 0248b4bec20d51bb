"""Xero's identity service, simulated: consent page, authorization codes, rotating refresh tokens,
revocation, /connections, and the bearer check in front of the accounting API.

Lifetimes are Xero's: codes 5 minutes and single use, access tokens 30 minutes, refresh tokens
rotate on every use (the previous one keeps working for a 30-minute grace period) and die after
60 days unused. A grant is one consent: the tenants chosen plus every token issued from it.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, jsonify, redirect, request

from app.crypto import decrypt, encrypt
from app.extensions import db
from sandboxes.kit import common
from sandboxes.xero import store as store

CODE_SECONDS = 5 * 60
ACCESS_SECONDS = 30 * 60
REFRESH_GRACE_SECONDS = 30 * 60
REFRESH_UNUSED_SECONDS = 60 * 24 * 3600

_SCOPE = re.compile(
    r"^(openid|profile|email|offline_access|"
    r"(accounting|payroll|files|assets|projects|bankfeeds|finance|paymentservices)\.[a-z.]+)$"
)
CONSENT = common.ConsentBrand(
    name="Xero sandbox", colour="#13b5ea", owner="Xero",
    place="your Xero organisation", tenant="organisation",
)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


# ---------------------------------------------------------------- consent


def _client_problem(args: Any) -> str | None:
    """Why this authorization request cannot be shown, in words for the developer."""
    if args.get("client_id", "") != current_app.config.get("XERO_CLIENT_ID"):
        return "unauthorized_client: Unknown client or client not enabled (client_id)."
    if args.get("response_type", "") != "code":
        return "unsupported_response_type: response_type must be 'code'."
    redirect_problem = common.redirect_problem(args.get("redirect_uri", ""))
    if redirect_problem:
        return redirect_problem
    scopes = args.get("scope", "").split()
    if not scopes:
        return "invalid_scope: scope is required."
    bad = [s for s in scopes if not _SCOPE.match(s)]
    if bad:
        return f"invalid_scope: unknown scope {' '.join(bad)}."
    return None


def authorize() -> Response | str | tuple[str, int]:
    """GET shows the consent page; POST (the page's form) answers it."""
    source = request.form if request.method == "POST" else request.args
    problem = _client_problem(source)
    if problem:
        return common.render_consent(CONSENT, error=problem), 400
    owner = common.consent_owner()
    orgs = store.ensure_default_organisation(owner)
    if request.method == "GET":
        return common.render_consent(
            CONSENT, tenants=[(org["OrganisationID"], org["Name"]) for org in orgs],
            heading=orgs[0]["Name"], params=request.args,
        )
    state = source.get("state", "")
    redirect_uri = source["redirect_uri"]
    sep = "&" if "?" in redirect_uri else "?"
    if source.get("decision") != "allow":
        query = {"error": "access_denied"} | ({"state": state} if state else {})
        return redirect(f"{redirect_uri}{sep}{urlencode(query)}")
    known = {org["OrganisationID"] for org in orgs}
    tenants = [t for t in source.getlist("tenant_id") if t in known]
    new_name = source.get("new_organisation", "").strip()
    if new_name:
        # A fresh organisation replaces the selection: its books start empty and its own.
        tenants = [store.create_organisation(new_name[:255], owner)["OrganisationID"]]
    if not tenants:
        return common.render_consent(CONSENT, error="Choose an organisation."), 400
    code = secrets.token_urlsafe(32)
    store.put(store.GLOBAL, "codes", common.token_key(code), {
        "client_id": source["client_id"], "redirect_uri": redirect_uri,
        "scope": " ".join(source["scope"].split()), "tenants": tenants,
        "expires": store.now() + CODE_SECONDS, "used": False,
    })
    db.session.commit()
    query = {"code": code, "scope": source["scope"]} | ({"state": state} if state else {})
    return redirect(f"{redirect_uri}{sep}{urlencode(query)}")


# ---------------------------------------------------------------- token endpoint


def _oauth_error(error: str, status: int = 400, description: str = "") -> tuple[Response, int]:
    body = {"error": error} | ({"error_description": description} if description else {})
    return jsonify(body), status


def _access_seconds() -> int:
    """Xero's 30 minutes, or XERO_SANDBOX_ACCESS_SECONDS: tests issue short-lived tokens (like
    Sage Accounting's 5 minutes) to prove a token that dies mid-run is renewed, not lost."""
    try:
        return int(current_app.config.get("XERO_SANDBOX_ACCESS_SECONDS") or ACCESS_SECONDS)
    except (TypeError, ValueError):
        return ACCESS_SECONDS


def _issue(grant_id: str, grant: dict[str, Any]) -> dict[str, Any]:
    """A new access token (and refresh token when offline_access was granted)."""
    access = secrets.token_urlsafe(48)
    lifetime = _access_seconds()
    store.put(store.GLOBAL, "access_tokens", common.token_key(access), {
        "grant_id": grant_id, "expires": store.now() + lifetime,
    })
    answer: dict[str, Any] = {
        "access_token": access, "expires_in": lifetime, "token_type": "Bearer",
        "scope": grant["scope"],
    }
    if "offline_access" in grant["scope"].split():
        refresh = secrets.token_urlsafe(32)
        store.put(store.GLOBAL, "refresh_tokens", common.token_key(refresh), {
            "grant_id": grant_id, "expires": store.now() + REFRESH_UNUSED_SECONDS,
            "rotated_at": None, "answer": None,
        })
        answer["refresh_token"] = refresh
    return answer


def token() -> tuple[Response, int] | Response:
    client_id, secret = common.client_credentials()
    config = current_app.config
    if client_id != config.get("XERO_CLIENT_ID") or not secrets.compare_digest(
        secret.encode(), str(config.get("XERO_CLIENT_SECRET", "")).encode()
    ):
        return _oauth_error("invalid_client")
    grant_type = request.form.get("grant_type", "")
    if grant_type == "authorization_code":
        return _exchange_code(client_id)
    if grant_type == "refresh_token":
        return _refresh(client_id)
    return _oauth_error("unsupported_grant_type")


def _exchange_code(client_id: str) -> tuple[Response, int] | Response:
    code = request.form.get("code", "")
    row = store.get(store.GLOBAL, "codes", common.token_key(code)) if code else None
    data = dict(row.data) if row else None
    if (
        data is None or data["used"] or data["expires"] < store.now()
        or data["client_id"] != client_id
        or data["redirect_uri"] != request.form.get("redirect_uri", "")
    ):
        return _oauth_error("invalid_grant")
    data["used"] = True
    store.put(store.GLOBAL, "codes", common.token_key(code), data)
    grant_id = store.new_id()
    ts = store.now()
    grant = {
        "client_id": client_id, "scope": data["scope"], "auth_event_id": store.new_id(),
        "revoked": False,
        "connections": [
            {"id": store.new_id(), "tenant_id": t, "created": ts} for t in data["tenants"]
        ],
    }
    store.put(store.GLOBAL, "grants", grant_id, grant)
    answer = _issue(grant_id, grant)
    db.session.commit()
    return jsonify(answer)


def _refresh(client_id: str) -> tuple[Response, int] | Response:
    presented = common.token_key(request.form.get("refresh_token", ""))
    data = store.get_data(store.GLOBAL, "refresh_tokens", presented)
    if data is None:
        return _oauth_error("invalid_grant")
    grant = store.get_data(store.GLOBAL, "grants", data["grant_id"])
    ts = store.now()
    if grant is None or grant["revoked"] or grant["client_id"] != client_id:
        return _oauth_error("invalid_grant")
    if data["rotated_at"] is not None:
        # Already used: within the grace period it answers with the pair it produced.
        if ts - data["rotated_at"] <= REFRESH_GRACE_SECONDS and data["answer"]:
            return jsonify(json.loads(decrypt(data["answer"])))
        return _oauth_error("invalid_grant")
    if data["expires"] < ts:
        return _oauth_error("invalid_grant")
    answer = _issue(data["grant_id"], grant)
    data["rotated_at"] = ts
    # The pair handed out, for the grace period's repeat answer: encrypted, as our own
    # tokens are, since only hashes of the tokens themselves are kept.
    data["answer"] = encrypt(json.dumps(answer))
    store.put(store.GLOBAL, "refresh_tokens", presented, data)
    db.session.commit()
    return jsonify(answer)


def revocation() -> tuple[Response, int] | Response:
    """Revoking a refresh token ends its whole grant: every token issued from the consent."""
    client_id, secret = common.client_credentials()
    if client_id != current_app.config.get("XERO_CLIENT_ID") or secret != current_app.config.get(
        "XERO_CLIENT_SECRET"
    ):
        return _oauth_error("invalid_client")
    presented = common.token_key(request.form.get("token", ""))
    data = store.get_data(store.GLOBAL, "refresh_tokens", presented)
    if data is None:
        data = store.get_data(store.GLOBAL, "access_tokens", presented)
    if data is not None:
        grant = store.get_data(store.GLOBAL, "grants", data["grant_id"])
        if grant is not None:
            grant["revoked"] = True
            store.put(store.GLOBAL, "grants", data["grant_id"], grant)
            db.session.commit()
    return Response(status=200)


# ---------------------------------------------------------------- bearer checks


def problem(status: int, title: str, detail: str) -> tuple[Response, int]:
    """Xero's ProblemDetails body for authentication and authorisation failures."""
    body = {"Type": None, "Title": title, "Status": status, "Detail": detail,
            "Instance": store.new_id(), "Extensions": {}}
    response = jsonify(body)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response, status


def bearer_grant() -> tuple[str, dict[str, Any]] | tuple[Response, int]:
    """(grant id, grant) of the request's access token, or a 401 answer."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    data = store.get_data(store.GLOBAL, "access_tokens", common.token_key(header[7:].strip()))
    if data is None:
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    if data["expires"] < store.now():
        expired = datetime.fromtimestamp(data["expires"], UTC).strftime("%m/%d/%Y %H:%M:%S")
        return problem(401, "Unauthorized", f"TokenExpired: token expired at {expired}")
    grant = store.get_data(store.GLOBAL, "grants", data["grant_id"])
    if grant is None or grant["revoked"]:
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    return data["grant_id"], grant


def connections() -> tuple[Response, int] | Response:
    found = bearer_grant()
    if isinstance(found[0], Response):
        return found  # type: ignore[return-value]
    _grant_id, grant = found
    answer = []
    for conn in grant["connections"]:
        org = store.get_data(store.GLOBAL, "organisations", conn["tenant_id"]) or {}
        answer.append({
            "id": conn["id"], "authEventId": grant["auth_event_id"],
            "tenantId": conn["tenant_id"], "tenantType": "ORGANISATION",
            "tenantName": org.get("Name", ""), "createdDateUtc": _iso(conn["created"]),
            "updatedDateUtc": _iso(conn["created"]),
        })
    return jsonify(answer)


def delete_connection(connection_id: str) -> tuple[Response, int] | Response:
    """DELETE /connections/{id}: the app disconnects one tenant from the grant."""
    found = bearer_grant()
    if isinstance(found[0], Response):
        return found  # type: ignore[return-value]
    grant_id, grant = found
    kept = [c for c in grant["connections"] if c["id"] != connection_id]
    if len(kept) == len(grant["connections"]):
        return problem(404, "NotFound", "Connection not found")
    grant["connections"] = kept
    store.put(store.GLOBAL, "grants", grant_id, grant)
    db.session.commit()
    return Response(status=204)


# Which scopes open which API collections (the older broad scope or the newer granular one).
_SCOPES_FOR: dict[str, tuple[str, ...]] = {
    "Contacts": ("accounting.contacts",),
    "Invoices": ("accounting.transactions", "accounting.invoices"),
    "CreditNotes": ("accounting.transactions", "accounting.invoices"),
    "Payments": ("accounting.transactions", "accounting.payments"),
    "BatchPayments": ("accounting.transactions", "accounting.payments"),
    "Accounts": ("accounting.settings",),
    "TaxRates": ("accounting.settings",),
    "Organisation": ("accounting.settings",),
}


def api_guard(collection: str) -> tuple[str, dict[str, Any]] | tuple[Response, int]:
    """(tenant id, grant) for an accounting API call, or Xero's 401/403 answer."""
    found = bearer_grant()
    if isinstance(found[0], Response):
        return found  # type: ignore[return-value]
    _grant_id, grant = found
    tenant = request.headers.get("xero-tenant-id", "").strip()
    if not tenant or tenant not in {c["tenant_id"] for c in grant["connections"]}:
        return problem(403, "Forbidden", "AuthorizationUnsuccessful")
    granted = set(grant["scope"].split())
    read_only = request.method == "GET"
    needed = _SCOPES_FOR.get(collection, ())
    allowed = any(s in granted or (read_only and f"{s}.read" in granted) for s in needed)
    if needed and not allowed:
        return problem(401, "Unauthorized", "AuthorizationUnsuccessful")
    return tenant, grant

