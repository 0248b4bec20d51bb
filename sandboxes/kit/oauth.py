"""A package's OAuth 2 authorisation server, on Authlib: the authorisation-code grant behind the
kit's consent page, the refresh-token grant (a new refresh token on every refresh, the previous
one answering again for the package's grace period), client_secret_basic and client_secret_post,
and revocation (RFC 7009). One `OAuthServer` per package, parametrised by its `OAuthProfile`.

What is stored (in the package's ObjectStore, tenant GLOBAL): "codes", "grants" (one consent:
its client, scope, tenants and owner), "access_tokens" and "refresh_tokens". Codes and tokens
are stored under their SHA-256 only, so a dump of the store holds none that works.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import Blueprint, Response, jsonify, redirect, request

from sandboxes.kit import store as kit_store
from sandboxes.kit.config import app_redirect_uri
from sandboxes.kit.consent import chosen_tenants, consent_owner, render_consent
from sandboxes.kit.profile import OAuthProfile, request_problem
from sandboxes.kit.redis_conn import get_redis
from sandboxes.kit.sealed import seal, unseal
from sandboxes.kit.store import GLOBAL, ObjectStore

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
CODES, GRANTS, ACCESS, REFRESH = "codes", "grants", "access_tokens", "refresh_tokens"
LOCK_SECONDS = 30


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


class _Client(ClientMixin):
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
class _GrantRef:
    grant_id: str
    grant: dict[str, Any]


class _Code(AuthorizationCodeMixin):
    def __init__(self, key: str, data: dict[str, Any]) -> None:
        self.key, self.data = key, data

    def get_redirect_uri(self) -> str:
        return self.data["redirect_uri"]

    def get_scope(self) -> str:
        return self.data["scope"]


@dataclass
class _Stored(TokenMixin):
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


class _Request(FlaskOAuth2Request):
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


# ---------------------------------------------------------------- grants


class _CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    server: OAuthServer

    def generate_authorization_code(self) -> str:
        return self.server.profile.new_code()

    def save_authorization_code(self, code: str, req: Any) -> None:
        consent: Consent = req.user
        profile = self.server.profile
        self.server.store.put(GLOBAL, CODES, token_key(code), {
            "client_id": req.client.get_client_id(), "redirect_uri": req.payload.redirect_uri,
            "scope": req.scope, "tenants": consent.tenants, "owner": consent.owner,
            "expires": profile.now() + profile.lifetimes.code,
        })

    def query_authorization_code(self, code: str, client: ClientMixin) -> _Code | None:
        key = token_key(code)
        data = self.server.store.get_data(GLOBAL, CODES, key)
        if (data is None or data["expires"] < self.server.profile.now()
                or data["client_id"] != client.get_client_id()):
            return None
        return _Code(key, data)

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        self.server.store.delete(GLOBAL, CODES, authorization_code.key)

    def authenticate_user(self, authorization_code: _Code) -> _GrantRef:
        """The code's consent becomes a grant (the code is used up in the same commit)."""
        data = authorization_code.data
        grant = self.server.profile.on_grant({
            "client_id": data["client_id"], "scope": data["scope"],
            "tenants": data["tenants"], "owner": data["owner"], "revoked": False,
            "created": self.server.profile.now(),
        })
        grant_id = secrets.token_hex(16)
        self.server.store.put(GLOBAL, GRANTS, grant_id, grant)
        return _GrantRef(grant_id, grant)

    def create_authorization_response(self, redirect_uri: str,
                                      grant_user: Consent) -> tuple[int, str, list]:
        """The callback with the code, and what the package adds (Xero: the scope; QBO: the
        realmId chosen)."""
        self.request.user = grant_user
        code = self.generate_authorization_code()
        self.save_authorization_code(code, self.request)
        profile = self.server.profile
        params = [("code", code)]
        if profile.callback_scope:
            params.append(("scope", self.request.payload.scope or ""))
        if self.request.payload.state:
            params.append(("state", self.request.payload.state))
        params += list(profile.callback_extra(grant_user.tenants).items())
        return 302, "", [("Location", add_params_to_uri(redirect_uri, params))]


