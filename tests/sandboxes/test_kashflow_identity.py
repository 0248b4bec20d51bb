"""The KashFlow sandbox's sign-in over real HTTP, driven as the wire contract describes it (no
connector code): password then memorable-word characters, KfToken sessions that end after an
idle spell, the lock after five failures, the admin routes, and the rate limit."""

from __future__ import annotations

import requests

from sandboxes.kashflow import store as kf_store
from tests.sandboxes.kashflow_client import (  # noqa: F401  (fixtures)
    TIMEOUT,
    admin,
    begin,
    call,
    characters,
    co,
    complete,
    kf,
    refusal,
    signed_in,
    signup,
)

INVALID_TOKEN = (401, "InvalidToken")


def test_signup_sign_in_and_company(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    first = begin(user)
    assert first.status_code == 200, first.text
    asked = first.json()
    assert set(asked) == {"TemporaryToken", "MemorableWordList"}
    positions = [a["Position"] for a in asked["MemorableWordList"]]
    assert len(set(positions)) == 3 and all(1 <= p <= len(user["word"]) for p in positions)
    assert all(set(a) == {"Position"} for a in asked["MemorableWordList"])
    # unverified: the characters compare without regard to case.
    answered = [a | {"Value": a["Value"].swapcase()}
                for a in characters(user["word"], asked["MemorableWordList"])]
    second = complete(user, asked["TemporaryToken"], answered)
    assert second.status_code == 200, second.text
    session = user | {"token": second.json()["SessionToken"]}
    found = call(session, "GET", "/company")
    assert found.status_code == 200, found.text
    assert found.json() == {"Name": user["company_name"], "VatRegistered": True}


def test_a_user_name_is_taken_once_and_signup_checks_its_fields(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    again = admin(kf, "/signup", {"UserName": user["username"].upper(), "Password": "x" * 10,
                                  "MemorableWord": "abcdef", "CompanyName": "Other"})
    assert refusal(again) == (409, "UserNameTaken")
    for body in ({"UserName": "", "Password": "x" * 10, "MemorableWord": "abc",
                  "CompanyName": "A"},
                 {"UserName": "someone1", "Password": "x" * 10, "MemorableWord": "ab",
                  "CompanyName": "A"},
                 {"UserName": "someone2", "Password": "short", "MemorableWord": "abcd",
                  "CompanyName": "A"}):
        assert refusal(admin(kf, "/signup", body)) == (400, "ValidationError")


def test_wrong_user_or_password_is_invalid_credentials(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    assert refusal(begin(user, password="not the password")) == (401, "InvalidCredentials")
    ghost = user | {"username": "nobody-at-all"}
    wrong_user = begin(ghost)
    assert refusal(wrong_user) == (401, "InvalidCredentials")
    assert wrong_user.json()["Message"] == "The username or password is incorrect."
    bare = requests.post(f"{kf['base']}/v2/sessiontoken", json={"UserName": "x"},
                         timeout=TIMEOUT)
    assert refusal(bare) == (400, "ValidationError")


def test_wrong_characters_are_refused_and_a_temporary_token_is_single_use(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    asked = begin(user).json()
    right = characters(user["word"], asked["MemorableWordList"])
    wrong = [a | {"Value": "#"} for a in right]
    assert refusal(complete(user, asked["TemporaryToken"], wrong)) == (
        401, "InvalidMemorableWord")
    # Spent by the wrong attempt: the right characters no longer help.
    assert refusal(complete(user, asked["TemporaryToken"], right)) == INVALID_TOKEN
    asked = begin(user).json()
    right = characters(user["word"], asked["MemorableWordList"])
    assert refusal(complete(user, asked["TemporaryToken"], right[:2])) == (
        401, "InvalidMemorableWord")
    asked = begin(user).json()
    right = characters(user["word"], asked["MemorableWordList"])
    assert complete(user, asked["TemporaryToken"], right).status_code == 200
    assert refusal(complete(user, asked["TemporaryToken"], right)) == INVALID_TOKEN
    assert refusal(complete(user, "never-issued", right)) == INVALID_TOKEN


def test_a_temporary_token_lives_five_minutes(kf, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    clock = [kf_store.now()]
    monkeypatch.setattr(kf_store, "now", lambda: clock[0])
    asked = begin(user).json()
    clock[0] += 301
    right = characters(user["word"], asked["MemorableWordList"])
    assert refusal(complete(user, asked["TemporaryToken"], right)) == INVALID_TOKEN
    asked = begin(user).json()
    clock[0] += 299
    right = characters(user["word"], asked["MemorableWordList"])
    assert complete(user, asked["TemporaryToken"], right).status_code == 200


def test_session_tokens_end_after_the_idle_spell(app, kf, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "KASHFLOW_SANDBOX_IDLE_SECONDS", "120")
    session = signed_in(kf, signup(kf))
    clock = [kf_store.now()]
    monkeypatch.setattr(kf_store, "now", lambda: clock[0])
    for _ in range(3):  # each call moves the idle clock on
        clock[0] += 100
        assert call(session, "GET", "/company").status_code == 200
    clock[0] += 121
    answer = call(session, "GET", "/company")
    assert refusal(answer) == INVALID_TOKEN
    assert answer.json()["Message"] == "The session token is invalid or has expired."
    clock[0] -= 121  # gone for good, not only late
    assert refusal(call(session, "GET", "/company")) == INVALID_TOKEN


def test_the_idle_spell_is_an_hour_unless_told(kf, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    session = signed_in(kf, signup(kf))
    clock = [kf_store.now()]
    monkeypatch.setattr(kf_store, "now", lambda: clock[0])
    clock[0] += 3599
    assert call(session, "GET", "/company").status_code == 200
    clock[0] += 3601
    assert refusal(call(session, "GET", "/company")) == INVALID_TOKEN


def test_missing_or_malformed_tokens(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    assert refusal(call(co, "GET", "/customers", headers={"Authorization": ""})) == \
        INVALID_TOKEN
    bearer = {"Authorization": f"Bearer {co['token']}"}
    assert refusal(call(co, "GET", "/customers", headers=bearer)) == INVALID_TOKEN
    assert refusal(call(co | {"token": "nonsense"}, "GET", "/customers")) == INVALID_TOKEN
    assert call(co, "GET", "/customers").status_code == 200


def test_delete_ends_the_calling_token_only(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    one, two = signed_in(kf, user), signed_in(kf, user)
    assert call(one, "DELETE", "/sessiontoken").status_code == 204
    assert refusal(call(one, "GET", "/company")) == INVALID_TOKEN
    assert call(two, "GET", "/company").status_code == 200


def test_five_failures_in_a_row_lock_the_account(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    session = signed_in(kf, user)
    for _ in range(2):
        assert refusal(begin(user, password="wrong password")) == (401, "InvalidCredentials")
    for _ in range(2):
        asked = begin(user).json()
        wrong = [a | {"Value": "#"} for a in characters(user["word"],
                                                        asked["MemorableWordList"])]
        assert refusal(complete(user, asked["TemporaryToken"], wrong)) == (
            401, "InvalidMemorableWord")
    fifth = begin(user, password="wrong password")
    assert refusal(fifth) == (403, "AccountLocked")
    assert fifth.json()["Message"].startswith("This account has been locked")
    assert refusal(begin(user)) == (403, "AccountLocked")  # the right password too
    assert refusal(call(session, "GET", "/company")) == INVALID_TOKEN  # sessions ended
    # The password reset unlocks it (the sandbox's decision).
    assert admin(kf, f"/users/{user['username']}/password",
                 {"Password": "a new password"}).status_code == 200
    assert signed_in(kf, user | {"password": "a new password"})["token"]


def test_a_success_starts_the_count_again(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    for _ in range(4):
        assert refusal(begin(user, password="wrong password")) == (401, "InvalidCredentials")
    signed_in(kf, user)
    for _ in range(4):
        assert refusal(begin(user, password="wrong password")) == (401, "InvalidCredentials")
    assert begin(user).status_code == 200


def test_the_admin_lock_ends_sessions_and_refuses_sign_in(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    session = signed_in(kf, user)
    asked = begin(user).json()
    assert admin(kf, f"/users/{user['username']}/lock").status_code == 200
    assert refusal(call(session, "GET", "/company")) == INVALID_TOKEN
    assert refusal(begin(user)) == (403, "AccountLocked")
    right = characters(user["word"], asked["MemorableWordList"])
    assert refusal(complete(user, asked["TemporaryToken"], right)) == INVALID_TOKEN
    assert refusal(admin(kf, "/users/nobody-here/lock")) == (404, "NotFound")


def test_a_password_change_ends_every_session(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    one, two = signed_in(kf, user), signed_in(kf, user)
    changed = admin(kf, f"/users/{user['username']}/password", {"Password": "brand new one"})
    assert changed.status_code == 200, changed.text
    for session in (one, two):
        assert refusal(call(session, "GET", "/customers")) == INVALID_TOKEN
    assert refusal(begin(user)) == (401, "InvalidCredentials")
    assert signed_in(kf, user | {"password": "brand new one"})["token"]
    assert refusal(admin(kf, f"/users/{user['username']}/password", {"Password": "x"})) == (
        400, "ValidationError")


def test_sixty_calls_a_minute_per_user(app, kf, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", True)
    user = signup(kf)
    session = signed_in(kf, user)
    other = signed_in(kf, signup(kf))
    clock = [kf_store.now() + 61]
    monkeypatch.setattr(kf_store, "now", lambda: clock[0])
    for _ in range(60):
        assert call(session, "GET", "/company").status_code == 200
    clock[0] += 10
    refused = call(session, "GET", "/company")
    assert refusal(refused) == (429, "TooManyRequests")
    assert int(refused.headers["Retry-After"]) == 50
    # Per user: a second session of the same user shares the window; another user does not.
    assert refusal(call(signed_in(kf, user), "GET", "/company")) == (429, "TooManyRequests")
    assert call(other, "GET", "/company").status_code == 200
    clock[0] += 51
    assert call(session, "GET", "/company").status_code == 200


def test_no_limit_with_the_sandboxes_limits_off(app, co, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
    for _ in range(65):
        assert call(co, "GET", "/company").status_code == 200


def test_a_temporary_token_is_spent_once_under_concurrency(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    user = signup(kf)
    asked = begin(user).json()
    right = characters(user["word"], asked["MemorableWordList"])
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: complete(user, asked["TemporaryToken"], right),
                                range(6)))
    assert sorted(a.status_code for a in answers) == [200] + [401] * 5
