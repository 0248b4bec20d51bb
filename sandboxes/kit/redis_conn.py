"""The sandboxes' own Redis connection (REDIS_URL): rate-window counters and short locks."""

from __future__ import annotations

import redis

from sandboxes.kit.config import setting

_clients: dict[str, redis.Redis] = {}


def get_redis() -> redis.Redis:
    """One client per URL per process (a client holds a pool)."""
    url = setting("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set: the sandboxes keep their rate windows and "
                           "locks in Redis (redis://host:6379/0).")
    client = _clients.get(url)
    if client is None:
        # A bounded connect: a Redis that is down fails the call fast instead of hanging it.
        client = _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=5,
                                                      health_check_interval=30)
    return client