class _RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every refresh hands out a new one
    server: OAuthServer

    def authenticate_refresh_token(self, refresh_token: str) -> _Stored | None:
        found = self.server.stored(REFRESH, refresh_token)
        if found is None or found.is_revoked():
            return None
        profile = self.server.profile
        rotated_at = found.data.get("rotated_at")
        if rotated_at is not None:
            # Used already: within the grace period it answers with the reply it produced.
            sealed = found.data.get("answer")
            if not sealed or profile.now() - rotated_at > profile.lifetimes.refresh_grace:
                return None
            reply = unseal(sealed)
            if reply is None:
                return None
            found.replay = json.loads(reply)
            return found
        return None if found.is_expired() else found

    def create_token_response(self) -> tuple[int, Any, list]:
        stored: _Stored = self.request.refresh_token
        if stored.replay is not None:
            return 200, stored.replay, self.TOKEN_RESPONSE_HEADER
        return super().create_token_response()

    def authenticate_user(self, refresh_token: _Stored) -> _GrantRef:
        return _GrantRef(refresh_token.data["grant_id"], refresh_token.grant or {})

    def revoke_old_credential(self, refresh_token: _Stored) -> None:
        profile = self.server.profile
        data = refresh_token.data | {"rotated_at": profile.now(), "answer": None}
        issued = getattr(self.request, "issued", None)
        if profile.lifetimes.refresh_grace and issued:
            # Sealed: the store keeps only hashes of the tokens themselves.
            data["answer"] = seal(json.dumps(issued))
        self.server.store.put(GLOBAL, REFRESH, refresh_token.key, data)


class _Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS
    server: OAuthServer

    def authenticate_token(self, req: Any, client: ClientMixin) -> _Stored | None:
        presented = req.form.get("token", "")
        if not presented and self.server.profile.revocation_json:
            body = request.get_json(silent=True)
            presented = str(body.get("token", "")) if isinstance(body, dict) else ""
        if not presented:
            raise InvalidRequestError("token is required")
        token = self.query_token(presented, req.form.get("token_type_hint"))
        if token is not None and not token.check_client(client):
            raise InvalidGrantError()
        return token

    def query_token(self, token_string: str, token_type_hint: str | None) -> _Stored | None:
        return (self.server.stored(REFRESH, token_string)
                or self.server.stored(ACCESS, token_string))

    def revoke_token(self, token: _Stored, req: Any) -> None:
        """Revoking either token ends its grant: every token issued from that consent."""
        if token.grant is not None:
            self.server.save_grant(token.data["grant_id"], token.grant | {"revoked": True})


# ---------------------------------------------------------------- the server


