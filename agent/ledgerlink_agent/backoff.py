"""Exponential back-off with jitter, capped, reset by a success.

Jitter keeps many agents (one per Sage PC) from all hammering the server the moment it comes back.
"""

from __future__ import annotations

import random


class Backoff:
    """`next_delay()` after each failure; `reset()` after a success."""

    def __init__(self, *, base: float = 2.0, factor: float = 2.0, cap: float = 300.0,
                 rng: random.Random | None = None) -> None:
        if base <= 0 or factor < 1 or cap < base:
            raise ValueError("back-off needs base > 0, factor >= 1 and cap >= base")
        self.base = base
        self.factor = factor
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

    def ceiling(self) -> float:
        """The most the next delay can be: base * factor^failures, never above the cap."""
        # Stop growing the exponent once past the cap, so a long outage cannot overflow.
        exponent = min(self.failures, 64)
        return min(self.cap, self.base * self.factor ** exponent)

    def next_delay(self) -> float:
        """Seconds to wait after one more failure: between half the ceiling and the ceiling."""
        ceiling = self.ceiling()
        self.failures += 1
        # "Equal jitter": never less than half the ceiling, so the delay still grows.
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0
