"""The FreeAgent sandbox's sign-in, company, User-Agent rule and rate limits over real HTTP,
driven the way FreeAgent's docs show (no connector code). Each test connects a fresh company."""

from __future__ import annotations

import requests

from sandboxes.freeagent import identity
from sandboxes.freeagent import store as fa_store
from tests.sandboxes.freeagent_client import (  # noqa: F401  (fixtures)
    AGENT,
    REDIRECT_URI,
    TIMEOUT,
    call,
    co,
    connect,
    consent,
    fa,
    refusal,
    token,
)

NOT_RECOGNISED = (401, ["Access token not recognised"])


def test_consent_code_exchange_and_company(fa) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    made = connect(fa)
    assert made["token_type"] == "bearer" and made["expires_in"] == 3600
    assert made["refresh_token_expires_in"] == 90 * 24 * 3600 and made["refresh_token"]
    company = made["company"]
    assert company["name"] == made["name"] and company["type"] == "UkLimitedCompany"
    assert company["currency"] == "GBP" and company["url"] == f"{fa['base']}/v2/company"
    assert isinstance(company["id"], int)


def test_codes_are_single_use_and_client_auth_is_basic(fa) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = consent(fa, "Single Use Ltd")["code"][0]
    first = token(fa, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    again = token(fa, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert first.status_code == 200
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}
    wrong = requests.post(f"{fa['base']}/v2/token_endpoint", timeout=TIMEOUT, headers=AGENT,
                          auth=(fa["client_id"], "not-the-secret"),
                          data={"grant_type": "refresh_token",
                                "refresh_token": first.json()["refresh_token"]})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_refresh_gives_a_new_refresh_token_and_the_old_one_dies(fa, co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    renewed = token(fa, grant_type="refresh_token", refresh_token=co["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert fresh["refresh_token"] != co["refresh_token"] and fresh["expires_in"] == 3600
    old = token(fa, grant_type="refresh_token", refresh_token=co["refresh_token"])
    assert old.status_code == 400 and old.json() == {"error": "invalid_grant"}
    newest = co | {"access_token": fresh["access_token"]}
    assert call(newest, "GET", "/company").status_code == 200


def test_access_tokens_live_an_hour(co, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    clock = [fa_store.now()]
    monkeypatch.setattr(fa_store, "now", lambda: clock[0])
    clock[0] += 3599
    assert call(co, "GET", "/company").status_code == 200
    clock[0] += 2
    answer = call(co, "GET", "/company")
    assert refusal(answer) == NOT_RECOGNISED
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert refusal(call(co | {"access_token": "nonsense"}, "GET", "/company")) == NOT_RECOGNISED


def test_withdrawing_the_app_ends_every_token(fa, co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    assert call(co, "GET", "/contacts").status_code == 200
    assert identity.withdraw(co["refresh_token"]) is True
    assert refusal(call(co, "GET", "/contacts")) == NOT_RECOGNISED
    again = token(fa, grant_type="refresh_token", refresh_token=co["refresh_token"])
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}
    assert identity.withdraw("never-issued") is False
    # FreeAgent documents no revoke endpoint, and the sandbox has none.
    other = connect(fa)
    gone = call(other, "POST", "/revoke", data={"token": other["refresh_token"]})
    assert refusal(gone) == (404, ["Resource not found"])
    assert call(other, "GET", "/company").status_code == 200


def test_a_call_without_a_user_agent_is_refused(fa, co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    bare = call(co, "GET", "/company", headers={"User-Agent": ""})
    assert refusal(bare) == (400, ["A User-Agent header is required"])
    refreshed = token(fa, headers={"User-Agent": ""}, grant_type="refresh_token",
                      refresh_token=co["refresh_token"])
    assert refusal(refreshed) == (400, ["A User-Agent header is required"])
    # Nothing was spent: the refresh token still works.
    assert token(fa, grant_type="refresh_token",
                 refresh_token=co["refresh_token"]).status_code == 200


def test_the_rate_limit_test_header_allows_five_a_minute(app, co, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", True)
    clock = [fa_store.now() + 61]  # past the calls connecting made
    monkeypatch.setattr(fa_store, "now", lambda: clock[0])
    testing = {"X-RateLimit-Test": "true"}
    for _ in range(5):
        assert call(co, "GET", "/company", headers=testing).status_code == 200
        clock[0] += 1
    refused = call(co, "GET", "/company", headers=testing)
    assert refusal(refused) == (429, ["You must not exceed 5 requests per 60 seconds"])
    assert int(refused.headers["Retry-After"]) == 55  # the first call leaves the window then
    # Without the header the usual 120 a minute still has room; the refused call counted
    # nowhere, but this one counts for the next test call too.
    assert call(co, "GET", "/company").status_code == 200
    clock[0] += 55
    assert call(co, "GET", "/company", headers=testing).status_code == 429
    clock[0] += 2
    assert call(co, "GET", "/company", headers=testing).status_code == 200


def test_a_hundred_and_twenty_a_minute_and_three_thousand_six_hundred_an_hour(
        app, co, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from sandboxes.freeagent import limits

    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", True)
    monkeypatch.setattr(limits, "MINUTE_LIMIT", 4)
    monkeypatch.setattr(limits, "HOUR_LIMIT", 6)
    monkeypatch.setitem(limits._WORDS, "minute", (4, 60))
    monkeypatch.setitem(limits._WORDS, "hour", (6, 3600))
    start = fa_store.now()
    clock = [start + 61]  # the minute's calls connecting made are gone; the hour's one stays
    monkeypatch.setattr(fa_store, "now", lambda: clock[0])
    for _ in range(4):
        assert call(co, "GET", "/company").status_code == 200
    minute = call(co, "GET", "/company")
    assert refusal(minute) == (429, ["You must not exceed 4 requests per 60 seconds"])
    assert int(minute.headers["Retry-After"]) == 60
    clock[0] += 61
    assert call(co, "GET", "/contacts").status_code == 200  # the hour's sixth
    hour = call(co, "GET", "/company")
    assert refusal(hour) == (429, ["You must not exceed 6 requests per 3600 seconds"])
    # Until connecting's call, a moment before `start`, leaves the hour.
    assert 3600 - 122 - 5 <= int(hour.headers["Retry-After"]) <= 3600 - 122


def test_the_test_header_is_honoured_with_the_sandboxes_limits_off(app, co, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
    clock = [fa_store.now()]
    monkeypatch.setattr(fa_store, "now", lambda: clock[0])
    for _ in range(7):
        assert call(co, "GET", "/company").status_code == 200  # not counted
    testing = {"X-RateLimit-Test": "true"}
    for _ in range(5):
        assert call(co, "GET", "/company", headers=testing).status_code == 200
    assert call(co, "GET", "/company", headers=testing).status_code == 429
    assert call(co, "GET", "/company").status_code == 200
