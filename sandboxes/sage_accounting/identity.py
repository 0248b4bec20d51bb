"""Sage's sign-in, simulated on the kit's OAuth server: the consent page picks one business,
access tokens live 5 minutes, refresh tokens 31 days and rotate on every refresh (the previous
one dies at once), and revoking either token ends the grant. Also GET /businesses and the bearer
and X-Business checks in front of every other API call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, request

from sandboxes.kit.consent import ConsentBrand, TenantChoice
from sandboxes.kit.oauth import OAuthServer, Refusal
from sandboxes.kit.profile import Lifetimes, OAuthProfile
from sandboxes.sage_accounting import replies
from sandboxes.sage_accounting import store as store

SCOPE = "full_access"
LIFETIMES = Lifetimes(access=5 * 60, refresh=31 * 24 * 3600)


def _scope_problem(scopes: Sequence[str]) -> str | None:
    if SCOPE in scopes:
        return None
    return f"invalid_scope: scope must be {SCOPE}."


PROFILE = OAuthProfile(
    package=store.PACKAGE,
    brand=ConsentBrand(name="Sage Accounting sandbox", colour="#00d639", owner="Sage",
                       place="your Sage business", tenant="business"),
    tenants=TenantChoice(
        offered=lambda owner: [(b["id"], b["name"]) for b in store.businesses_of(owner)],
        create=lambda name, owner: str(store.create_business(name, owner)["id"]),
        several=False,
    ),
    client_settings=("SAGE_CLIENT_ID", "SAGE_CLIENT_SECRET"),
    lifetimes=LIFETIMES,
    clock=lambda: store.now(),  # late-bound: tests move store.now
    scope_problem=_scope_problem,
    access_seconds_setting="SAGE_SANDBOX_ACCESS_SECONDS",
    bearer_word="bearer",
    reply_scope=True,
    reply_extra=lambda lifetimes: {"refresh_token_expires_in": lifetimes.refresh},
)
SERVER = OAuthServer(PROFILE)


def bearer_grant() -> dict[str, Any] | tuple[Response, int]:
    """The grant the request's access token opens, or Sage's 401."""
    found = SERVER.bearer()
    if isinstance(found, Refusal):
        return replies.unauthorised()
    return found.grant


def business_of_request() -> str | tuple[Response, int]:
    """The business the request's X-Business header names, if its token's grant covers it;
    else Sage's 401 or 403."""
    grant = bearer_grant()
    if isinstance(grant, tuple):
        return grant
    business = request.headers.get("X-Business", "").strip()
    if not business or business not in grant.get("tenants", []):
        return replies.forbidden()
    return business


def businesses() -> tuple[Response, int]:
    """GET /businesses: the businesses the grant covers, as a JSON array."""
    grant = bearer_grant()
    if isinstance(grant, tuple):
        return grant
    found = [store.business(b) for b in grant.get("tenants", [])]
    return replies.answer([store.public(b) for b in found if b is not None])
