"""A worker SIGKILLed mid-run, for every push package, still lands every record exactly once:
tests/sync/test_pipeline.py's journey (its body, called, not copied), on the quick recovery
clocks (tests/resilience/quick_clocks.py) so that `make test` waits seconds for the sweep.
The same journey on the suite's own clocks is marked e2e and runs in `make e2e`."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.resilience.quick_clocks import use_quick_clocks
from tests.sync import test_pipeline as pipeline
from tests.sync.conftest import PACKAGES


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _forget_dead_workers(app: Any) -> None:
    """A SIGKILLed worker never deregisters: RQ lists it for minutes (its worker TTL), and a
    later test waiting for "a worker on the queue" would take it for its own live one."""
    from rq import Worker

    from app.queue import get_queue

    with app.app_context():
        for worker in Worker.all(queue=get_queue()):
            if not _alive(worker.pid):
                worker.register_death()


@pytest.mark.parametrize("package", PACKAGES)
def test_worker_killed_mid_run_still_exactly_once_on_quick_clocks(  # type: ignore[no-untyped-def]
    package, connected_books, worker_process, app, monkeypatch
) -> None:
    use_quick_clocks(app, monkeypatch)
    try:
        pipeline.test_worker_killed_mid_run_still_exactly_once(package, connected_books,
                                                               worker_process, app)
    finally:
        _forget_dead_workers(app)
