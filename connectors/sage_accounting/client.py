"""HTTP to Sage Accounting: OAuth 2 (the shared Authlib flow) and the API v3.1.

Every API call but GET /businesses names the business in the X-Business header. Calls go
through the shared JsonApiClient (connectors/http.py): throttled first, then the engine's
before_send hook (Sage's access tokens live 5 minutes, so one may die in the middle of a run),
the configured timeout, replies decoded with amounts as Decimal.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from connectors import http
from connectors.base import BadReplyError, ConnectorError
from connectors.oauth2 import OAuth2Provider, TokenReply
from connectors.sage_accounting.errors import SageUnavailableError, raise_for_status, retry_after
from connectors.wire import dumps

SCOPE = "full_access"
ACCESS_SECONDS = 300  # Sage's access tokens live 5 minutes
PAGE_SIZE = 200  # Sage's largest items_per_page
# Asked on every list: the whole objects, as many a page as Sage gives.
LIST_PARAMS = {"attributes": "all", "items_per_page": str(PAGE_SIZE)}


def scopes(settings: Mapping[str, Any]) -> tuple[str, ...]:
    names = str(settings.get("SAGE_SCOPES") or SCOPE).split()
    return tuple(dict.fromkeys(names or [SCOPE]))


def api_base(settings: Mapping[str, Any]) -> str:
    return str(settings["SAGE_API_URL"]).rstrip("/")


# --------------------------------------------------------------------------- OAuth 2
def _refresh_expiry(token: TokenReply) -> dict[str, Any]:
    """Sage says how long the (rotating) refresh token lives: 31 days."""
    life = token.get("refresh_token_expires_in")
    if isinstance(life, int | float) and not isinstance(life, bool):
        return {"refresh_expires_at": time.time() + float(life)}
    return {}


def oauth2(settings: Mapping[str, Any]) -> OAuth2Provider:
    # SAGE_AUTH_URL carries ?filter=apiv3.1 already; Authlib appends its parameters with "&".
    return OAuth2Provider(
        package="Sage Accounting",
        owner="Sage",
        server="Sage's token endpoint",
        speaker="Sage's token",
        client_id=str(settings["SAGE_CLIENT_ID"]),
        client_secret=str(settings["SAGE_CLIENT_SECRET"]),
        authorize_url=str(settings["SAGE_AUTH_URL"]),
        token_url=str(settings["SAGE_TOKEN_URL"]),
        revocation_url=str(settings["SAGE_REVOKE_URL"]),
        scopes=scopes(settings),
        timeout=http.timeout(settings),
        lifetime=ACCESS_SECONDS,
        unavailable=SageUnavailableError,
        busy_wait=retry_after,
        token_extra=_refresh_expiry,
        # Sage's authentication guide shows client_id and client_secret in the token request's
        # form (unverified whether its server also takes a Basic header; the sandbox takes both).
        client_auth="client_secret_post",  # noqa: S106 (a method's name, not a secret)
    )


# --------------------------------------------------------------------------- the API
class SageClient(http.JsonApiClient):
    """Authenticated calls for one connection (one business, its id in tenant_id)."""

    package = "Sage Accounting"
    unavailable = SageUnavailableError
    dumps = staticmethod(dumps)
    raise_for_status = staticmethod(raise_for_status)

    def _headers(self) -> dict[str, str]:
        business = self.credentials.tenant_id
        if not business:
            raise ConnectorError("no Sage Accounting business on this connection")
        return {"X-Business": business}

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        full = f"{api_base(self.settings)}/{path.lstrip('/')}"
        return f"{full}?{urlencode(params)}" if params else full

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.send("GET", self.url(path, params), self._headers())

    def get_one(self, collection: str, object_id: str) -> dict[str, Any]:
        return self.get(f"{collection}/{quote(object_id, safe='')}")

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.send("POST", self.url(path), self._headers(), dict(body))

    def businesses(self) -> list[Any]:
        """GET /businesses: the businesses the grant covers (a JSON array, no X-Business)."""
        return self.send("GET", self.url("businesses"), {}, expected=list, what="array")

    def items(self, path: str, params: Mapping[str, Any] | None = None
              ) -> Iterator[dict[str, Any]]:
        """Every item of a list, page after page (Sage's $next is relative to the API base)."""
        url = self.url(path, {**LIST_PARAMS, **(params or {})})
        seen = 0
        while url:
            page = self.send("GET", url, self._headers())
            found = page.get("$items")
            if not isinstance(found, list):
                raise BadReplyError(f"Sage Accounting's {path} list has no $items")
            yield from (item for item in found if isinstance(item, dict))
            seen += 1
            following = page.get("$next")
            if not isinstance(following, str) or not following or not found or seen > 10_000:
                return
            url = f"{api_base(self.settings)}/{following.lstrip('/')}"