class OAuthServer(AuthorizationServer):
    """One package's authorisation server; mount its views with `mount`."""

    def __init__(self, profile: OAuthProfile) -> None:
        super().__init__()
        self.profile = profile
        self.store = ObjectStore(profile.package)
        self.register_token_generator("default", self._generate)
        self.register_grant(_CodeGrant)
        self.register_grant(_RefreshGrant)
        self.register_endpoint(_Revocation)

    # ---- Authlib's hooks
    def query_client(self, client_id: str) -> _Client | None:
        client = _Client(self.profile)
        return client if client.client_id and client_id == client.client_id else None

    def _generate(self, grant_type: str, client: ClientMixin, user: Any = None,
                  scope: str | None = None, expires_in: int | None = None,
                  include_refresh_token: bool = True) -> dict[str, Any]:
        profile = self.profile
        token: dict[str, Any] = {"access_token": profile.new_access_token(),
                                 "expires_in": profile.access_seconds(),
                                 "token_type": profile.bearer_word}
        if profile.reply_scope:
            token["scope"] = scope or ""
        if include_refresh_token and profile.issues_refresh(scope or ""):
            token["refresh_token"] = profile.new_refresh_token()
        return token | profile.reply_extra(profile.lifetimes)

    def save_token(self, token: dict[str, Any], req: Any) -> None:
        moment = self.profile.now()
        grant_id = req.user.grant_id
        self.store.put(GLOBAL, ACCESS, token_key(token["access_token"]), {
            "grant_id": grant_id, "expires": moment + token["expires_in"]})
        if token.get("refresh_token"):
            self.store.put(GLOBAL, REFRESH, token_key(token["refresh_token"]), {
                "grant_id": grant_id, "expires": moment + self.profile.lifetimes.refresh,
                "rotated_at": None, "answer": None})
        req.issued = token

    def create_oauth2_request(self, req: Any) -> _Request:
        return _Request(request)

    def handle_response(self, status_code: int, payload: Any, headers: Any) -> Response:
        response = jsonify(payload) if isinstance(payload, dict) else Response(payload)
        response.status_code = status_code
        for name, value in headers:
            response.headers[name] = value
        return response

    def handle_error_response(self, req: Any, error: OAuth2Error) -> Response:
        """The packages answer {"error": "invalid_grant"}, nothing more."""
        status = error.status_code
        if error.error == "invalid_client":
            status = self.profile.invalid_client_status
        response = jsonify({"error": error.error})
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        return response

    # ---- what the views and the package's API use
    def stored(self, collection: str, token: str) -> _Stored | None:
        key = token_key(token)
        data = self.store.get_data(GLOBAL, collection, key)
        if data is None:
            return None
        return _Stored(self.profile, key, data, self.store.get_data(GLOBAL, GRANTS,
                                                                    data["grant_id"]))

    def grant(self, grant_id: str) -> dict[str, Any] | None:
        return self.store.get_data(GLOBAL, GRANTS, grant_id)

    def save_grant(self, grant_id: str, grant: dict[str, Any]) -> None:
        """Store a changed grant (not committed): e.g. Xero's DELETE /connections/{id}."""
        self.store.put(GLOBAL, GRANTS, grant_id, grant)

    def bearer(self) -> Access | Refusal:
        """What this request's `Authorization: Bearer` token opens, or why it opens nothing."""
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return Refusal("missing")
        found = self.stored(ACCESS, header[7:].strip())
        if found is None:
            return Refusal("unknown")
        if found.is_expired():
            return Refusal("expired", found.data["expires"])
        if found.is_revoked() or found.grant is None:
            return Refusal("revoked")
        return Access(found.data["grant_id"], found.grant)

    # ---- the views
    def authorize_view(self) -> Response | str | tuple[str, int]:
        """GET shows the consent page; POST (the page's form) answers it."""
        profile, brand = self.profile, self.profile.brand
        source = request.form if request.method == "POST" else request.args
        problem = request_problem(profile, source)
        if problem is None:
            try:
                grant = self.get_consent_grant()
            except OAuth2Error as exc:
                problem = f"{exc.error}: {exc.description or 'the request was refused'}"
        if problem:
            return render_consent(brand, error=problem), 400
        owner = consent_owner()
        offered = profile.tenants.offered(owner)
        if request.method == "GET":
            heading = offered[0][1] if offered and profile.tenants.heading_names_first else ""
            return render_consent(brand, tenants=offered, heading=heading, params=request.args)
        if source.get("decision") != "allow":
            return _denied(source["redirect_uri"], source.get("state", ""))
        chosen = chosen_tenants(profile.tenants, brand, owner, offered)
        if isinstance(chosen, str):
            kit_store.rollback()
            return render_consent(brand, error=chosen), 400
        response = self.create_authorization_response(grant_user=Consent(owner, chosen),
                                                      grant=grant)
        if response.status_code < 400:
            kit_store.commit()
        else:
            kit_store.rollback()
        return response

    def token_view(self) -> Response:
        presented = request.form.get("code") or request.form.get("refresh_token") or ""
        # One exchange per code or refresh token at a time, across processes: a code is used
        # once and a refresh token rotates once, however many ask together.
        lock = get_redis().lock(f"sandbox:{self.profile.package}:token:{token_key(presented)}",
                                timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)
        with lock:
            try:
                response = self.create_token_response()
            except Exception:
                kit_store.rollback()
                raise
            if response.status_code < 400:
                kit_store.commit()
            else:
                kit_store.rollback()
        return response

    def revocation_view(self) -> Response:
        response = self.create_endpoint_response(_Revocation.ENDPOINT_NAME)
        if response.status_code >= 400:
            kit_store.rollback()
            return response
        kit_store.commit()
        return Response(status=200)  # the packages answer an empty 200


def _denied(redirect_uri: str, state: str) -> Response:
    query = {"error": "access_denied"} | ({"state": state} if state else {})
    sep = "&" if "?" in redirect_uri else "?"
    return redirect(f"{redirect_uri}{sep}{urlencode(query)}")


def mount(bp: Blueprint, server: OAuthServer, authorize: str, token: str,
          revocation: str, /) -> None:
    """Serve the server's endpoints at the package's own paths below the blueprint: the
    authorisation (consent) page, the token endpoint and the revocation endpoint."""
    bp.add_url_rule(authorize, endpoint="oauth_authorize", view_func=server.authorize_view,
                    methods=["GET", "POST"])
    bp.add_url_rule(token, endpoint="oauth_token", view_func=server.token_view,
                    methods=["POST"])
    bp.add_url_rule(revocation, endpoint="oauth_revocation", view_func=server.revocation_view,
                    methods=["POST"])
