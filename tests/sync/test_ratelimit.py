"""The shared call budget against a real Redis, with a simulated clock."""

from __future__ import annotations

import uuid

import pytest

from connectors.base import Limits, RateLimitedError


def _budget(app, per_minute: int, per_day: int | None, clock):  # type: ignore[no-untyped-def]
    from app.redis_conn import get_redis
    from app.sync.ratelimit import CallBudget

    limits = Limits(calls_per_minute=per_minute, calls_per_day=per_day, concurrency=1,
                    batch_size={})
    with app.app_context():
        return CallBudget(get_redis(), int(uuid.uuid4().int % 10**9), limits, clock=clock)


def test_rolling_minute_allows_no_burst_across_the_minute_edge(app) -> None:
    now = [1_000_000 * 60 + 50.0]  # ten seconds before a clock minute ends
    budget = _budget(app, per_minute=20, per_day=None, clock=lambda: now[0])  # 19 with headroom
    for _ in range(19):
        budget()
    now[0] += 11  # the clock minute has turned over, but the rolling minute has not
    with pytest.raises(RateLimitedError) as refused:
        budget()
    assert refused.value.problem == "minute"
    assert 48 <= refused.value.after <= 50  # when the first call leaves the window
    now[0] += refused.value.after
    budget()  # the oldest call has left the window


def test_day_budget_counts_across_workers(app) -> None:
    now = [86400 * 20_000 + 100.0]
    first = _budget(app, per_minute=10_000, per_day=21, clock=lambda: now[0])  # 19 a day
    second = type(first)(first.client, first.connection_id, first.limits, clock=lambda: now[0])
    for i in range(19):
        (first if i % 2 else second)()
    with pytest.raises(RateLimitedError) as refused:
        second()
    assert refused.value.problem == "day"
    assert refused.value.after == pytest.approx(86400 - 100, abs=1)
