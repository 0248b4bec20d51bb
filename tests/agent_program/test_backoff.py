"""Back-off: grows exponentially within jitter bounds, is capped, and resets on success."""

from __future__ import annotations

import random

import pytest
from ledgerlink_agent.backoff import Backoff


def test_delays_grow_within_their_jitter_bounds_and_stop_at_the_cap() -> None:
    backoff = Backoff(base=2, factor=2, cap=60, rng=random.Random(7))
    ceilings = [2, 4, 8, 16, 32, 60, 60, 60]
    for ceiling in ceilings:
        delay = backoff.next_delay()
        assert ceiling / 2 <= delay <= ceiling
    assert backoff.failures == len(ceilings)


def test_jitter_spreads_agents_that_failed_at_the_same_moment() -> None:
    delays = {round(Backoff(base=10, cap=300, rng=random.Random(seed)).next_delay(), 6)
              for seed in range(20)}
    assert len(delays) > 15


def test_a_success_resets_it() -> None:
    backoff = Backoff(base=1, cap=1000, rng=random.Random(1))
    for _ in range(6):
        backoff.next_delay()
    assert backoff.ceiling() == 64
    backoff.reset()
    assert backoff.ceiling() == 1 and 0.5 <= backoff.next_delay() <= 1


def test_a_long_outage_does_not_overflow() -> None:
    backoff = Backoff(base=2, cap=300)
    backoff.failures = 10_000
    assert 150 <= backoff.next_delay() <= 300


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(base=0)
    with pytest.raises(ValueError):
        Backoff(base=10, cap=5)
