"""The Sage Accounting sandbox's sign-in, business checks and rate limits over real HTTP, driven
the way Sage's docs show (no connector code). Each test connects a fresh business."""

from __future__ import annotations

import requests

from sandboxes.sage_accounting import limits as sage_limits
from sandboxes.sage_accounting import store as sage_store
from tests.sandboxes.sage_accounting_client import (  # noqa: F401  (fixtures)
    REDIRECT_URI,
    TIMEOUT,
    biz,
    call,
    connect,
    consent,
    refusal,
    sage,
    token,
)

AUTH_FAILED = (401, "AuthenticationFailed", "The access token is invalid or has expired", "")


def test_consent_code_exchange_and_businesses(sage) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    made = connect(sage)
    assert made["token_type"] == "bearer" and made["expires_in"] == 300
    assert made["refresh_token_expires_in"] == 31 * 24 * 3600
    assert made["scope"] == "full_access" and made["refresh_token"]
    listed = requests.get(f"{sage['base']}/v3.1/businesses", timeout=TIMEOUT,
                          headers={"Authorization": f"Bearer {made['access_token']}"}).json()
    assert [(b["id"], b["name"]) for b in listed] == [(made["business"], made["name"])]
    assert len(made["business"]) == 32 and listed[0]["displayed_as"] == made["name"]


def test_codes_are_single_use_and_scope_is_full_access(sage) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = consent(sage, "Single Use Ltd")["code"][0]
    first = token(sage, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    again = token(sage, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert first.status_code == 200
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}
    wrong_scope = requests.get(f"{sage['base']}/oauth2/auth/central", timeout=TIMEOUT, params={
        "filter": "apiv3.1", "response_type": "code", "client_id": sage["client_id"],
        "redirect_uri": REDIRECT_URI, "scope": "readonly"})
    assert wrong_scope.status_code == 400 and "full_access" in wrong_scope.text


def test_refresh_rotates_and_the_old_refresh_token_dies_at_once(sage, biz) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    renewed = token(sage, grant_type="refresh_token", refresh_token=biz["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert fresh["refresh_token"] != biz["refresh_token"] and fresh["expires_in"] == 300
    old = token(sage, grant_type="refresh_token", refresh_token=biz["refresh_token"])
    assert old.status_code == 400 and old.json() == {"error": "invalid_grant"}
    # client_secret_post is taken as well as Basic.
    posted = requests.post(f"{sage['base']}/token", timeout=TIMEOUT, data={
        "grant_type": "refresh_token", "refresh_token": fresh["refresh_token"],
        "client_id": sage["client_id"], "client_secret": sage["secret"]})
    assert posted.status_code == 200, posted.text
    newest = biz | {"access_token": posted.json()["access_token"]}
    assert call(newest, "GET", "/tax_rates").status_code == 200


def test_revoke_ends_the_grant(sage, biz) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    assert call(biz, "GET", "/contacts").status_code == 200
    revoked = requests.post(f"{sage['base']}/revoke", data={"token": biz["refresh_token"]},
                            auth=(sage["client_id"], sage["secret"]), timeout=TIMEOUT)
    assert revoked.status_code == 200
    assert refusal(call(biz, "GET", "/contacts")) == AUTH_FAILED
    again = token(sage, grant_type="refresh_token", refresh_token=biz["refresh_token"])
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}


def test_access_tokens_die_after_five_minutes(biz, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    clock = [sage_store.now()]
    monkeypatch.setattr(sage_store, "now", lambda: clock[0])
    clock[0] += 299
    assert call(biz, "GET", "/tax_rates").status_code == 200
    clock[0] += 2
    answer = call(biz, "GET", "/tax_rates")
    assert refusal(answer) == AUTH_FAILED
    assert "invalid_token" in answer.headers["WWW-Authenticate"]
    assert refusal(call(biz | {"access_token": "nonsense"}, "GET", "/tax_rates")) == AUTH_FAILED
    assert refusal(call(biz, "GET", "/tax_rates", headers={"Authorization": ""})) == AUTH_FAILED


def test_x_business_must_be_one_the_grant_covers(sage, biz) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    other = connect(sage)
    forbidden = (403, "Forbidden", "You do not have access to this business", "")
    assert refusal(call(biz, "GET", "/contacts", headers={"X-Business": ""})) == forbidden
    assert refusal(call(biz, "GET", "/contacts",
                        headers={"X-Business": other["business"]})) == forbidden
    assert refusal(call(biz, "POST", "/contacts", {"contact": {
        "name": "X", "contact_type_ids": ["CUSTOMER"]}},
        headers={"X-Business": other["business"]})) == forbidden
    assert call(other, "GET", "/contacts").json()["$total"] == 0
    assert refusal(call(biz, "GET", "/no_such_things")) == (
        404, "RecordNotFound", "Resource not found", "")
    assert refusal(call(biz, "GET", "/contacts/0123456789abcdef0123456789abcdef"))[:3] == (
        404, "RecordNotFound", "Resource not found")


def test_200_calls_in_60_seconds_then_429_until_the_oldest_leaves(biz, app, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", True)
    clock = [sage_store.now()]
    monkeypatch.setattr(sage_store, "now", lambda: clock[0])
    session = requests.Session()
    headers = {"Authorization": f"Bearer {biz['access_token']}", "X-Business": biz["business"]}
    for i in range(200):
        if i == 100:
            clock[0] += 20  # the second hundred come 20 seconds after the first
        answer = session.get(f"{biz['sage']['base']}/v3.1/tax_rates", headers=headers,
                             timeout=TIMEOUT)
        assert answer.status_code == 200, (i, answer.text)
    clock[0] += 10
    refused = session.get(f"{biz['sage']['base']}/v3.1/tax_rates", headers=headers,
                          timeout=TIMEOUT)
    assert refusal(refused) == (429, "TooManyRequests",
                                "Rate limit exceeded. Retry after 30 seconds", "")
    assert refused.headers["Retry-After"] == "30"
    clock[0] += 30.5  # the first hundred have left the window
    assert session.get(f"{biz['sage']['base']}/v3.1/tax_rates", headers=headers,
                       timeout=TIMEOUT).status_code == 200


def test_ten_calls_at_once_per_business(ctx) -> None:  # type: ignore[no-untyped-def]
    business = sage_store.new_id()
    held = [sage_limits.Throttle(business).acquire() for _ in range(10)]
    assert all(h.refused is None for h in held)
    eleventh = sage_limits.Throttle(business).acquire()
    assert eleventh.refused is not None and eleventh.refused[1] == 429
    assert eleventh.refused[0].headers["Retry-After"] == "1"
    held[0].release()
    held[0] = sage_limits.Throttle(business).acquire()
    assert held[0].refused is None
    for h in held:
        h.release()
    after = sage_limits.Throttle(business).acquire()
    assert after.refused is None
    after.release()
