"""Configuration from the environment; nothing is read at import time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
    sandbox = _bool(env.get("SANDBOX_MODE"), True)
    base_url = env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    xero_sandbox = f"{base_url}/sandbox/xero"
    cfg: dict[str, Any] = {
        "SECRET_KEY": env.get("SECRET_KEY", "dev-only-not-secret"),
        # Fernet key for tokens and credentials at rest; derived from SECRET_KEY when unset.
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
        "XERO_SANDBOX_SPEC": env.get("XERO_SANDBOX_SPEC", ""),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Xero
        "XERO_CLIENT_ID": env.get("XERO_CLIENT_ID", "ledgerlink-sandbox" if sandbox else ""),
        "XERO_CLIENT_SECRET": env.get("XERO_CLIENT_SECRET", "sandbox-secret" if sandbox else ""),
        "XERO_SCOPES": env.get(
            "XERO_SCOPES",
            "offline_access accounting.contacts accounting.settings accounting.transactions",
        ),
        "XERO_LOGIN_URL": env.get(
            "XERO_LOGIN_URL", xero_sandbox if sandbox else "https://login.xero.com"
        ).rstrip("/"),
        "XERO_IDENTITY_URL": env.get(
            "XERO_IDENTITY_URL",
            f"{xero_sandbox}/identity" if sandbox else "https://identity.xero.com",
        ).rstrip("/"),
        "XERO_API_URL": env.get(
            "XERO_API_URL", xero_sandbox if sandbox else "https://api.xero.com"
        ).rstrip("/"),
        "HTTP_TIMEOUT_SECONDS": float(env.get("HTTP_TIMEOUT_SECONDS", "30")),
        # The sandbox enforces Xero's real limits unless told otherwise (tests of other things).
        "SANDBOX_RATE_LIMITS": _bool(env.get("SANDBOX_RATE_LIMITS"), True),
    }
    return cfg
