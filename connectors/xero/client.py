"""HTTP to Xero: OAuth 2 (through Authlib) and the Accounting API.

Every request is throttled first (the engine's shared per-connection budget), carries the
timeout from settings, and is decoded defensively: Xero's replies are untrusted input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from connectors import http
from connectors.base import BadReplyError
from connectors.oauth2 import OAuth2Provider, TokenReply
from connectors.xero.errors import XeroUnavailableError, message_of, raise_for_status, retry_after
from connectors.xero.payloads import dumps

DEFAULT_SCOPES = "offline_access accounting.contacts accounting.settings accounting.transactions"
ACCESS_SECONDS = 1800  # Xero's access tokens live 30 minutes


# --------------------------------------------------------------------------- URLs and settings
def authorize_endpoint(settings: Mapping[str, Any]) -> str:
    return f"{settings['XERO_LOGIN_URL'].rstrip('/')}/identity/connect/authorize"


def token_endpoint(settings: Mapping[str, Any]) -> str:
    return f"{settings['XERO_IDENTITY_URL'].rstrip('/')}/connect/token"


def revocation_endpoint(settings: Mapping[str, Any]) -> str:
    return f"{settings['XERO_IDENTITY_URL'].rstrip('/')}/connect/revocation"


def connections_endpoint(settings: Mapping[str, Any]) -> str:
    return f"{settings['XERO_API_URL'].rstrip('/')}/connections"


def api_base(settings: Mapping[str, Any]) -> str:
    return f"{settings['XERO_API_URL'].rstrip('/')}/api.xro/2.0"


def scopes(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """Configured scopes; offline_access is always asked for, or there is no refresh token."""
    names = str(settings.get("XERO_SCOPES") or DEFAULT_SCOPES).split()
    if "offline_access" not in names:
        names.insert(0, "offline_access")
    return tuple(dict.fromkeys(names))


# --------------------------------------------------------------------------- OAuth 2
def _granted_scope(token: TokenReply) -> dict[str, Any]:
    return {"scope": token["scope"]} if token.get("scope") else {}


def oauth2(settings: Mapping[str, Any]) -> OAuth2Provider:
    return OAuth2Provider(
        package="Xero",
        owner="Xero",
        server="Xero identity server",
        speaker="Xero token",
        client_id=settings["XERO_CLIENT_ID"],
        client_secret=settings["XERO_CLIENT_SECRET"],
        authorize_url=authorize_endpoint(settings),
        token_url=token_endpoint(settings),
        revocation_url=revocation_endpoint(settings),
        scopes=scopes(settings),
        timeout=http.timeout(settings),
        lifetime=ACCESS_SECONDS,
        unavailable=XeroUnavailableError,
        busy_wait=retry_after,
        token_extra=_granted_scope,
    )


# --------------------------------------------------------------------------- the API
class XeroClient(http.JsonApiClient):
    """Authenticated calls for one connection (one tenant)."""

    package = "Xero"
    unavailable = XeroUnavailableError
    dumps = staticmethod(dumps)
    raise_for_status = staticmethod(raise_for_status)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", f"{api_base(self.settings)}{path}", params=params)

    def put(
        self,
        path: str,
        body: Any,
        idempotency_key: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        return self.request(
            "PUT", f"{api_base(self.settings)}{path}", params=params, body=body,
            idempotency_key=idempotency_key,
        )

    def connections(self) -> Any:
        return self.request("GET", connections_endpoint(self.settings), tenant=False, as_list=True)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
        tenant: bool = True,
        as_list: bool = False,
    ) -> Any:
        """One call; raises the typed errors of connectors.xero.errors for anything but 2xx."""
        headers = {"xero-tenant-id": self.credentials.tenant_id} if tenant else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key[:128]
        if params:
            url = f"{url}?{urlencode(params)}"
        expected = list if as_list else dict
        return self.send(method, url, headers, body, expected, expected.__name__)


def check_items(body: Any, key: str, count: int | None = None) -> list[dict[str, Any]]:
    """body[key] as a list of objects, of `count` length when given; BadReplyError otherwise."""
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadReplyError(f"Xero's reply has no {key} list: {message_of(body)}")
    if count is not None and len(items) != count:
        raise BadReplyError(f"Xero returned {len(items)} {key} for {count} sent")
    return items
