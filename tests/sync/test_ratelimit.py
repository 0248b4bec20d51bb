"""The shared call budget against a real Redis, with a simulated clock; and a real QuickBooks
Online run parked by its batch budget for only as long as the oldest batch call needs."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

from connectors.base import Limits, RateLimitedError

MARGIN = 1.0  # app.sync.ratelimit.MARGIN_SECONDS, checked below


def _budget(app, clock, **limits):  # type: ignore[no-untyped-def]
    from app.redis_conn import get_redis
    from app.sync.ratelimit import CallBudget

    fields = {"calls_per_minute": 10_000, "calls_per_day": None, "concurrency": 100,
              "batch_size": {}, **limits}
    with app.app_context():
        # No waiting in place here: these tests read each window's exact wait.
        return CallBudget(get_redis(), int(uuid.uuid4().int % 10**9), Limits(**fields),
                          clock=clock, inline_wait=0)


def _spend(budget, n: int, batch: bool = False) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        budget(batch=batch)()  # the call is over at once: its concurrency slot is freed


def test_margin_is_what_the_tests_assume() -> None:
    from app.sync.ratelimit import MARGIN_SECONDS

    assert MARGIN_SECONDS == MARGIN


def test_whole_minute_is_used_and_no_burst_crosses_the_minute_edge(app) -> None:
    now = [1_000_000 * 60 + 50.0]  # ten seconds before a clock minute ends
    budget = _budget(app, lambda: now[0], calls_per_minute=20)
    _spend(budget, 20)  # all 20: no calls kept spare
    now[0] += 11  # the clock minute has turned over, but the rolling minute has not
    with pytest.raises(RateLimitedError) as refused:
        budget()
    assert refused.value.problem == "minute"
    assert refused.value.after == pytest.approx(60 + MARGIN - 11, abs=0.01)
    now[0] += refused.value.after
    _spend(budget, 1)  # the oldest call has left the window


def test_full_window_parks_only_until_its_oldest_call_leaves(app) -> None:
    start = 5_000_000.0
    now = [start]
    budget = _budget(app, lambda: now[0], calls_per_minute=20)
    for _ in range(20):  # one call a second
        _spend(budget, 1)
        now[0] += 1
    now[0] = start + 25
    with pytest.raises(RateLimitedError) as refused:
        budget()
    # Not a whole minute: until the call made at `start` leaves the rolling window.
    assert refused.value.after == pytest.approx(60 + MARGIN - 25, abs=0.01)
    now[0] += refused.value.after
    _spend(budget, 1)
    with pytest.raises(RateLimitedError) as again:
        budget()
    assert again.value.after == pytest.approx(1.0, abs=0.01)  # the second call's turn


def test_batch_calls_have_a_budget_of_their_own(app) -> None:
    now = [7_000_000.0]
    budget = _budget(app, lambda: now[0], calls_per_minute=500, batch_calls_per_minute=40)
    _spend(budget, 40, batch=True)
    _spend(budget, 100)  # queries go on while the batch budget is spent
    with pytest.raises(RateLimitedError) as refused:
        budget(batch=True)
    assert refused.value.problem == "batch minute"
    assert refused.value.after == pytest.approx(60 + MARGIN, abs=0.01)
    # A batch also counts as one ordinary call: 140 of the 500 are gone.
    _spend(budget, 360)
    with pytest.raises(RateLimitedError) as ordinary:
        budget()
    assert ordinary.value.problem == "minute"


def test_a_refused_call_spends_nothing_in_the_other_windows(app) -> None:
    now = [9_000_000.0]
    budget = _budget(app, lambda: now[0], calls_per_minute=5, calls_per_hour=7)
    _spend(budget, 5)
    for _ in range(10):  # refused by the minute: must not eat into the hour
        with pytest.raises(RateLimitedError):
            budget()
    now[0] += 61 + MARGIN
    _spend(budget, 2)
    with pytest.raises(RateLimitedError) as refused:
        budget()
    assert refused.value.problem == "hour"
    assert refused.value.after == pytest.approx(3600 + MARGIN - 61 - MARGIN, abs=0.01)


def test_day_budget_is_rolling_and_counts_across_workers(app) -> None:
    now = [86400 * 20_000 + 100.0]
    first = _budget(app, lambda: now[0], calls_per_day=21)
    second = type(first)(first.client, first.connection_id, first.limits, clock=lambda: now[0],
                         inline_wait=0)
    for i in range(21):
        (first if i % 2 else second)()()
        now[0] += 60
    with pytest.raises(RateLimitedError) as refused:
        second()
    assert refused.value.problem == "day"
    # Until the first call of the rolling day leaves it, not the next UTC midnight.
    assert refused.value.after == pytest.approx(86400 + MARGIN - 21 * 60, abs=0.01)


def test_concurrent_calls_are_capped_until_one_is_over(app) -> None:
    now = [11_000_000.0]
    first = _budget(app, lambda: now[0], concurrency=2)
    second = type(first)(first.client, first.connection_id, first.limits, clock=lambda: now[0],
                         inline_wait=0)
    done_a, _done_b = first(), second()
    with pytest.raises(RateLimitedError) as refused:
        first()
    assert refused.value.problem == "calls at once"
    done_a()
    second()  # a slot was freed
    with pytest.raises(RateLimitedError):
        first()


def test_slot_of_a_call_that_never_ended_frees_itself(app) -> None:
    from app.sync.ratelimit import LEASE_SECONDS

    now = [13_000_000.0]
    budget = _budget(app, lambda: now[0], concurrency=1)
    budget()  # its worker was killed: the slot is never freed by the call
    with pytest.raises(RateLimitedError):
        budget()
    now[0] += LEASE_SECONDS + 1
    budget()


def test_qbo_declares_its_batch_budget_apart() -> None:
    from connectors.quickbooks_online import QuickBooksOnlineConnector
    from connectors.xero import XeroConnector

    qbo = {(w.name, w.calls, w.seconds, w.batch_only)
           for w in QuickBooksOnlineConnector.limits.windows()}
    assert qbo == {("minute", 500, 60, False), ("batch minute", 40, 60, True)}
    xero = {(w.name, w.calls, w.seconds) for w in XeroConnector.limits.windows()}
    assert xero == {("minute", 60, 60), ("day", 5000, 86400)}


def test_qbo_run_parks_on_its_batch_budget_only_until_the_oldest_batch_leaves(
    connected_books, worker_process, app
) -> None:
    """Before: every QBO call, queries too, came out of one budget of 38 a minute, so a run
    whose company had made many queries parked at once. Now queries take from the 500, batches
    from the 40, and a full batch window parks the run only until its oldest call leaves it."""
    from app.extensions import db
    from app.models import Run
    from app.redis_conn import get_redis

    books = connected_books(package="quickbooks_online")
    p = f"Q{books.company_id}-"
    books.post_all([
        ("customers", {"source_id": f"{p}C1", "name": f"Quinn Batch {p}",
                       "email": "quinn@example.test"}),
    ])
    free_in = 8.0
    length = int((60 + MARGIN) * 1000)
    with app.app_context():
        redis = get_redis()
        now_ms = int(time.time() * 1000)
        # Other work on the connection in the last minute: 200 queries, 40 batches.
        queries = f"ledgerlink:rl:{books.connection_id}:minute"
        batches = f"ledgerlink:rl:{books.connection_id}:batch_minute"
        redis.zadd(queries, {f"query-{i}": now_ms - 1000 for i in range(200)})
        oldest = now_ms - length + int(free_in * 1000)
        redis.zadd(batches, {f"batch-{i}": oldest + i for i in range(40)})
        redis.pexpire(queries, length)
        redis.pexpire(batches, length)
    frees_at = datetime.fromtimestamp((oldest + length) / 1000, UTC).replace(tzinfo=None)
    worker_process()
    run_id = books.send()["id"]
    deadline = time.monotonic() + 30
    while books.get(f"runs/{run_id}")["status"] not in ("waiting", "finished", "failed"):
        assert time.monotonic() < deadline, books.get(f"runs/{run_id}")
        time.sleep(0.1)
    waiting = books.get(f"runs/{run_id}")
    assert waiting["status"] == "waiting", waiting
    assert "batch minute" in waiting["detail"], waiting
    with app.app_context():
        row = db.session.get(Run, run_id)
        resume_at = row.resume_at
        db.session.remove()
    # Parked until just before the oldest batch leaves; the woken run sleeps the last moment.
    from app.sync.ratelimit import INLINE_WAIT_SECONDS

    early = (frees_at - resume_at).total_seconds()
    assert abs(early - INLINE_WAIT_SECONDS) < 1.5, (resume_at, frees_at)
    run = books.wait_for_run(run_id, timeout=60)
    assert run["status"] == "finished" and run["sent"] == 1, run
    assert Counter(t.state for t in books.transfers()) == {"sent": 1}


def test_a_short_wait_is_slept_in_place_and_a_long_one_parks_for_less(app) -> None:  # type: ignore[no-untyped-def]
    """Parking costs more than a moment (RQ wakes on whole seconds, the run reconciles), so a
    window that frees within INLINE_WAIT_SECONDS is waited for in the worker; a longer wait is
    raised less that much, and the woken run sleeps the rest."""
    from app.redis_conn import get_redis
    from app.sync.ratelimit import INLINE_WAIT_SECONDS, CallBudget

    now = [1_000_000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limits = Limits(calls_per_minute=2, calls_per_day=None, concurrency=100, batch_size={})
    with app.app_context():
        budget = CallBudget(get_redis(), int(uuid.uuid4().int % 10**9), limits,
                            clock=lambda: now[0], sleep=sleep)
    budget()()
    now[0] += 10
    budget()()
    now[0] += 60 + MARGIN - 10 - 1.5  # the first call leaves the window in 1.5 s
    budget()()
    assert slept == [pytest.approx(1.5, abs=0.01)]
    with pytest.raises(RateLimitedError) as refused:
        budget()  # the second call leaves 10 s after the first did: parked, not slept
    assert slept == [pytest.approx(1.5, abs=0.01)]
    assert refused.value.after == pytest.approx(10 - INLINE_WAIT_SECONDS, abs=0.01)
