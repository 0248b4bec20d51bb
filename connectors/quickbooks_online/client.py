"""HTTP to QuickBooks Online: OAuth 2 (through Authlib) and the Accounting API v3.

Every request is throttled first (the engine's shared per-connection budget), carries the
timeout from settings and `minorversion`, and is decoded defensively: replies are untrusted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote as urlquote
from urllib.parse import urlencode

import requests

from connectors import http
from connectors.base import BadReplyError, ConnectorError, Credentials
from connectors.oauth2 import OAuth2Provider, TokenReply
from connectors.quickbooks_online.errors import QboUnavailableError, fault_errors, raise_for_status
from connectors.quickbooks_online.payloads import dumps

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
ACCESS_SECONDS = 3600


# --------------------------------------------------------------------------- settings
def scopes(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """Configured scopes; the accounting scope is always asked for (nothing works without it)."""
    names = str(settings.get("QBO_SCOPES") or ACCOUNTING_SCOPE).split()
    if ACCOUNTING_SCOPE not in names:
        names.insert(0, ACCOUNTING_SCOPE)
    return tuple(dict.fromkeys(names))


def company_base(settings: Mapping[str, Any], realm: str) -> str:
    return f"{str(settings['QBO_API_URL']).rstrip('/')}/v3/company/{urlquote(realm, safe='')}"


# --------------------------------------------------------------------------- OAuth 2
def _refresh_expiry(token: TokenReply) -> dict[str, Any]:
    """Intuit says when the refresh token itself expires (about 100 days, renewed on use)."""
    refresh_life = token.get("x_refresh_token_expires_in")
    if isinstance(refresh_life, int | float):
        return {"refresh_expires_at": time.time() + float(refresh_life)}
    return {}


class IntuitOAuth2(OAuth2Provider):
    """Intuit's identity server: RFC 7009 revocation would be refused, it takes JSON."""

    def revoke(self, credentials: Credentials, http_session: requests.Session | None) -> None:
        """Revoke the refresh token (Intuit's endpoint takes JSON {"token": ...}, Basic auth)."""
        session = http_session or requests.Session()
        try:
            resp = session.post(
                self.revocation_url,
                auth=(self.client_id, self.client_secret),
                json={"token": credentials.refresh_token or credentials.access_token},
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise self.unreachable(exc, "Intuit's revoke endpoint") from exc
        self.check_revoked(resp)


def oauth2(settings: Mapping[str, Any]) -> OAuth2Provider:
    return IntuitOAuth2(
        package="QuickBooks Online",
        owner="Intuit",
        server="Intuit's token endpoint",
        speaker="Intuit's token",
        client_id=settings["QBO_CLIENT_ID"],
        client_secret=settings["QBO_CLIENT_SECRET"],
        authorize_url=str(settings["QBO_AUTH_URL"]),
        token_url=str(settings["QBO_TOKEN_URL"]),
        revocation_url=str(settings["QBO_REVOKE_URL"]),
        scopes=scopes(settings),
        timeout=http.timeout(settings),
        lifetime=ACCESS_SECONDS,
        unavailable=QboUnavailableError,
        lost_grant_errors=("invalid_grant", "unauthorized_client", "invalid_client"),
        busy_wait=lambda headers: 60.0,
        token_extra=_refresh_expiry,
    )


# --------------------------------------------------------------------------- the API
class QboClient(http.JsonApiClient):
    """Authenticated calls for one connection (one company, its realmId in tenant_id)."""

    package = "QuickBooks Online"
    unavailable = QboUnavailableError
    dumps = staticmethod(dumps)
    raise_for_status = staticmethod(raise_for_status)

    @property
    def base(self) -> str:
        if not self.credentials.tenant_id:
            raise ConnectorError("no QuickBooks Online company (realmId) on this connection")
        return company_base(self.settings, self.credentials.tenant_id)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", f"{self.base}/{path.lstrip('/')}", params=params)

    def post(
        self, path: str, body: Any, requestid: str | None = None
    ) -> dict[str, Any]:
        params = {"requestid": requestid} if requestid else None
        return self.request("POST", f"{self.base}/{path.lstrip('/')}", params=params, body=body,
                            batch=path.strip("/") == "batch")

    def query(self, text: str) -> dict[str, Any]:
        """QueryResponse of one query (an empty result has no entity key at all)."""
        reply = self.get("query", {"query": text})
        answer = reply.get("QueryResponse")
        if not isinstance(answer, dict):
            raise BadReplyError(f"QuickBooks Online answered a query without QueryResponse: "
                                f"{str(reply)[:200]}")
        return answer

    def select(self, entity: str, where: str = "", tail: str = "") -> list[dict[str, Any]]:
        """Rows of `select * from <entity> [where ...] [tail]`. QBO's query language, not SQL:
        every value in `where` is quoted with payloads.quote by the caller."""
        text = f"select * from {entity}"  # noqa: S608
        if where:
            text += f" where {where}"
        if tail:
            text += f" {tail}"
        return self.query_entities(entity, text)

    def query_entities(self, entity: str, text: str) -> list[dict[str, Any]]:
        rows = self.query(text).get(entity, [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise BadReplyError(f"QuickBooks Online's {entity} query result is not a list")
        return rows

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        batch: bool = False,
    ) -> dict[str, Any]:
        """One call; raises the typed errors of connectors.quickbooks_online.errors. `batch`:
        a batch request, which QBO also counts against its 40 batch calls a minute."""
        query = dict(params or {})
        query["minorversion"] = str(self.settings.get("QBO_MINOR_VERSION") or "75")
        return self.send(method, f"{url}?{urlencode(query)}", {}, body, batch=batch)


def entity_of(reply: Any, entity: str) -> dict[str, Any]:
    """reply[entity] (e.g. {"Item": {...}}) with an Id; BadReplyError otherwise."""
    item = reply.get(entity) if isinstance(reply, dict) else None
    if not isinstance(item, dict) or not item.get("Id"):
        words = "; ".join(e.text for e in fault_errors(reply))
        raise BadReplyError(f"QuickBooks Online's reply has no {entity} with an Id {words}")
    return item
