"""A package's OAuth 2 authorisation server, on Authlib: the authorisation-code grant behind the
kit's consent page, the refresh-token grant (a new refresh token on every refresh, the previous
one answering again for the package's grace period), client_secret_basic and client_secret_post,
and revocation (RFC 7009). One `OAuthServer` per package, parametrised by its `OAuthProfile`.

What is stored (in the package's ObjectStore, tenant GLOBAL): "codes", "grants" (one consent:
its client, scope, tenants and owner), "access_tokens" and "refresh_tokens". Codes and tokens
are stored under their SHA-256 only, so a dump of the store holds none that works.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin
from flask import Blueprint, Response, jsonify, redirect, request

from sandboxes.kit import store as kit_store
from sandboxes.kit.consent import chosen_tenants, consent_owner, render_consent
from sandboxes.kit.oauth_grants import CodeGrant, RefreshGrant, Revocation
from sandboxes.kit.oauth_models import (
    ACCESS,
    GRANTS,
    REFRESH,
    Access,
    AppClient,
    Consent,
    OAuthRequest,
    Refusal,
    StoredToken,
    token_key,
)
from sandboxes.kit.profile import OAuthProfile, request_problem
from sandboxes.kit.redis_conn import get_redis
from sandboxes.kit.store import GLOBAL, ObjectStore

__all__ = ["Access", "OAuthServer", "Refusal", "mount", "token_key"]
LOCK_SECONDS = 30


class OAuthServer(AuthorizationServer):
    """One package's authorisation server; mount its views with `mount`."""

    def __init__(self, profile: OAuthProfile) -> None:
        super().__init__()
        self.profile = profile
        self.store = ObjectStore(profile.package)
        self.register_token_generator("default", self._generate)
        self.register_grant(CodeGrant)
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)

    # ---- Authlib's hooks
    def query_client(self, client_id: str) -> AppClient | None:
        client = AppClient(self.profile)
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

    def create_oauth2_request(self, req: Any) -> OAuthRequest:
        return OAuthRequest(request)

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
    def stored(self, collection: str, token: str) -> StoredToken | None:
        key = token_key(token)
        data = self.store.get_data(GLOBAL, collection, key)
        if data is None:
            return None
        return StoredToken(self.profile, key, data, self.store.get_data(GLOBAL, GRANTS,
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
        if not presented:
            return self._token_response()  # refused before anything is looked up
        # One exchange per code or refresh token at a time, across processes: a code is used
        # once and a refresh token rotates once, however many ask together.
        with get_redis().lock(f"sandbox:{self.profile.package}:token:{token_key(presented)}",
                              timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS):
            return self._token_response()

    def _token_response(self) -> Response:
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
        response = self.create_endpoint_response(Revocation.ENDPOINT_NAME)
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
