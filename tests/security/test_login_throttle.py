"""Issue 8, item 5: failed sign-ins are throttled per account across addresses and per address
across accounts (Flask-Limiter, counted in the real Redis), and sign-in stays closed while Redis
is unreachable."""

from __future__ import annotations

import os
import socket
import uuid

from app.config import load_config
from tests.ui import sign_in


def _address() -> str:
    """A client address of this test's own, so no other test's failures count against it."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def _try(app, email: str, password: str, address: str):  # type: ignore[no-untyped-def]
    return sign_in(app.test_client(), email, password, environ_base={"REMOTE_ADDR": address})


def test_one_account_is_throttled_across_many_addresses(app, make_company) -> None:
    made = make_company()
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT"]
    addresses = [_address() for _ in range(limit)]
    answers = [_try(app, made.email, "wrong password", addresses[i // 2]).status_code
               for i in range(limit)]  # two tries from each: no single address gets near 5
    assert answers[:-1] == [401] * (limit - 1) and answers[-1] == 429
    # From yet another address, even the right password waits now.
    paused = _try(app, made.email, made.password, _address())
    assert paused.status_code == 429
    assert f"Too many failed sign-ins for {made.email}" in paused.get_data(as_text=True)
    # Other accounts are not affected.
    other = make_company()
    assert _try(app, other.email, other.password, _address()).status_code == 302


def _app_with_address_limit(limit: int, **settings: str):  # type: ignore[no-untyped-def]
    """The suite's app has no practical per-address limit (see conftest); this one has the
    production default."""
    from app import create_app

    env = dict(os.environ, LOGIN_FAILURES_PER_ADDRESS=str(limit), **settings)
    return create_app(load_config(env) | {"TESTING": True})


def test_one_address_is_throttled_across_many_accounts(make_company) -> None:
    from app.auth.throttle import MAX_ADDRESS_FAILURES

    assert load_config({})["LOGIN_FAILURES_PER_ADDRESS"] == MAX_ADDRESS_FAILURES  # the default
    app = _app_with_address_limit(MAX_ADDRESS_FAILURES)
    address = _address()
    limit = app.config["LOGIN_FAILURES_PER_ADDRESS"]
    answers = [_try(app, f"nobody-{uuid.uuid4().hex[:8]}@example.test", "guess",
                    address).status_code for _ in range(limit)]
    assert answers[:-1] == [401] * (limit - 1) and answers[-1] == 429
    made = make_company()
    paused = _try(app, made.email, made.password, address)
    assert paused.status_code == 429
    assert "Too many failed sign-ins from this network" in paused.get_data(as_text=True)
    # The same person from another address signs in.
    assert _try(app, made.email, made.password, _address()).status_code == 302


def test_without_redis_sign_in_is_refused_with_try_again_shortly(make_company) -> None:
    from app import create_app

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    no_redis = create_app(load_config(dict(os.environ, REDIS_URL=dead)) | {"TESTING": True})
    made = make_company()
    client = no_redis.test_client()
    answer = sign_in(client, made.email, made.password)
    assert answer.status_code == 503
    assert "Please try again shortly" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_behind_a_trusted_proxy_the_client_address_is_counted(make_company) -> None:
    """PROXY_HOPS=1: addresses come from X-Forwarded-For, so one client's failures do not
    lock out everyone else behind the same proxy."""
    from app.auth.throttle import MAX_ADDRESS_FAILURES

    proxied = _app_with_address_limit(MAX_ADDRESS_FAILURES, PROXY_HOPS="1")
    made = make_company()
    attacker, colleague = _address(), _address()
    limit = proxied.config["LOGIN_FAILURES_PER_ADDRESS"]
    for _ in range(limit):
        sign_in(proxied.test_client(), f"x-{uuid.uuid4().hex[:6]}@example.test", "guess",
                headers={"X-Forwarded-For": attacker})
    blocked = sign_in(proxied.test_client(), made.email, made.password,
                      headers={"X-Forwarded-For": attacker})
    assert blocked.status_code == 429
    allowed = sign_in(proxied.test_client(), made.email, made.password,
                      headers={"X-Forwarded-For": colleague})
    assert allowed.status_code == 302
