"""The kit OAuth server's grants, on Authlib's: the authorisation code behind the consent page,
the rotating refresh token (with the package's grace period), and RFC 7009 revocation."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import ClientMixin, InvalidGrantError, InvalidRequestError, grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import request

from sandboxes.kit.oauth_models import (
    ACCESS,
    AUTH_METHODS,
    CODES,
    GRANTS,
    REFRESH,
    Consent,
    GrantRef,
    StoredCode,
    StoredToken,
    token_key,
)
from sandboxes.kit.sealed import seal, unseal
from sandboxes.kit.store import GLOBAL

if TYPE_CHECKING:
    from sandboxes.kit.oauth import OAuthServer


class CodeGrant(grants.AuthorizationCodeGrant):
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

    def query_authorization_code(self, code: str, client: ClientMixin) -> StoredCode | None:
        key = token_key(code)
        data = self.server.store.get_data(GLOBAL, CODES, key)
        if (data is None or data["expires"] < self.server.profile.now()
                or data["client_id"] != client.get_client_id()):
            return None
        return StoredCode(key, data)

    def delete_authorization_code(self, authorization_code: StoredCode) -> None:
        self.server.store.delete(GLOBAL, CODES, authorization_code.key)

    def authenticate_user(self, authorization_code: StoredCode) -> GrantRef:
        """The code's consent becomes a grant (the code is used up in the same commit)."""
        data = authorization_code.data
        grant = self.server.profile.on_grant({
            "client_id": data["client_id"], "scope": data["scope"],
            "tenants": data["tenants"], "owner": data["owner"], "revoked": False,
            "created": self.server.profile.now(),
        })
        grant_id = secrets.token_hex(16)
        self.server.store.put(GLOBAL, GRANTS, grant_id, grant)
        return GrantRef(grant_id, grant)

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


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every refresh hands out a new one
    server: OAuthServer

    def authenticate_refresh_token(self, refresh_token: str) -> StoredToken | None:
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
        stored: StoredToken = self.request.refresh_token
        if stored.replay is not None:
            return 200, stored.replay, self.TOKEN_RESPONSE_HEADER
        return super().create_token_response()

    def authenticate_user(self, refresh_token: StoredToken) -> GrantRef:
        return GrantRef(refresh_token.data["grant_id"], refresh_token.grant or {})

    def revoke_old_credential(self, refresh_token: StoredToken) -> None:
        profile = self.server.profile
        data = refresh_token.data | {"rotated_at": profile.now(), "answer": None}
        issued = getattr(self.request, "issued", None)
        if profile.lifetimes.refresh_grace and issued:
            # Sealed: the store keeps only hashes of the tokens themselves.
            data["answer"] = seal(json.dumps(issued))
        self.server.store.put(GLOBAL, REFRESH, refresh_token.key, data)


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS
    server: OAuthServer

    def authenticate_token(self, req: Any, client: ClientMixin) -> StoredToken | None:
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

    def query_token(self, token_string: str, token_type_hint: str | None) -> StoredToken | None:
        return (self.server.stored(REFRESH, token_string)
                or self.server.stored(ACCESS, token_string))

    def revoke_token(self, token: StoredToken, req: Any) -> None:
        """Revoking either token ends its grant: every token issued from that consent."""
        if token.grant is not None:
            self.server.save_grant(token.data["grant_id"], token.grant | {"revoked": True})

