"""The objects Authlib's grants work with, for the kit's OAuth server (sandboxes/kit/oauth.py):
the one client, stored codes and tokens, the consent's answer, what a bearer token opens, and
the request as Authlib reads it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    OAuth2Request,
    TokenMixin,
)

from sandboxes.kit.config import app_redirect_uri
from sandboxes.kit.profile import OAuthProfile

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
CODES, GRANTS, ACCESS, REFRESH = "codes", "grants", "access_tokens", "refresh_tokens"


def token_key(token: str) -> str:
    """What a code or token is stored under: its SHA-256 (they are long random strings, so a
    fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------- what a bearer token opens


@dataclass
class Access:
    """A valid access token's grant: the tenants and scopes one consent gave."""

    grant_id: str
    grant: dict[str, Any]

    @property
    def tenants(self) -> list[str]:
        return list(self.grant["tenants"])

    @property
    def scopes(self) -> set[str]:
        return set(self.grant["scope"].split())


@dataclass(frozen=True)
class Refusal:
    """Why a request's bearer token opens nothing; the package words the answer."""

    reason: Literal["missing", "unknown", "expired", "revoked"]
    expired_at: float | None = None


# ---------------------------------------------------------------- Authlib's models


class AppClient(ClientMixin):
    """The one client a package sandbox knows: the app, with its settings' id and secret."""

    def __init__(self, profile: OAuthProfile) -> None:
        self.profile = profile
        self.client_id = profile.client_id()

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return app_redirect_uri()

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join((scope or "").split())  # the profile checked the scopes already

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == app_redirect_uri()

    def check_client_secret(self, client_secret: str) -> bool:
        expected = self.profile.client_secret()
        return bool(expected) and secrets.compare_digest(client_secret.encode(),
                                                         expected.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class Consent:
    """The person's answer on the consent page: whose they are and the tenants chosen."""

    owner: str
    tenants: list[str]


@dataclass
class GrantRef:
    grant_id: str
    grant: dict[str, Any]


class StoredCode(AuthorizationCodeMixin):
    def __init__(self, key: str, data: dict[str, Any]) -> None:
        self.key, self.data = key, data

    def get_redirect_uri(self) -> str:
        return self.data["redirect_uri"]

    def get_scope(self) -> str:
        return self.data["scope"]


@dataclass
class StoredToken(TokenMixin):
    """A stored access or refresh token with its grant."""

    profile: OAuthProfile
    key: str
    data: dict[str, Any]
    grant: dict[str, Any] | None
    replay: dict[str, Any] | None = field(default=None)  # the reply to repeat (grace period)

    def check_client(self, client: ClientMixin) -> bool:
        return self.grant is not None and self.grant["client_id"] == client.get_client_id()

    def get_scope(self) -> str:
        return self.grant["scope"] if self.grant else ""

    def get_expires_in(self) -> int:
        return max(int(self.data["expires"] - self.profile.now()), 0)

    def is_expired(self) -> bool:
        return self.data["expires"] < self.profile.now()

    def is_revoked(self) -> bool:
        return self.grant is None or bool(self.grant["revoked"])


class _Payload(FlaskOAuth2Payload):
    @property
    def data(self) -> Any:
        # A POST's parameters are its form: the consent form posts back to the URL that showed
        # it, whose query repeats them (Authlib's default reads both, and refuses doubles).
        return self._request.form if self._request.method == "POST" else self._request.args


class OAuthRequest(FlaskOAuth2Request):
    def __init__(self, flask_request: Any) -> None:
        # Authlib refuses plain http except on loopback, which protects real servers; a
        # simulator is served wherever the app is, and a demo on a LAN often is plain http.
        # So the transport check sees https, and the request keeps its real URL.
        uri = flask_request.url
        checked = "https://" + uri.split("://", 1)[1] if uri.startswith("http://") else uri
        OAuth2Request.__init__(self, method=flask_request.method, uri=checked,
                               headers=flask_request.headers)
        self.uri = uri
        self._request = flask_request
        self.payload = _Payload(flask_request)


