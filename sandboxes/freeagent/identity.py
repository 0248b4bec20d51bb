"""FreeAgent's sign-in, simulated on the kit's OAuth server: no scopes, one company per grant
(a FreeAgent login is one company), authorisation codes living 15 minutes, access tokens an hour,
and a new refresh token on every refresh, the previous one dying at once. FreeAgent documents no
revoke endpoint: a user withdraws an app in FreeAgent's own settings, which `withdraw` plays.
Also the bearer check in front of every API call and GET /v2/company.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response

from sandboxes.freeagent import replies
from sandboxes.freeagent import store as store
from sandboxes.kit import db as kit_db
from sandboxes.kit import store as kit_store
from sandboxes.kit.consent import ConsentBrand, TenantChoice
from sandboxes.kit.oauth import OAuthServer, Refusal
from sandboxes.kit.oauth_models import ACCESS, REFRESH
from sandboxes.kit.profile import Lifetimes, OAuthProfile

# Docs: codes 15 minutes; the 2019 forum notice: access tokens one hour. unverified: the
# refresh token's life (the docs say only "read refresh_token_expires_in"); 90 days here.
LIFETIMES = Lifetimes(access=3600, refresh=90 * 24 * 3600, code=15 * 60, refresh_grace=0)


def _no_scopes(_scopes: Sequence[str]) -> str | None:
    return None  # FreeAgent has no scopes: whatever is asked is ignored


PROFILE = OAuthProfile(
    package=store.PACKAGE,
    brand=ConsentBrand(name="FreeAgent sandbox", colour="#0e7c86", owner="FreeAgent",
                       place="your FreeAgent company", tenant="company"),
    tenants=TenantChoice(
        offered=lambda owner: [(str(c["id"]), c["name"]) for c in store.companies_of(owner)],
        create=lambda name, owner: str(store.create_company(name, owner)["id"]),
        several=False,
    ),
    client_settings=("FREEAGENT_CLIENT_ID", "FREEAGENT_CLIENT_SECRET"),
    lifetimes=LIFETIMES,
    clock=lambda: store.now(),  # late-bound: tests move store.now
    scope_problem=_no_scopes,
    access_seconds_setting="FREEAGENT_SANDBOX_ACCESS_SECONDS",
    bearer_word="bearer",
    reply_extra=lambda lifetimes: {"refresh_token_expires_in": lifetimes.refresh},
    # unverified: FreeAgent's status for a bad client (the wire contract's 401).
    invalid_client_status=401,
)
SERVER = OAuthServer(PROFILE)


def company_of_request() -> str | tuple[Response, int]:
    """The company the request's access token opens, or FreeAgent's 401."""
    found = SERVER.bearer()
    if isinstance(found, Refusal):
        return replies.unauthorised()
    tenants = found.grant.get("tenants") or []
    if not tenants or store.company(str(tenants[0])) is None:
        return replies.unauthorised()
    return str(tenants[0])


def company_view(company_id: str) -> tuple[Response, int]:
    """GET /v2/company: the one company the token opens."""
    found = store.company(company_id)
    if found is None:
        return replies.not_found()
    return replies.answer({"company": store.public(found)})


def _grant_of(token: str) -> str | None:
    for collection in (ACCESS, REFRESH):
        found = SERVER.stored(collection, token)
        if found is not None:
            return str(found.data["grant_id"])
    return None


def withdraw(token: str) -> bool:
    """The user removes the app in FreeAgent's settings: the grant `token` (access or refresh)
    came from ends, every token of it with it. Committed; False when the token is unknown."""
    try:
        grant_id = _grant_of(token)
        grant: dict[str, Any] | None = SERVER.grant(grant_id) if grant_id else None
        if grant_id is None or grant is None:
            return False
        SERVER.save_grant(grant_id, grant | {"revoked": True})
        kit_store.commit()
        return True
    except BaseException:
        kit_store.rollback()
        raise
    finally:
        kit_db.remove()
