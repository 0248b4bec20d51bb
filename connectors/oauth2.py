"""The authorisation-code flow of a web package (OAuth 2 through Authlib), shared by every one.

A package describes its identity server once (an OAuth2Provider built from settings) and gets
the consent URL, the code exchange, refresh and revocation, with the package's token replies
checked before Authlib trusts them and every failure typed the way the engine acts on it:
a refused grant is AuthLostError (reconnect), an overloaded or unreachable server is the
package's UnavailableError (try later), a garbled reply is BadReplyError.

OAuth2ConnectorMixin turns a connector's `oauth2(settings)` into the class-level OAuth methods
of connectors.base.Connector.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.client import DEFAULT_HEADERS

from connectors.base import AuthLostError, BadReplyError, Credentials, OAuthSettings, PackageError
from connectors.capabilities import OAuth2Auth
from connectors.http import UNREACHABLE_RETRY_SECONDS, UnavailableError, json_or_none

TokenReply = Mapping[str, Any]


def _no_extra(token: TokenReply) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class OAuth2Provider:
    """One package's identity server and the app's registration with it."""

    package: str  # the package a bookkeeper reconnects to: "QuickBooks Online"
    owner: str  # who grants or refuses tokens: "Intuit"
    server: str  # the token server when it is down or unreachable: "Intuit's token endpoint"
    speaker: str  # names the token endpoint and reply in messages: "Intuit's token"
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    revocation_url: str
    scopes: tuple[str, ...]
    timeout: float
    lifetime: float  # seconds an access token lives when the reply does not say
    unavailable: type[UnavailableError]
    # OAuth error codes that mean the grant is gone for good (the bookkeeper must reconnect).
    lost_grant_errors: tuple[str, ...] = ("invalid_grant", "unauthorized_client")
    # Seconds to wait after the token server answered 429 or 5xx, from its headers.
    busy_wait: Callable[[Mapping[str, str]], float] = lambda headers: 60.0
    # What a package keeps from a token reply beyond the tokens (merged into Credentials.extra).
    token_extra: Callable[[TokenReply], dict[str, Any]] = _no_extra
    # How the app proves itself to the token and revocation endpoints: an HTTP Basic header
    # (most packages), or client_id and client_secret in the form (client_secret_post), for a
    # package whose documentation shows only that.
    client_auth: str = "client_secret_basic"
    # Headers the identity server wants on every token and revoke call besides the OAuth ones
    # (a package may refuse a call whose User-Agent does not name the application).
    headers: Mapping[str, str] = field(default_factory=dict)

    # ---- Authlib
    def session(
        self,
        http: requests.Session | None = None,
        redirect_uri: str | None = None,
        with_scope: bool = False,
    ) -> OAuth2Session:
        oauth = OAuth2Session(
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_endpoint_auth_method=self.client_auth,
            revocation_endpoint_auth_method=self.client_auth,
            scope=" ".join(self.scopes) if with_scope else None,
            redirect_uri=redirect_uri,
        )
        for hook in ("access_token_response", "refresh_token_response"):
            oauth.register_compliance_hook(hook, self.check_token_response)
        if http is not None:
            # Authlib's token calls go through `.session`; point them at the caller's session.
            oauth.session = http
        return oauth

    def check_token_response(self, resp: requests.Response) -> requests.Response:
        """Type a token reply's failure before Authlib reads it as a token."""
        if resp.status_code == 429 or resp.status_code >= 500:
            raise self.unavailable(
                f"{self.server} answered {resp.status_code}", self.busy_wait(resp.headers)
            )
        body = json_or_none(resp)
        if not isinstance(body, dict):
            raise BadReplyError(
                f"{self.speaker} endpoint answered {resp.status_code} without JSON"
            )
        if resp.status_code < 300 and not body.get("access_token"):
            raise BadReplyError(f"{self.speaker} endpoint answered without an access token")
        return resp

    def call_headers(self) -> dict[str, str] | None:
        """The headers of a token or revoke call: Authlib's own form headers and ours; None
        (Authlib's defaults alone) when the package wants nothing more."""
        if not self.headers:
            return None
        return {**DEFAULT_HEADERS, **self.headers}

    def unreachable(self, exc: requests.RequestException, server: str = "") -> UnavailableError:
        return self.unavailable(
            f"{server or self.server} unreachable: {exc}", UNREACHABLE_RETRY_SECONDS, "unreachable"
        )

    def _token_call(self, call: Callable[[], TokenReply]) -> TokenReply:
        try:
            return call()
        except OAuthError as exc:
            if exc.error in self.lost_grant_errors:
                raise AuthLostError(
                    f"{self.owner} refused the token ({exc.error}): {exc.description or ''}".strip()
                ) from exc
            raise PackageError(f"{self.owner} token error {exc.error}: {exc.description}") from exc
        except requests.RequestException as exc:
            raise self.unreachable(exc) from exc

    def credentials(self, token: TokenReply, base: Credentials | None = None) -> Credentials:
        """Credentials from a token reply, on top of `base` (the ones being refreshed)."""
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise BadReplyError(f"{self.speaker} reply has no access_token")
        expires_at = token.get("expires_at")
        if not isinstance(expires_at, int | float):
            expires_in = token.get("expires_in")
            lifetime = expires_in if isinstance(expires_in, int | float) else self.lifetime
            expires_at = time.time() + float(lifetime)
        refresh = token.get("refresh_token")
        base = base or Credentials()
        return base.with_tokens(
            access_token=access,
            # Packages rotate refresh tokens (the old one stops working): keep the newest.
            refresh_token=refresh if isinstance(refresh, str) and refresh else base.refresh_token,
            expires_at=float(expires_at),
            extra={**base.extra, **self.token_extra(token)},
        )

    # ---- the flow
    def oauth_settings(self) -> OAuthSettings:
        return OAuthSettings(
            client_id=self.client_id,
            client_secret=self.client_secret,
            authorize_url=self.authorize_url,
            token_url=self.token_url,
            scopes=self.scopes,
        )

    def authorization_url(self, redirect_uri: str, state: str) -> str:
        oauth = self.session(redirect_uri=redirect_uri, with_scope=True)
        url, _ = oauth.create_authorization_url(self.authorize_url, state=state)
        return url

    def exchange_code(
        self, code: str, redirect_uri: str, http: requests.Session | None
    ) -> Credentials:
        oauth = self.session(http, redirect_uri=redirect_uri)
        token = self._token_call(
            lambda: oauth.fetch_token(
                self.token_url,
                grant_type="authorization_code",
                code=code,
                redirect_uri=redirect_uri,
                headers=self.call_headers(),
                timeout=self.timeout,
            )
        )
        return self.credentials(token)

    def refresh(self, credentials: Credentials, http: requests.Session | None) -> Credentials:
        if not credentials.refresh_token:
            raise AuthLostError(f"no refresh token stored: reconnect to {self.package}")
        oauth = self.session(http)
        token = self._token_call(
            lambda: oauth.refresh_token(
                self.token_url, refresh_token=credentials.refresh_token,
                headers=self.call_headers(), timeout=self.timeout,
            )
        )
        return self.credentials(token, credentials)

    def revoke(self, credentials: Credentials, http: requests.Session | None) -> None:
        """Revoke the refresh token (and with it the connection's access), RFC 7009 style."""
        oauth = self.session(http)
        try:
            resp = oauth.revoke_token(
                self.revocation_url,
                token=credentials.refresh_token,
                token_type_hint="refresh_token",  # noqa: S106
                headers=self.call_headers(),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise self.unreachable(exc) from exc
        self.check_revoked(resp)

    def check_revoked(self, resp: requests.Response) -> None:
        if resp.status_code >= 300:
            raise PackageError(f"{self.owner} did not revoke the token ({resp.status_code})")


class OAuth2ConnectorMixin(OAuth2Auth):
    """The class-level OAuth 2 methods of a Connector, from the package's `oauth2(settings)`."""

    @classmethod
    def oauth2(cls, settings: Mapping[str, Any]) -> OAuth2Provider:
        raise NotImplementedError(f"{cls.__name__} names no OAuth 2 provider")

    @classmethod
    def oauth_settings(cls, settings: Mapping[str, Any]) -> OAuthSettings:
        return cls.oauth2(settings).oauth_settings()

    @classmethod
    def authorization_url(cls, settings: Mapping[str, Any], redirect_uri: str, state: str) -> str:
        return cls.oauth2(settings).authorization_url(redirect_uri, state)

    @classmethod
    def exchange_code(
        cls,
        settings: Mapping[str, Any],
        code: str,
        redirect_uri: str,
        session: requests.Session | None = None,
        callback: Mapping[str, str] | None = None,
    ) -> Credentials:
        return cls.oauth2(settings).exchange_code(code, redirect_uri, session)

    @classmethod
    def refresh(
        cls,
        settings: Mapping[str, Any],
        credentials: Credentials,
        session: requests.Session | None = None,
    ) -> Credentials:
        return cls.oauth2(settings).refresh(credentials, session)

    @classmethod
    def revoke(
        cls,
        settings: Mapping[str, Any],
        credentials: Credentials,
        session: requests.Session | None = None,
    ) -> None:
        """Disconnect: revoke the refresh token at the package (OAuth2Auth.revoke)."""
        cls.oauth2(settings).revoke(credentials, session)
