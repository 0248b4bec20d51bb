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
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from urllib3.exceptions import NewConnectionError

from connectors.base import (
    AuthLostError,
    BadReplyError,
    ConnectorError,
    Credentials,
    PackageError,
    Throttle,
)
from connectors.quickbooks_online.errors import (
    MaybeSentError,
    QboUnavailableError,
    fault_errors,
    raise_for_status,
)
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


def timeout(settings: Mapping[str, Any]) -> float:
    try:
        return float(settings.get("HTTP_TIMEOUT_SECONDS") or 30)
    except (TypeError, ValueError):
        return 30.0


def company_base(settings: Mapping[str, Any], realm: str) -> str:
    return f"{str(settings['QBO_API_URL']).rstrip('/')}/v3/company/{urlquote(realm, safe='')}"


# --------------------------------------------------------------------------- network errors
def _never_sent(exc: BaseException) -> bool:
    """True when the connection failed before any byte of the request left (refused, DNS)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, NewConnectionError) or isinstance(
            getattr(seen, "reason", None), NewConnectionError
        ):
            return True
        nxt = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = nxt or seen.__cause__ or seen.__context__
    return False


def network_error(exc: requests.RequestException) -> ConnectorError:
    if _never_sent(exc):
        return QboUnavailableError(f"could not connect to QuickBooks Online: {exc}", 30.0,
                                   "unreachable")
    return MaybeSentError(
        f"no answer from QuickBooks Online after sending ({type(exc).__name__}): {exc}"
    )


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


# --------------------------------------------------------------------------- OAuth 2
def oauth_session(
    settings: Mapping[str, Any],
    session: requests.Session | None = None,
    redirect_uri: str | None = None,
    with_scope: bool = False,
) -> OAuth2Session:
    oauth = OAuth2Session(
        client_id=settings["QBO_CLIENT_ID"],
        client_secret=settings["QBO_CLIENT_SECRET"],
        # Intuit wants the client credentials in an HTTP Basic header.
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106
        scope=" ".join(scopes(settings)) if with_scope else None,
        redirect_uri=redirect_uri,
    )
    for hook in ("access_token_response", "refresh_token_response"):
        oauth.register_compliance_hook(hook, _check_token_response)
    if session is not None:
        oauth.session = session  # Authlib's token calls go through `.session`
    return oauth


def _check_token_response(resp: requests.Response) -> requests.Response:
    if resp.status_code == 429 or resp.status_code >= 500:
        raise QboUnavailableError(f"Intuit's token endpoint answered {resp.status_code}", 60.0)
    body = _json_or_none(resp)
    if not isinstance(body, dict):
        raise BadReplyError(f"Intuit's token endpoint answered {resp.status_code} without JSON")
    if resp.status_code < 300 and not body.get("access_token"):
        raise BadReplyError("Intuit's token endpoint answered without an access token")
    return resp


def _token_call(call: Any) -> Mapping[str, Any]:
    try:
        return call()
    except OAuthError as exc:
        if exc.error in ("invalid_grant", "unauthorized_client", "invalid_client"):
            raise AuthLostError(
                f"Intuit refused the token ({exc.error}): {exc.description or ''}".strip()
            ) from exc
        raise PackageError(f"Intuit token error {exc.error}: {exc.description}") from exc
    except requests.RequestException as exc:
        raise QboUnavailableError(f"Intuit's token endpoint unreachable: {exc}", 30.0,
                                  "unreachable") from exc


def credentials_from(token: Mapping[str, Any], base: Credentials | None = None) -> Credentials:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise BadReplyError("Intuit's token reply has no access_token")
    expires_at = token.get("expires_at")
    if not isinstance(expires_at, int | float):
        expires_in = token.get("expires_in")
        lifetime = expires_in if isinstance(expires_in, int | float) else ACCESS_SECONDS
        expires_at = time.time() + float(lifetime)
    refresh = token.get("refresh_token")
    base = base or Credentials()
    extra = dict(base.extra)
    refresh_life = token.get("x_refresh_token_expires_in")
    if isinstance(refresh_life, int | float):
        extra["refresh_expires_at"] = time.time() + float(refresh_life)
    return base.with_tokens(
        access_token=access,
        # Intuit "may" issue a new refresh token on any refresh: always keep the newest.
        refresh_token=refresh if isinstance(refresh, str) and refresh else base.refresh_token,
        expires_at=float(expires_at),
        extra=extra,
    )


def authorization_url(settings: Mapping[str, Any], redirect_uri: str, state: str) -> str:
    oauth = oauth_session(settings, redirect_uri=redirect_uri, with_scope=True)
    url, _ = oauth.create_authorization_url(str(settings["QBO_AUTH_URL"]), state=state)
    return url


def exchange_code(
    settings: Mapping[str, Any],
    code: str,
    redirect_uri: str,
    realm: str,
    session: requests.Session | None,
) -> Credentials:
    oauth = oauth_session(settings, session, redirect_uri=redirect_uri)
    token = _token_call(
        lambda: oauth.fetch_token(
            str(settings["QBO_TOKEN_URL"]),
            grant_type="authorization_code",
            code=code,
            redirect_uri=redirect_uri,
            timeout=timeout(settings),
        )
    )
    return credentials_from(token).with_tokens(tenant_id=realm)


def refresh(
    settings: Mapping[str, Any], credentials: Credentials, session: requests.Session | None
) -> Credentials:
    if not credentials.refresh_token:
        raise AuthLostError("no refresh token stored: reconnect to QuickBooks Online")
    oauth = oauth_session(settings, session)
    token = _token_call(
        lambda: oauth.refresh_token(
            str(settings["QBO_TOKEN_URL"]),
            refresh_token=credentials.refresh_token,
            timeout=timeout(settings),
        )
    )
    return credentials_from(token, credentials)


def revoke(
    settings: Mapping[str, Any], credentials: Credentials, session: requests.Session | None
) -> None:
    """Revoke the refresh token (Intuit's endpoint takes JSON {"token": ...}, Basic auth)."""
    http = session or requests.Session()
    try:
        resp = http.post(
            str(settings["QBO_REVOKE_URL"]),
            auth=(settings["QBO_CLIENT_ID"], settings["QBO_CLIENT_SECRET"]),
            json={"token": credentials.refresh_token or credentials.access_token},
            headers={"Accept": "application/json"},
            timeout=timeout(settings),
        )
    except requests.RequestException as exc:
        raise QboUnavailableError(f"Intuit's revoke endpoint unreachable: {exc}", 30.0,
                                  "unreachable") from exc
    if resp.status_code >= 300:
        raise PackageError(f"Intuit did not revoke the token ({resp.status_code})")


# --------------------------------------------------------------------------- the API
class QboClient:
    """Authenticated calls for one connection (one company, its realmId in tenant_id)."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        credentials: Credentials,
        throttle: Throttle,
        session: requests.Session,
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self.throttle = throttle
        self.session = session
        self.calls = 0  # requests actually sent, for the tests and benchmarks

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
        return self.request("POST", f"{self.base}/{path.lstrip('/')}", params=params, body=body)

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
    ) -> dict[str, Any]:
        """One call; raises the typed errors of connectors.quickbooks_online.errors."""
        headers = {
            "Authorization": f"Bearer {self.credentials.access_token}",
            "Accept": "application/json",
        }
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = dumps(body).encode()
        query = dict(params or {})
        query["minorversion"] = str(self.settings.get("QBO_MINOR_VERSION") or "75")
        url = f"{url}?{urlencode(query)}"
        self.throttle()  # may raise RateLimitedError: nothing sent yet
        self.calls += 1
        try:
            resp = self.session.request(
                method, url, headers=headers, data=data, timeout=timeout(self.settings)
            )
        except requests.RequestException as exc:
            raise network_error(exc) from exc
        parsed = _json_or_none(resp)
        raise_for_status(resp.status_code, resp.headers, parsed, resp.text)
        if not isinstance(parsed, dict):
            raise BadReplyError(
                f"QuickBooks Online answered {resp.status_code} to {method} "
                f"{url.split('?')[0]} with something other than a JSON object: "
                f"{resp.text[:200]!r}"
            )
        return parsed


def entity_of(reply: Any, entity: str) -> dict[str, Any]:
    """reply[entity] (e.g. {"Item": {...}}) with an Id; BadReplyError otherwise."""
    item = reply.get(entity) if isinstance(reply, dict) else None
    if not isinstance(item, dict) or not item.get("Id"):
        words = "; ".join(e.text for e in fault_errors(reply))
        raise BadReplyError(f"QuickBooks Online's reply has no {entity} with an Id {words}")
    return item
