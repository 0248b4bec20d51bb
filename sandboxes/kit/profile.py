"""What a package declares about its OAuth 2 server: client settings, lifetimes, scopes, the
shape of its token replies and callbacks, its consent page and how a grant reaches tenants.
sandboxes/kit/oauth.py serves any profile with Authlib's authorization server."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandboxes.kit.config import app_redirect_uri, int_setting, setting
from sandboxes.kit.consent import ConsentBrand, TenantChoice


@dataclass(frozen=True)
class Lifetimes:
    """Seconds each credential lives."""

    access: int
    refresh: int  # a refresh token unused this long dies; each refresh issues a new one
    code: int = 5 * 60  # authorisation codes, single use
    # After a refresh the previous refresh token still answers, with the same reply, this long
    # (Xero: 30 minutes, for a client that lost the reply); 0: it dies at once.
    refresh_grace: int = 0


def _token() -> str:
    return secrets.token_urlsafe(32)


def _always(_scope: str) -> bool:
    return True


def _nothing(*_args: Any) -> dict[str, Any]:
    return {}


def _same(grant: dict[str, Any]) -> dict[str, Any]:
    return grant


@dataclass(frozen=True)
class OAuthProfile:
    package: str  # the key its objects are stored under: "xero"
    brand: ConsentBrand
    tenants: TenantChoice
    client_settings: tuple[str, str]  # the settings holding its id and secret: "XERO_CLIENT_ID"
    lifetimes: Lifetimes
    # The package's clock (late-bound, so tests that move the package's clock move this too).
    clock: Callable[[], float]
    # Why these requested scopes cannot be granted, in the package's words, or None.
    scope_problem: Callable[[Sequence[str]], str | None]
    # The consent page's words for an unknown client_id.
    unknown_client: str = "invalid_client: the client_id is not known."
    client_defaults: tuple[str, str] = ("", "")  # id and secret when the settings are empty
    access_seconds_setting: str = ""  # a setting that shortens access tokens (tests)
    state_required: bool = False
    # ---- replies
    bearer_word: str = "Bearer"  # the reply's token_type, spelled as the package does
    reply_scope: bool = False  # the token reply names the scope granted
    issues_refresh: Callable[[str], bool] = _always  # by the granted scope (offline_access)
    # Fields added to every token reply, given the lifetimes: x_refresh_token_expires_in.
    reply_extra: Callable[[Lifetimes], dict[str, Any]] = _nothing
    new_code: Callable[[], str] = _token
    new_access_token: Callable[[], str] = _token
    new_refresh_token: Callable[[], str] = _token
    invalid_client_status: int = 400  # Intuit answers a bad client 401
    revocation_json: bool = False  # Intuit's revoke takes {"token": ...} as JSON
    # ---- callbacks and grants
    callback_scope: bool = False  # the callback repeats the scope granted (Xero)
    # Parameters added to the callback for the tenants chosen: {"realmId": ...}.
    callback_extra: Callable[[list[str]], Mapping[str, str]] = _nothing
    # The stored grant, with the package's own fields added (Xero's connection ids).
    on_grant: Callable[[dict[str, Any]], dict[str, Any]] = _same

    def client_id(self) -> str:
        return setting(self.client_settings[0], self.client_defaults[0])

    def client_secret(self) -> str:
        return setting(self.client_settings[1], self.client_defaults[1])

    def access_seconds(self) -> int:
        if not self.access_seconds_setting:
            return self.lifetimes.access
        return int_setting(self.access_seconds_setting, self.lifetimes.access)

    def now(self) -> float:
        return self.clock()


def request_problem(profile: OAuthProfile, args: Mapping[str, str]) -> str | None:
    """Why this authorisation request cannot be shown, in words for the developer."""
    if args.get("client_id", "") != profile.client_id():
        return profile.unknown_client
    if args.get("response_type", "") != "code":
        return "unsupported_response_type: response_type must be 'code'."
    redirect_uri = args.get("redirect_uri", "")
    if redirect_uri != app_redirect_uri():
        return ("invalid_request: redirect_uri is not registered for this app "
                f"(the registered one is {app_redirect_uri()}).")
    problem = profile.scope_problem(args.get("scope", "").split())
    if problem:
        return problem
    if profile.state_required and not args.get("state"):
        return "invalid_request: state is required."
    return None
