"""Replaying recorded call times through rate limits on a simulated clock.

The push is measured with limits off; this answers "how long would the same push have taken
with the limits on" by keeping the measured work between calls and delaying a call only when a
limit says it may not start yet.

Two sets of limits can apply, and they act differently:
- The package's (as its sandbox enforces them): rolling windows, e.g. Xero's 60 calls in any
  60 s and 5,000 in any day, QuickBooks Online's 500 calls and 40 batch calls in any 60 s. A call
  over one is answered 429 with Retry-After.
- Our engine's own budget (app/sync/ratelimit.py): the same windows as the connector declares
  them, each held MARGIN seconds longer. A call over one is not sent; the run is parked until
  the oldest call leaves that window, less the short wait it sleeps in place (RQ wakes it on
  the next whole second, plus one), plus the resume cost. Being under the package's windows,
  it never meets a 429.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DAY = 86400.0


@dataclass(frozen=True)
class Rule:
    """At most `calls` started in any rolling `seconds` (batch calls only if `batch_only`)."""

    calls: int
    seconds: float
    batch_only: bool = False


@dataclass
class Simulated:
    seconds: float
    parked: int = 0  # times our budget parked the run
    refused: int = 0  # 429s the package would have answered


def _wait(rules: Sequence[Rule], history: list[list[float]], batch: bool, moment: float) -> float:
    """Seconds until a call may start under `rules` (0 if it may start now)."""
    wait = 0.0
    for rule, sent in zip(rules, history, strict=True):
        if (batch or not rule.batch_only) and len(sent) >= rule.calls:
            wait = max(wait, sent[-rule.calls] + rule.seconds - moment)
    return wait


def _record(rules: Sequence[Rule], history: list[list[float]], batch: bool,
            moment: float) -> None:
    for rule, sent in zip(rules, history, strict=True):
        if batch or not rule.batch_only:
            sent.append(moment)


def simulate(
    starts: Sequence[float],
    end: float,
    package: Sequence[Rule],
    budget: Sequence[Rule] | None = None,
    batches: Sequence[bool] | None = None,
    resume_cost: float = 0.0,
    inline_wait: float = 0.0,
) -> Simulated:
    """`starts`: call start offsets (s) from the run's start; `end`: the run's measured
    duration; `package`: the package's windows; `budget`: our engine's windows, or None for an
    ideal client that waits exactly as long as the package needs; `batches`: which calls are
    batch requests (none if not given). `resume_cost`: seconds lost each time the run is parked
    or refused (the worker picking it up again, reconciling). `inline_wait`: a budget wait up to
    this long is slept in the worker, and a longer one parks for that much less
    (app/sync/ratelimit.py INLINE_WAIT_SECONDS)."""
    if not starts:
        return Simulated(end)
    flags = list(batches) if batches is not None else [False] * len(starts)
    theirs: list[list[float]] = [[] for _ in package]
    ours: list[list[float]] = [[] for _ in budget or ()]
    result = Simulated(0.0)
    moment = previous = 0.0
    for real, batch in zip(starts, flags, strict=True):
        moment += real - previous
        previous = real
        while True:
            if budget is not None:
                wait = _wait(budget, ours, batch, moment)
                if 0 < wait <= inline_wait:
                    moment += wait  # app/sync/ratelimit.py: slept in the worker
                    continue
                if wait > 0:
                    # Parked for the wait less inline_wait; app/sync/engine.py _pause: RQ
                    # schedules in whole seconds, plus one.
                    moment += math.ceil(wait - inline_wait) + 1 + resume_cost
                    result.parked += 1
                    continue
            wait = _wait(package, theirs, batch, moment)
            if wait <= 0:
                break
            if budget is None:
                moment += wait  # an ideal client waits just long enough
            else:
                # Sent anyway, refused: the budget was taken, the run waits Retry-After.
                _record(budget, ours, batch, moment)
                result.refused += 1
                moment += math.ceil(wait) + resume_cost
        _record(package, theirs, batch, moment)
        if budget is not None:
            _record(budget, ours, batch, moment)
    result.seconds = moment + (end - starts[-1])
    return result
