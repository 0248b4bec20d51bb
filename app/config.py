"""Configuration from the environment; nothing is read at import time."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from connectors import package_settings

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(env: dict[str, str]) -> str:
    url = env.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'ledgerlink.db'}"
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 spelled out.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Every setting the app reads, from environment variables (see README)."""
    env = dict(os.environ if env is None else env)
    # Off unless asked for: the sandboxes are local simulators, never for a real install.
    sandbox = _bool(env.get("SANDBOX_MODE"), False)
    https = base_url_is_https(env.get("BASE_URL", ""))
    base_url = env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    cfg: dict[str, Any] = {
        # No default: production refuses to start without both (app.keys.check_keys); sandbox
        # mode falls back to random keys kept in instance/ (see _sandbox_keys).
        "SECRET_KEY": env.get("SECRET_KEY", ""),
        # Fernet key(s) for tokens and credentials at rest.
        "ENCRYPTION_KEY": env.get("ENCRYPTION_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": _database_url(env),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL", ""),
        "RQ_QUEUE": env.get("RQ_QUEUE", "ledgerlink"),
        "BASE_URL": base_url,
        "SANDBOX_MODE": sandbox,
        "DEMO_DATA": _bool(env.get("DEMO_DATA"), True),
        # Two-hourly pushes for automatic connections; seconds, configurable for tests.
        "SEND_INTERVAL_SECONDS": int(env.get("SEND_INTERVAL_SECONDS", "7200")),
        "LEASE_SECONDS": int(env.get("LEASE_SECONDS", "300")),
        # The run lock a pushing worker holds and beats; a dead worker's lock expires after it.
        # Keep it and LEASE_SECONDS longer than HTTP_TIMEOUT_SECONDS.
        "RUN_LOCK_SECONDS": int(env.get("RUN_LOCK_SECONDS", "60")),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Over https the cookies never travel in clear; HSTS is sent too (app/security.py).
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # "Keep me signed in" lasts a month, and ends at once when the password changes.
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(env.get("REMEMBER_DAYS", "30"))),
        "HTTPS": https,
        # Failed sign-ins allowed in 15 minutes for one email from anywhere, and from one
        # address over any emails (app/auth/throttle.py).
        "LOGIN_FAILURES_PER_ACCOUNT": int(env.get("LOGIN_FAILURES_PER_ACCOUNT") or "10"),
        "LOGIN_FAILURES_PER_ADDRESS": int(env.get("LOGIN_FAILURES_PER_ADDRESS") or "30"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none).
        "PROXY_HOPS": int(env.get("PROXY_HOPS") or "0"),
        "HTTP_TIMEOUT_SECONDS": float(env.get("HTTP_TIMEOUT_SECONDS", "30")),
        # Our own per-connection call budget (under each package's limit). Only a benchmark
        # against the local sandbox has reason to switch it off.
        "CALL_BUDGET_ENABLED": _bool(env.get("CALL_BUDGET_ENABLED"), True),
        # The sandbox enforces Xero's real limits unless told otherwise (tests of other things).
        "SANDBOX_RATE_LIMITS": _bool(env.get("SANDBOX_RATE_LIMITS"), True),
        # Outgoing mail (password resets, invitations, failure digests). With no SMTP_HOST
        # the mail is written to the log instead of sent (development).
        "SMTP_HOST": env.get("SMTP_HOST", ""),
        "SMTP_PORT": int(env.get("SMTP_PORT") or "587"),
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), True),
        "SMTP_TIMEOUT_SECONDS": float(env.get("SMTP_TIMEOUT_SECONDS", "30")),
        "MAIL_FROM": env.get("MAIL_FROM", "Ledgerlink <ledgerlink@localhost>"),
    }
    # Each package declares its own settings (connectors/<key>/settings.py).
    cfg.update(package_settings(env, sandbox, base_url))
    if sandbox and not cfg["SECRET_KEY"]:
        cfg.update(_sandbox_keys(cfg["ENCRYPTION_KEY"]))
    return cfg


def base_url_is_https(base_url: str) -> bool:
    return base_url.strip().lower().startswith("https://")


def _sandbox_keys(encryption_key: str) -> dict[str, str]:
    """Sandbox mode with no SECRET_KEY: the random keys `make run` keeps in instance/."""
    from app.keys import instance_keys

    keys = instance_keys()
    if encryption_key:
        keys["ENCRYPTION_KEY"] = encryption_key
    return keys
