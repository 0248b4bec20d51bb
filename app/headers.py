"""Security headers on every response, and the nonce that lets our own <style> blocks through
the Content-Security-Policy.

No inline script and no inline event handlers anywhere: scripts are files under static/ (htmx is
vendored), so an injected <script> or onclick= never runs. htmx's own inline indicator styles
are switched off (meta htmx-config in base.html) and live in app.css instead.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g


def csp_nonce() -> str:
    """This response's nonce, for `<style nonce="{{ csp_nonce() }}">` in templates."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ])


def register_security_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # Reset links and OAuth codes sit in URLs: never tell another site where we were.
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("HTTPS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
