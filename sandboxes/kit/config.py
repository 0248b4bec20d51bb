"""The sandboxes' settings: from the serving Flask app's config when there is one, else from the
environment. The sandboxes read settings by name and import nothing of the app that mounts them."""

from __future__ import annotations

import os

from flask import current_app, has_app_context


def setting(name: str, default: str = "") -> str:
    """A setting as text: the app's config first (tests change it there), then the environment."""
    if has_app_context():
        value = current_app.config.get(name)
        if value not in (None, ""):
            return str(value)
    return os.environ.get(name, "") or default


def int_setting(name: str, default: int) -> int:
    """A whole-number setting; a value that is not one is refused, naming the setting."""
    raw = setting(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number of seconds, not {raw!r}") from exc


def app_redirect_uri() -> str:
    """The only redirect URI the sandboxes accept: the app's own OAuth callback (as a real
    package accepts only the URIs registered for the app)."""
    return f"{setting('BASE_URL').rstrip('/')}/connections/oauth/callback"
