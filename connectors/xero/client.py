"""HTTP to Xero: OAuth 2 (through Authlib) and the Accounting API.

Every request is throttled first (the engine's shared per-connection budget), carries the
timeout from settings, and is decoded defensively: Xero's replies are untrusted input.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
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
from connectors.xero.errors import (
    MaybeSentError,
    XeroUnavailableError,
    message_of,
    raise_for_status,
    retry_after,
)
from connectors.xero.payloads import dumps

DEFAULT_SCOPES = "offline_access accounting.contacts accounting.settings accounting.transactions"


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


def timeout(settings: Mapping[str, Any]) -> float:
    try:
        return float(settings.get("HTTP_TIMEOUT_SECONDS") or 30)
    except (TypeError, ValueError):
        return 30.0


# --------------------------------------------------------------------------- network errors
def _never_sent(exc: BaseException) -> bool:
    """True when the connection failed before any byte of the request left (refused, DNS)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, NewConnectionError):
            return True
        reason = getattr(seen, "reason", None)
        if isinstance(reason, NewConnectionError):
            return True
        nxt = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = nxt or seen.__cause__ or seen.__context__
    return False


def network_error(exc: requests.RequestException) -> ConnectorError:
    if _never_sent(exc):
        return XeroUnavailableError(f"could not connect to Xero: {exc}", 30.0, "unreachable")
    return MaybeSentError(f"no answer from Xero after sending ({type(exc).__name__}): {exc}")


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
    token: Mapping[str, Any] | None = None,
) -> OAuth2Session:
    oauth = OAuth2Session(
        client_id=settings["XERO_CLIENT_ID"],
        client_secret=settings["XERO_CLIENT_SECRET"],
        # Xero wants the client credentials in an HTTP Basic header.
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106
        revocation_endpoint_auth_method="client_secret_basic",  # noqa: S106
        scope=" ".join(scopes(settings)) if with_scope else None,
        redirect_uri=redirect_uri,
        token=dict(token) if token else None,
    )
    for hook in ("access_token_response", "refresh_token_response"):
        oauth.register_compliance_hook(hook, _check_token_response)
    if session is not None:
        # Authlib's token calls go through `.session`; point them at the caller's session.
        oauth.session = session
    return oauth


def _check_token_response(resp: requests.Response) -> requests.Response:
    if resp.status_code == 429 or resp.status_code >= 500:
        raise XeroUnavailableError(
            f"Xero identity server answered {resp.status_code}", retry_after(resp.headers)
        )
    body = _json_or_none(resp)
    if not isinstance(body, dict):
        raise BadReplyError(f"Xero token endpoint answered {resp.status_code} without JSON")
    if resp.status_code < 300 and not body.get("access_token"):
        raise BadReplyError("Xero token endpoint answered without an access token")
    return resp


def _token_call(call: Any) -> Mapping[str, Any]:
    try:
        return call()
    except OAuthError as exc:
        if exc.error in ("invalid_grant", "unauthorized_client"):
            raise AuthLostError(f"Xero refused the token ({exc.error}): {exc.description}") from exc
        raise PackageError(f"Xero token error {exc.error}: {exc.description}") from exc
    except requests.RequestException as exc:
        raise XeroUnavailableError(
            f"Xero identity server unreachable: {exc}", 30.0, "unreachable"
        ) from exc


def _credentials(token: Mapping[str, Any], base: Credentials | None = None) -> Credentials:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise BadReplyError("Xero token reply has no access_token")
    expires_at = token.get("expires_at")
    if not isinstance(expires_at, int | float):
        expires_in = token.get("expires_in")
        lifetime = expires_in if isinstance(expires_in, int | float) else 1800
        expires_at = time.time() + float(lifetime)
    refresh = token.get("refresh_token")
    base = base or Credentials()
    extra = dict(base.extra)
    if token.get("scope"):
        extra["scope"] = token["scope"]
    return base.with_tokens(
        access_token=access,
        # Xero rotates refresh tokens: the new one must replace the old, which stops working.
        refresh_token=refresh if isinstance(refresh, str) and refresh else base.refresh_token,
        expires_at=float(expires_at),
        extra=extra,
    )


def authorization_url(settings: Mapping[str, Any], redirect_uri: str, state: str) -> str:
    oauth = oauth_session(settings, redirect_uri=redirect_uri, with_scope=True)
    url, _ = oauth.create_authorization_url(authorize_endpoint(settings), state=state)
    return url


def exchange_code(
    settings: Mapping[str, Any], code: str, redirect_uri: str, session: requests.Session | None
) -> Credentials:
    oauth = oauth_session(settings, session, redirect_uri=redirect_uri)
    token = _token_call(
        lambda: oauth.fetch_token(
            token_endpoint(settings),
            grant_type="authorization_code",
            code=code,
            redirect_uri=redirect_uri,
            timeout=timeout(settings),
        )
    )
    return _credentials(token)


def refresh(
    settings: Mapping[str, Any], credentials: Credentials, session: requests.Session | None
) -> Credentials:
    if not credentials.refresh_token:
        raise AuthLostError("no refresh token stored: reconnect to Xero")
    oauth = oauth_session(settings, session)
    token = _token_call(
        lambda: oauth.refresh_token(
            token_endpoint(settings),
            refresh_token=credentials.refresh_token,
            timeout=timeout(settings),
        )
    )
    return _credentials(token, credentials)


def revoke(
    settings: Mapping[str, Any], credentials: Credentials, session: requests.Session | None
) -> None:
    """Revoke the refresh token (and with it the connection's access)."""
    oauth = oauth_session(settings, session)
    try:
        resp = oauth.revoke_token(
            revocation_endpoint(settings),
            token=credentials.refresh_token,
            token_type_hint="refresh_token",  # noqa: S106
            timeout=timeout(settings),
        )
    except requests.RequestException as exc:
        raise XeroUnavailableError(
            f"Xero identity server unreachable: {exc}", 30.0, "unreachable"
        ) from exc
    if resp.status_code >= 300:
        raise PackageError(f"Xero did not revoke the token ({resp.status_code})")


# --------------------------------------------------------------------------- the API
class XeroClient:
    """Authenticated calls for one connection (one tenant)."""

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
        self.calls = 0  # requests actually sent, for the benchmarks

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
        headers = {
            "Authorization": f"Bearer {self.credentials.access_token}",
            "Accept": "application/json",
        }
        if tenant:
            headers["xero-tenant-id"] = self.credentials.tenant_id
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = dumps(body).encode()
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key[:128]
        if params:
            url = f"{url}?{urlencode(params)}"
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
        expected = list if as_list else dict
        if not isinstance(parsed, expected):
            raise BadReplyError(
                f"Xero answered {resp.status_code} to {method} {url.split('?')[0]} "
                f"with something other than a JSON {expected.__name__}: {resp.text[:200]!r}"
            )
        return parsed


def check_items(body: Any, key: str, count: int | None = None) -> list[dict[str, Any]]:
    """body[key] as a list of objects, of `count` length when given; BadReplyError otherwise."""
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadReplyError(f"Xero's reply has no {key} list: {message_of(body)}")
    if count is not None and len(items) != count:
        raise BadReplyError(f"Xero returned {len(items)} {key} for {count} sent")
    return items
