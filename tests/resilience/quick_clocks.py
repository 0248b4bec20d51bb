"""Shorter recovery clocks for the crash journeys `make test` runs: the same journeys as their
full-size versions in `make e2e`, waiting seconds instead of half a minute for the sweep.

Most of a crash journey's time is waiting: the sweep takes a run for dead only when no worker
has beaten for twice RUN_LOCK_SECONDS (30 s with the suite's 15), and a claim is settled only
once its lease (LEASE_SECONDS) has run out. Scaling the three clocks down together keeps the
order production relies on (HTTP timeout < run lock < lease), so what is tested stays the same.
"""

from __future__ import annotations

from typing import Any

import pytest

# Kept in the production order: a call times out before its run lock could lapse, and the
# lock before a claim's lease, so a slow call is never taken for a dead worker.
QUICK = {"HTTP_TIMEOUT_SECONDS": 5, "RUN_LOCK_SECONDS": 6, "LEASE_SECONDS": 7}


def use_quick_clocks(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick clocks for this test: in the app (its sweep and its requests) and in the
    environment every worker and cron process the test starts afterwards inherits."""
    for name, seconds in QUICK.items():
        monkeypatch.setenv(name, str(seconds))
        monkeypatch.setitem(app.config, name, seconds if name != "HTTP_TIMEOUT_SECONDS"
                            else float(seconds))
