"""connectors.oauth2 and connectors.http against an identity server that misbehaves on purpose:
a real local HTTP server answering what the package sandboxes never do (5xx, 429, garbage)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from connectors.base import AuthLostError, BadReplyError, Credentials, PackageError
from connectors.http import MaybeSentError, UnavailableError, network_error, retry_after
from connectors.oauth2 import OAuth2Provider
from connectors.quickbooks_online import client as qbo
from connectors.quickbooks_online.errors import QboUnavailableError
from connectors.xero import client as xero
from connectors.xero.errors import XeroUnavailableError

# path -> (status, headers, body); set by each test before it calls the server.
ANSWERS: dict[str, tuple[int, dict[str, str], str]] = {}
# path -> the headers and form body of the last request the server took there.
RECEIVED: dict[str, tuple[dict[str, str], str]] = {}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        form = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        RECEIVED[self.path] = (dict(self.headers.items()), form)
        status, headers, body = ANSWERS[self.path]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _settings(base: str) -> dict[str, Any]:
    return {
        "XERO_CLIENT_ID": "id", "XERO_CLIENT_SECRET": "secret", "XERO_LOGIN_URL": base,
        "XERO_IDENTITY_URL": base, "XERO_API_URL": base, "HTTP_TIMEOUT_SECONDS": "5",
        "QBO_CLIENT_ID": "id", "QBO_CLIENT_SECRET": "secret", "QBO_AUTH_URL": f"{base}/auth",
        "QBO_TOKEN_URL": f"{base}/connect/token", "QBO_REVOKE_URL": f"{base}/revoke",
        "QBO_API_URL": base,
    }


def _providers(base: str) -> list[OAuth2Provider]:
    return [xero.oauth2(_settings(base)), qbo.oauth2(_settings(base))]


OLD = Credentials(access_token="old", refresh_token="r1", expires_at=0.0)


def test_busy_token_server_is_the_packages_unavailable_error(server: str) -> None:
    ANSWERS["/connect/token"] = (503, {"Retry-After": "7"}, "down")
    with pytest.raises(XeroUnavailableError) as caught:
        xero.oauth2(_settings(server)).refresh(OLD, None)
    assert caught.value.after == 7.0  # Xero's Retry-After is honoured
    assert "Xero identity server answered 503" in str(caught.value)
    with pytest.raises(QboUnavailableError) as caught_qbo:
        qbo.oauth2(_settings(server)).refresh(OLD, None)
    assert caught_qbo.value.after == 60.0  # Intuit: always a minute


def test_garbled_or_tokenless_replies_are_bad_replies(server: str) -> None:
    for body in ("<html>oops</html>", json.dumps({"token_type": "Bearer"})):
        ANSWERS["/connect/token"] = (200, {"Content-Type": "application/json"}, body)
        for provider in _providers(server):
            with pytest.raises(BadReplyError):
                provider.exchange_code("code", "http://localhost/cb", None)


def test_refused_grants_are_auth_lost_other_refusals_are_not(server: str) -> None:
    refuse = {"Content-Type": "application/json"}
    ANSWERS["/connect/token"] = (400, refuse, json.dumps({"error": "invalid_client"}))
    with pytest.raises(AuthLostError, match="Intuit refused the token"):
        qbo.oauth2(_settings(server)).refresh(OLD, None)
    with pytest.raises(PackageError) as caught:  # Xero: a bad client is our fault, not a lost grant
        xero.oauth2(_settings(server)).refresh(OLD, None)
    assert not isinstance(caught.value, AuthLostError)
    ANSWERS["/connect/token"] = (400, refuse, json.dumps({"error": "invalid_grant"}))
    for provider in _providers(server):
        with pytest.raises(AuthLostError):
            provider.refresh(OLD, None)
    for provider in _providers(server):
        with pytest.raises(AuthLostError, match=f"reconnect to {provider.package}"):
            provider.refresh(Credentials(access_token="a"), None)


def test_token_replies_keep_each_packages_extras(server: str) -> None:
    reply = {"access_token": "new", "token_type": "Bearer", "scope": "accounting.contacts",
             "x_refresh_token_expires_in": 8_640_000}
    ANSWERS["/connect/token"] = (200, {"Content-Type": "application/json"}, json.dumps(reply))
    x = xero.oauth2(_settings(server)).refresh(OLD, None)
    q = qbo.oauth2(_settings(server)).refresh(OLD, None)
    assert x.access_token == q.access_token == "new"
    assert x.refresh_token == q.refresh_token == "r1"  # no new one issued: the old one stays
    assert x.extra == {"scope": "accounting.contacts"}
    assert set(q.extra) == {"refresh_expires_at"}
    # No expires_in: each package's own default lifetime.
    assert 1790 < q.expires_at - x.expires_at < 1810  # Intuit 3600 s, Xero 1800 s


def test_revocation_refused_and_unreachable(server: str) -> None:
    ANSWERS["/connect/revocation"] = (400, {}, "")
    ANSWERS["/revoke"] = (400, {}, "")
    with pytest.raises(PackageError, match="Xero did not revoke"):
        xero.oauth2(_settings(server)).revoke(OLD, None)
    with pytest.raises(PackageError, match="Intuit did not revoke"):
        qbo.oauth2(_settings(server)).revoke(OLD, None)
    closed = "http://127.0.0.1:9"  # discard port: nothing listens
    for provider in _providers(closed):
        with pytest.raises(UnavailableError) as caught:
            provider.revoke(OLD, None)
        assert caught.value.problem == "unreachable"


def test_client_credentials_go_in_a_basic_header_or_in_the_form(server: str) -> None:
    reply = {"access_token": "new", "token_type": "Bearer", "expires_in": 60}
    ANSWERS["/connect/token"] = (200, {"Content-Type": "application/json"}, json.dumps(reply))
    ANSWERS["/connect/revocation"] = (200, {}, "")
    basic = xero.oauth2(_settings(server))
    assert basic.client_auth == "client_secret_basic"
    for provider, in_header in ((basic, True), (replace(basic, client_auth="client_secret_post"),
                                                False)):
        provider.refresh(OLD, None)
        provider.revoke(OLD, None)
        for path in ("/connect/token", "/connect/revocation"):
            headers, form = RECEIVED[path]
            header = headers.get("Authorization") or ""
            fields = parse_qs(form)
            assert header.startswith("Basic ") is in_header, (path, header)
            in_form = fields.get("client_id") == ["id"] and fields.get("client_secret") == [
                "secret"]
            assert in_form is not in_header, (path, form)


def test_a_providers_own_headers_go_on_every_token_and_revoke_call(server: str) -> None:
    settings = _settings(server)
    plain = xero.oauth2(settings)
    provider = OAuth2Provider(**{**plain.__dict__, "headers": {"User-Agent": "Acme app (+me)"}})
    ANSWERS["/connect/token"] = (200, {"Content-Type": "application/json"},
                                 json.dumps({"access_token": "a", "token_type": "Bearer"}))
    ANSWERS["/connect/revocation"] = (200, {}, "")
    for path, call, form_has in (
        ("/connect/token", lambda: provider.exchange_code("c2", "http://localhost/cb", None),
         "grant_type=authorization_code"),
        ("/connect/token", lambda: provider.refresh(OLD, requests.Session()),
         "grant_type=refresh_token"),
        ("/connect/revocation", lambda: provider.revoke(OLD, None), "token=r1"),
    ):
        call()
        headers, form = RECEIVED[path]
        assert headers["User-Agent"] == "Acme app (+me)", (path, headers)
        assert headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        assert headers["Authorization"].startswith("Basic "), headers  # still client_secret_basic
        assert form_has in form, form
    plain.refresh(OLD, None)  # a provider naming no headers sends Authlib's own
    assert "Acme" not in RECEIVED["/connect/token"][0].get("User-Agent", "")


def test_network_errors_split_on_whether_anything_left() -> None:
    try:
        requests.get("http://127.0.0.1:9/", timeout=5)
    except requests.RequestException as exc:
        refused = network_error(exc, "Xero", XeroUnavailableError)
    assert isinstance(refused, XeroUnavailableError) and refused.problem == "unreachable"
    assert isinstance(network_error(requests.ReadTimeout("slow"), "Xero", XeroUnavailableError),
                      MaybeSentError)
    assert retry_after({"Retry-After": "12"}, 60.0, 86400) == 12.0
    assert retry_after({"Retry-After": "soon"}, 60.0, 86400) == 60.0
    assert retry_after({"Retry-After": "90000"}, 60.0, 86400) == 60.0
