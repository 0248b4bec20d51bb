"""Replaying recorded call times through a rate limit on a simulated clock.

The push is measured with limits off; these functions answer "how long would the same push have
taken with the limit on" by keeping the work between calls as measured and delaying a call only
when the limit says it may not start yet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DAY = 86400.0


def sliding_window(starts: Sequence[float], end: float, per_minute: int = 60,
                   per_day: int = 5000) -> float:
    """Xero's own limits, as the sandbox enforces them: at most `per_minute` calls started in any
    60 s and `per_day` in any 24 h. `starts` are call start offsets (s) from the run's start,
    `end` the run's measured duration; returns the simulated duration."""
    if not starts:
        return end
    sim: list[float] = []
    previous_real = 0.0
    previous_sim = 0.0
    for i, real in enumerate(starts):
        moment = previous_sim + (real - previous_real)
        if i >= per_minute:
            moment = max(moment, sim[i - per_minute] + 60.0)
        if i >= per_day:
            moment = max(moment, sim[i - per_day] + DAY)
        sim.append(moment)
        previous_real, previous_sim = real, moment
    return sim[-1] + (end - starts[-1])


def fixed_window(starts: Sequence[float], end: float, per_minute: int, per_day: int,
                 phase: float = 0.0, resume_cost: float = 0.0) -> tuple[float, int]:
    """Our engine's own budget (app/sync/ratelimit.py): fixed windows aligned to the clock
    minute/day; a call over budget parks the run until the window ends, and resuming costs
    `resume_cost` seconds (the worker picking the run up again, reconciling). `phase` is the
    wall-clock time the run started, which fixes where the window edges fall. Returns the
    simulated duration and how many times the run was parked."""
    if not starts:
        return end, 0
    moment = phase
    previous_real = 0.0
    minute_start, minute_used = math.floor(phase / 60) * 60, 0
    day_start, day_used = math.floor(phase / DAY) * DAY, 0
    pauses = 0
    for real in starts:
        moment += real - previous_real
        previous_real = real
        while True:
            if moment >= minute_start + 60:
                minute_start, minute_used = math.floor(moment / 60) * 60, 0
            if moment >= day_start + DAY:
                day_start, day_used = math.floor(moment / DAY) * DAY, 0
            if day_used >= per_day:
                moment = day_start + DAY + resume_cost
                pauses += 1
                continue
            if minute_used >= per_minute:
                moment = minute_start + 60 + resume_cost
                pauses += 1
                continue
            break
        minute_used += 1
        day_used += 1
    return moment - phase + (end - starts[-1]), pauses
