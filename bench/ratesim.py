"""Replaying recorded call times through rate limits on a simulated clock.

The push is measured with limits off; this answers "how long would the same push have taken
with the limits on" by keeping the measured work between calls and delaying a call only when a
limit says it may not start yet.

Two limits can apply, and they count differently:
- Xero's (as the sandbox enforces them): at most 60 calls started in any rolling 60 s and 5,000 in
  any rolling day. A call over it is answered 429 with Retry-After.
- Our engine's own budget (app/sync/ratelimit.py): a rolling minute and a UTC-day counter at 95%
  of Xero's figures. A call over it is not sent; the run is parked until the oldest call leaves
  the window (plus the resume cost). Being under Xero's rolling limit, it never meets a 429.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DAY = 86400.0


@dataclass
class Simulated:
    seconds: float
    parked: int = 0  # times our budget parked the run
    refused: int = 0  # 429s Xero would have answered


def simulate(
    starts: Sequence[float],
    end: float,
    package_per_minute: int = 60,
    package_per_day: int = 5000,
    budget: tuple[int, int] | None = None,
    phase: float = 0.0,
    resume_cost: float = 0.0,
) -> Simulated:
    """`starts`: call start offsets (s) from the run's start; `end`: the run's measured
    duration. `budget`: (per minute, per day) of our engine's budget, or None for an ideal
    client that waits exactly as long as Xero needs. `phase`: wall-clock time the run started
    (where the UTC day's edge falls). `resume_cost`: seconds lost each time the run is parked
    or refused (rescheduling, the worker picking it up, reconciling)."""
    if not starts:
        return Simulated(end)
    sent: list[float] = []  # simulated start of each call Xero accepted
    result = Simulated(0.0)
    moment = 0.0
    previous = 0.0
    day_edge, day_used = math.floor(phase / DAY) * DAY - phase, 0
    for real in starts:
        moment += real - previous
        previous = real
        while True:
            if budget is not None:
                if moment >= day_edge + DAY:
                    day_edge += math.floor((moment - day_edge) / DAY) * DAY
                    day_used = 0
                if day_used >= budget[1]:
                    moment = day_edge + DAY + resume_cost
                    result.parked += 1
                    continue
                if len(sent) >= budget[0] and sent[-budget[0]] + 60 > moment:
                    moment = math.ceil(sent[-budget[0]] + 60 - moment) + moment + resume_cost
                    result.parked += 1
                    continue
            # The rolling limits: the call n places back must be at least a window old.
            wait = 0.0
            if len(sent) >= package_per_minute:
                wait = max(wait, sent[-package_per_minute] + 60 - moment)
            if len(sent) >= package_per_day:
                wait = max(wait, sent[-package_per_day] + DAY - moment)
            if wait <= 0:
                break
            if budget is None:
                moment += wait  # an ideal client waits just long enough
            else:
                # Sent anyway, refused: the budget was taken, the run waits Retry-After.
                day_used += 1
                result.refused += 1
                moment += math.ceil(wait) + resume_cost
        sent.append(moment)
        day_used += 1
    result.seconds = sent[-1] + (end - starts[-1])
    return result
