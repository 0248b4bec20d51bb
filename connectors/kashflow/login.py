"""Signing in to KashFlow: username and password, then three characters of the memorable word.

1. `POST /sessiontoken {"UserName","Password"}` -> a temporary token and three 1-based
   positions in the memorable word;
2. `PUT /sessiontoken {"TemporaryToken","MemorableWordList":[{"Position","Value"}]}` -> the
   session token;
3. `GET /company` -> the company's name (one login is one company: the tenant).
Unverified throughout: KashFlow marks its REST docs as not final (the wire contract).

A session token dies after an hour without calls (unverified: "60 minutes of inactivity"), so
Credentials say it expires SESSION_SECONDS after the last call we know of; the platform logs in
again ahead of that (app/sync/tokens.py), and once more when KashFlow refuses a token early.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import requests

from connectors import http, wire
from connectors.base import (
    AuthLostError,
    BadReplyError,
    ConnectorError,
    Credentials,
    RateLimitedError,
)
from connectors.kashflow.client import api_base
from connectors.kashflow.errors import KashFlowUnavailableError, error_of, retry_after

# KashFlow's idle hour less five minutes: a margin for clocks and for a call that is still on
# its way when we last counted; the platform renews two minutes before even that.
SESSION_SECONDS = 55 * 60

# What a bookkeeper reads when the stored login no longer works (the connection then asks to
# be reconnected): what KashFlow refused, and what to do.
_RENEW_WORDS = {
    "InvalidCredentials": "KashFlow refused the stored password: reconnect KashFlow with the "
                          "current one.",
    "InvalidMemorableWord": "KashFlow refused the stored memorable word: reconnect KashFlow "
                            "with the current one.",
    "AccountLocked": "the KashFlow account is locked: unlock it in KashFlow (or ask KashFlow "
                     "support), then reconnect KashFlow.",
}
# What the wizard shows (after "KashFlow did not accept that login").
_LOGIN_WORDS = {
    "InvalidCredentials": "the username or password is not right",
    "InvalidMemorableWord": "the memorable word is not right",
    "AccountLocked": "the account is locked; unlock it in KashFlow first",
}


class LoginRefusedError(ConnectorError):
    """KashFlow refused the login itself (password, memorable word, locked account)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(_LOGIN_WORDS.get(code, message or code))
        self.code = code
        self.renew_words = _RENEW_WORDS.get(
            code, "KashFlow refused the stored login: reconnect KashFlow.")


class TemporaryTokenExpiredError(ConnectorError):
    """The sign-in's temporary token died between its two steps (it lives 5 minutes and is
    single-use): no verdict on the login, so the sign-in starts over."""


def _call(settings: Mapping[str, Any], session: requests.Session, method: str, path: str,
          body: Any = None, token: str = "") -> dict[str, Any]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"KfToken {token}"
    data = None
    if body is not None:
        data = wire.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    url = f"{api_base(settings)}/{path}"
    try:
        resp = session.request(method, url, headers=headers, data=data,
                               timeout=http.timeout(settings))
    except requests.RequestException as exc:
        # A login has no side effect worth reconciling: any failure is "try again later".
        raise KashFlowUnavailableError(f"could not reach KashFlow to sign in: {exc}",
                                       http.UNREACHABLE_RETRY_SECONDS, "unreachable") from exc
    parsed = http.json_or_none(resp)
    if resp.status_code == 429:
        raise RateLimitedError(retry_after(resp.headers), "minute")
    if resp.status_code >= 500:
        raise KashFlowUnavailableError(f"KashFlow server error {resp.status_code} at sign-in",
                                       retry_after(resp.headers, 30.0))
    if not 200 <= resp.status_code < 300:
        code, message = error_of(parsed)
        if path == "sessiontoken" and code == "InvalidToken":
            raise TemporaryTokenExpiredError(message)
        if code in _LOGIN_WORDS or (resp.status_code in (401, 403) and path == "sessiontoken"):
            raise LoginRefusedError(code or str(resp.status_code), message)
        raise ConnectorError(f"KashFlow answered {resp.status_code} to {method} {path} at "
                             f"sign-in: {message or resp.text[:300]}")
    if not isinstance(parsed, dict):
        raise BadReplyError(f"KashFlow answered {method} {path} with something other than a "
                            f"JSON object: {resp.text[:300]!r}")
    return parsed


