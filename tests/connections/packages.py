"""Sign-in shapes the wizard and disconnect must handle but no registered package has yet.

`LoginXero` signs in with a form (username and password, like KashFlow or a session-token
package) and keeps the password, as such packages must, to sign in again. Behind the form it
gets real tokens from the sandbox Xero (the username names the organisation), so everything
after sign-in is the real connector over real HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from app.connections.sandbox_consent import consent_callback
from connectors.base import Credentials
from connectors.capabilities import CredentialsLogin
from connectors.xero import XeroConnector


class LoginXero(CredentialsLogin, XeroConnector):
    key = "xero_login"
    title = "Login Books"
    auth_kind = "credentials"
    credential_fields: ClassVar[tuple[Mapping[str, Any], ...]] = (
        {"name": "username", "label": "Username", "secret": False},
        {"name": "password", "label": "Password", "secret": True},
    )

    @classmethod
    def login(cls, settings: Mapping[str, Any], fields: Mapping[str, str]) -> Credentials:
        redirect = f"{settings['BASE_URL']}/connections/oauth/callback"
        url = cls.authorization_url(settings, redirect, "login-state")
        answer = consent_callback(url, organisation=fields["username"])
        creds = cls.exchange_code(settings, answer["code"], redirect)
        return creds.with_tokens(extra={**creds.extra, "username": fields["username"],
                                        "password": fields["password"]})

    @classmethod
    def renew(cls, settings: Mapping[str, Any], credentials: Credentials) -> Credentials:
        """Log in again with the kept username and password, as a session-token package does
        when its session ends; `renewals` counts them for the tests."""
        redirect = f"{settings['BASE_URL']}/connections/oauth/callback"
        url = cls.authorization_url(settings, redirect, "login-state")
        # The same organisation as the first sign-in (the username names it).
        answer = consent_callback(url, tenant_id=credentials.tenant_id)
        fresh = cls.exchange_code(settings, answer["code"], redirect)
        return fresh.with_tokens(tenant_id=credentials.tenant_id,
                                 tenant_name=credentials.tenant_name,
                                 extra={**fresh.extra,
                                        "username": credentials.extra["username"],
                                        "password": credentials.extra["password"],
                                        "renewals": int(credentials.extra.get("renewals", 0)) + 1})


class NoSignInXero(XeroConnector):
    """Says it signs in with a form but declares no CredentialsLogin: not offered."""

    key = "xero_no_sign_in"
    title = "Formless Books"
    auth_kind = "credentials"
