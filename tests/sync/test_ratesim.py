"""The bench's simulated clock (bench/ratesim.py) against the engine's windows as declared."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from ratesim import Rule, simulate  # noqa: E402

QBO = (Rule(500, 60), Rule(40, 60, batch_only=True))


def _engine(key: str) -> tuple[Rule, ...]:
    from push_throughput import engine_budget

    return engine_budget(key)


def test_qbo_journey_of_39_batches_and_3_queries_is_never_parked() -> None:
    # The bench's 370-record QBO journey: 3 queries then 39 batch requests in ~9 s.
    starts = [i * 0.2 for i in range(42)]
    batches = [i >= 3 for i in range(42)]
    engine = simulate(starts, 9.0, QBO, budget=_engine("quickbooks_online"), batches=batches,
                      resume_cost=1.0)
    assert (engine.parked, engine.refused) == (0, 0)
    assert engine.seconds == pytest.approx(9.0)
    # What it was: one budget of 38 for every call parked the run for most of a minute.
    before = simulate(starts, 9.0, QBO, budget=(Rule(38, 60),), batches=batches,
                      resume_cost=1.0)
    assert before.seconds > 60


def test_full_window_parks_until_its_oldest_call_leaves_not_a_whole_minute() -> None:
    # 41 batches, one every 0.5 s: the 41st may start once the first has left the window.
    starts = [i * 0.5 for i in range(41)]
    engine = simulate(starts, 21.0, QBO, budget=_engine("quickbooks_online"),
                      batches=[True] * 41, resume_cost=1.0)
    assert (engine.parked, engine.refused) == (1, 0)
    wait = 61 - 20  # the oldest leaves the engine's window (60 s + 1 s margin) at 61 s
    assert engine.seconds == pytest.approx(20 + wait + 1 + 1 + 1.0)  # + RQ's second + resume
    ideal = simulate(starts, 21.0, QBO, batches=[True] * 41)
    assert ideal.seconds == pytest.approx(60 + 1.0)


def test_a_park_ends_just_before_the_window_frees_and_the_rest_is_slept_in_place() -> None:
    # As above, with the engine's inline wait: parked for the wait less 2 s, RQ's second and
    # the resume cost bring the run to the moment the oldest batch leaves: no time lost but
    # the rounding.
    starts = [i * 0.5 for i in range(41)]
    engine = simulate(starts, 21.0, QBO, budget=_engine("quickbooks_online"),
                      batches=[True] * 41, resume_cost=1.0, inline_wait=2.0)
    assert (engine.parked, engine.refused) == (1, 0)
    assert engine.seconds == pytest.approx(20 + (41 - 2) + 1 + 1.0 + 1)
    # A wait within the inline limit is slept, never parked.
    short = simulate([0.0, 0.1, 0.2], 1.0, (Rule(2, 1.0),), budget=(Rule(2, 1.5),),
                     resume_cost=1.0, inline_wait=2.0)
    assert (short.parked, short.refused) == (0, 0)
    assert short.seconds == pytest.approx(1.5 + 0.8)