def characters(word: str, positions: Any) -> list[dict[str, Any]]:
    """The memorable word's characters at KashFlow's 1-based positions, as it asks for them."""
    if not isinstance(positions, list) or not positions:
        raise BadReplyError(f"KashFlow asked for no memorable word positions: {positions!r}")
    answer = []
    for item in positions:
        position = item.get("Position") if isinstance(item, dict) else None
        if isinstance(position, bool) or not isinstance(position, int) or position < 1:
            raise BadReplyError(f"KashFlow asked for a memorable word position {item!r}")
        if position > len(word):
            raise LoginRefusedError("InvalidMemorableWord", "")
        answer.append({"Position": position, "Value": word[position - 1]})
    return answer


def sign_in(settings: Mapping[str, Any], username: str, password: str, memorable_word: str,
            session: requests.Session | None = None) -> Credentials:
    """A new session for the login; LoginRefusedError when KashFlow refuses it."""
    session = session or requests.Session()
    try:
        return _sign_in(settings, session, username, password, memorable_word)
    except TemporaryTokenExpiredError:
        return _sign_in(settings, session, username, password, memorable_word)


def _sign_in(settings: Mapping[str, Any], session: requests.Session, username: str,
             password: str, memorable_word: str) -> Credentials:
    first = _call(settings, session, "POST", "sessiontoken",
                  {"UserName": username, "Password": password})
    temporary = first.get("TemporaryToken")
    if not isinstance(temporary, str) or not temporary:
        raise BadReplyError(f"KashFlow's sign-in gave no temporary token: {str(first)[:300]}")
    chosen = characters(memorable_word, first.get("MemorableWordList"))
    second = _call(settings, session, "PUT", "sessiontoken",
                   {"TemporaryToken": temporary, "MemorableWordList": chosen})
    token = second.get("SessionToken")
    if not isinstance(token, str) or not token:
        raise BadReplyError(f"KashFlow's sign-in gave no session token: {str(second)[:300]}")
    company = _call(settings, session, "GET", "company", token=token)
    name = company.get("Name")
    return Credentials(
        access_token=token,
        expires_at=time.time() + SESSION_SECONDS,
        # One KashFlow login is one company's books, so the login names the tenant.
        tenant_id=username,
        tenant_name=name.strip() if isinstance(name, str) and name.strip() else username,
        extra={"username": username, "password": password, "memorable_word": memorable_word},
    )


def log_in(settings: Mapping[str, Any], fields: Mapping[str, str]) -> Credentials:
    """The wizard's form -> credentials; ConnectorError in words when KashFlow refuses."""
    username = str(fields.get("username") or "").strip()
    password = str(fields.get("password") or "")
    word = str(fields.get("memorable_word") or "").strip()
    if not (username and password and word):
        raise ConnectorError("KashFlow needs the username, the password and the memorable word")
    return sign_in(settings, username, password, word)


def renew(settings: Mapping[str, Any], credentials: Credentials) -> Credentials:
    """Log in again with the stored login (a session token cannot be refreshed). A login that
    KashFlow refuses is AuthLostError in words a bookkeeper can act on."""
    extra = credentials.extra
    try:
        fresh = sign_in(settings, str(extra.get("username") or credentials.tenant_id),
                        str(extra.get("password") or ""),
                        str(extra.get("memorable_word") or ""))
    except LoginRefusedError as exc:
        raise AuthLostError(exc.renew_words) from exc
    # The same company as the first sign-in, whatever KashFlow now calls it.
    return fresh.with_tokens(tenant_id=credentials.tenant_id or fresh.tenant_id,
                             tenant_name=fresh.tenant_name or credentials.tenant_name)
