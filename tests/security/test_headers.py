"""Issue 8, item 4: cookies and security headers. The browser half (no CSP violation on any
page) is tests/security/test_csp_browser.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

from app.config import load_config
from tests.ui import csrf_from

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_page_sends_the_security_headers(client, make_company) -> None:
    made = make_company()
    pages = ["/login", "/forgot-password", "/no-such-page", "/static/css/app.css"]
    for path in pages:
        headers = client.get(path).headers
        csp = headers.get("Content-Security-Policy", "")
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
        assert directives.get("script-src") == "'self'", (path, csp)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (path, csp)
        assert directives.get("frame-ancestors") == "'none'", path
        assert headers.get("X-Frame-Options") == "DENY", path
        assert headers.get("X-Content-Type-Options") == "nosniff", path
        assert headers.get("Referrer-Policy") == "same-origin", path
        # Plain http (the test BASE_URL): no HSTS, no Secure cookies.
        assert "Strict-Transport-Security" not in headers, path
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": made.email, "password": made.password,
                                         "csrf_token": token})
    assert "Content-Security-Policy" in answer.headers  # redirects too
    assert "Content-Security-Policy" in client.get("/").headers


def test_over_https_cookies_are_secure_and_hsts_is_sent(make_company) -> None:
    from app import create_app

    https_app = create_app(load_config(dict(os.environ, BASE_URL="https://ledgerlink.example"))
                           | {"TESTING": True})
    made = make_company()
    client = https_app.test_client()
    page = client.get("/login", base_url="https://ledgerlink.example")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    token = csrf_from(page.get_data(as_text=True))
    # Over https Flask-WTF also checks the Referer, which a browser sends to its own site.
    answer = client.post("/login", base_url="https://ledgerlink.example",
                         headers={"Referer": "https://ledgerlink.example/login"}, data={
        "email": made.email, "password": made.password, "remember": "y", "csrf_token": token})
    assert answer.status_code == 302
    cookies = {h.split("=", 1)[0]: h for h in answer.headers.getlist("Set-Cookie")}
    assert "session" in cookies and "remember_token" in cookies
    for name in ("session", "remember_token"):
        assert "; Secure" in cookies[name], cookies[name]
        assert "SameSite=Lax" in cookies[name], cookies[name]


def test_no_template_has_inline_script_or_event_handlers() -> None:
    """The CSP would refuse them (and the browser test would see it); this names the file."""
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    for path in TEMPLATES.rglob("*.html"):
        if path.parent.name == "emails":
            continue  # mail clients, not browsers on our origin
        text = path.read_text()
        assert not handler.search(text), path
        assert not inline_script.search(text), path
        for style in re.findall(r"<style[^>]*>", text):
            assert "csp_nonce()" in style, path
