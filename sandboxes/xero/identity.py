"""Xero's identity service, simulated on the kit's OAuth server: Xero's lifetimes, scopes and
replies, /connections, and the bearer check in front of the accounting API.

Lifetimes are Xero's: codes 5 minutes and single use, access tokens 30 minutes, refresh tokens
rotate on every use (the previous one keeps working for a 30-minute grace period) and die after
60 days unused. A grant is one consent: the tenants chosen plus every token issued from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request

from sandboxes.kit import store as kit_store
from sandboxes.kit.consent import ConsentBrand, TenantChoice
from sandboxes.kit.oauth import OAuthServer, Refusal
from sandboxes.kit.profile import Lifetimes, OAuthProfile
from sandboxes.xero import store as store

_SCOPE = re.compile(
    r"^(openid|profile|email|offline_access|"
    r"(accounting|payroll|files|assets|projects|bankfeeds|finance|paymentservices)\.[a-z.]+)$"
)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def _scope_problem(scopes: Sequence[str]) -> str | None:
    if not scopes:
        return "invalid_scope: scope is required."
    bad = [s for s in scopes if not _SCOPE.match(s)]
    return f"invalid_scope: unknown scope {' '.join(bad)}." if bad else None


def _offered(owner: str) -> list[tuple[str, str]]:
    return [(org["OrganisationID"], org["Name"])
            for org in store.ensure_default_organisation(owner)]


def _create(name: str, owner: str) -> str:
    return str(store.create_organisation(name, owner)["OrganisationID"])


def _with_connections(grant: dict[str, Any]) -> dict[str, Any]:
    """Xero names each tenant a grant reaches by a connection id, for GET /connections."""
    return grant | {
        "auth_event_id": store.new_id(),
        "connections": [{"id": store.new_id(), "tenant_id": t, "created": grant["created"]}
                        for t in grant["tenants"]],
    }


PROFILE = OAuthProfile(
    package=store.PACKAGE,
    brand=ConsentBrand(name="Xero sandbox", colour="#13b5ea", owner="Xero",
                       place="your Xero organisation", tenant="organisation"),
    tenants=TenantChoice(offered=_offered, create=_create, several=True,
                         heading_names_first=True),
    client_settings=("XERO_CLIENT_ID", "XERO_CLIENT_SECRET"),
    # XERO_SANDBOX_ACCESS_SECONDS: tests issue short-lived tokens (like Sage Accounting's 5
    # minutes) to prove a token that dies mid-run is renewed, not lost.
    access_seconds_setting="XERO_SANDBOX_ACCESS_SECONDS",
    lifetimes=Lifetimes(access=30 * 60, refresh=60 * 24 * 3600, refresh_grace=30 * 60),
    clock=lambda: store.now(),
    scope_problem=_scope_problem,
    unknown_client="unauthorized_client: Unknown client or client not enabled (client_id).",
    reply_scope=True,
    issues_refresh=lambda scope: "offline_access" in scope.split(),
    callback_scope=True,
    on_grant=_with_connections,
)
SERVER = OAuthServer(PROFILE)


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
    found = SERVER.bearer()
    if isinstance(found, Refusal):
        if found.reason == "expired" and found.expired_at is not None:
            expired = datetime.fromtimestamp(found.expired_at, UTC).strftime(
                "%m/%d/%Y %H:%M:%S")
            return problem(401, "Unauthorized", f"TokenExpired: token expired at {expired}")
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    return found.grant_id, found.grant


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
    SERVER.save_grant(grant_id, grant | {"connections": kept})
    kit_store.commit()
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

