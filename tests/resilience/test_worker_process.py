"""The worker process: SIGTERM stops it even in the middle of a run (and the run carries on in
the next worker, exactly once); SIGKILL leaves nothing of it behind; the tests' own clean-up
stops what a killed process left in its group."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter

import pytest
from rq import Worker

from app.demo_records import generate
from tests.conftest import stop_process_group
from tests.sync.test_pipeline import _check_books


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_registered(app, proc: subprocess.Popen) -> None:  # type: ignore[no-untyped-def]
    """Until this worker process is registered with Redis. By its pid, not by a count: a
    worker SIGKILLed by an earlier test stays registered until RQ's worker TTL runs out, and
    signalling this one before it has set up its handlers would kill it outright."""
    with app.app_context():
        from app.queue import get_queue

        deadline = time.monotonic() + 60
        while not any(w.pid == proc.pid for w in Worker.all(queue=get_queue())):
            assert time.monotonic() < deadline, "the worker never registered with Redis"
            time.sleep(0.1)


def test_sigterm_mid_run_stops_the_worker_and_the_next_one_carries_on(  # type: ignore[no-untyped-def]
    app, connected_books, worker_process
) -> None:
    books = connected_books(package="xero")
    payloads = generate(customers=30, invoices=150, payments=60, credit_notes=10,
                        prefix=f"T{books.company_id}-", seed=5)
    books.post_all(payloads)
    worker = worker_process()
    run = books.send()
    deadline = time.monotonic() + 120
    while not any(t.state == "sent" for t in books.transfers()):
        assert time.monotonic() < deadline, "nothing was sent"
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(60) == 0
    # It stopped in the middle of the run rather than working it to the end first.
    states = Counter(t.state for t in books.transfers())
    assert states.get("sent", 0) < len(payloads), f"the worker finished the run first: {states}"
    assert books.get(f"runs/{run['id']}")["status"] in ("queued", "running", "waiting")
    # The interrupted run went back on the queue: a new worker finishes it with no sweep.
    worker_process()
    final = books.wait_for_run(run["id"], timeout=240)
    assert final["status"] == "finished", final
    states = Counter(t.state for t in books.transfers())
    assert states == {"sent": len(payloads)}, states
    _check_books(books, payloads)


def test_idle_worker_stops_on_sigterm_and_sigkill_leaves_nothing_behind(  # type: ignore[no-untyped-def]
    app, worker_process
) -> None:
    calm = worker_process()
    _wait_registered(app, calm)
    calm.send_signal(signal.SIGTERM)
    assert calm.wait(30) == 0
    assert _group_gone(calm.pid)

    killed = worker_process()
    _wait_registered(app, killed)
    time.sleep(1.5)  # let its scheduler settle in (RQ's used to be a forked child)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    # Nothing of it is left: no scheduler child holding pipes or the scheduler lock.
    assert _group_gone(killed.pid)


def test_cleanup_stops_what_a_killed_process_left_in_its_group() -> None:
    leader = subprocess.Popen(["/bin/sh", "-c", "sleep 300 & sleep 300"],
                              start_new_session=True)
    time.sleep(0.3)
    leader.kill()
    leader.wait()
    assert not _group_gone(leader.pid), "the child should still be running"
    stop_process_group(leader)
    deadline = time.monotonic() + 10
    while not _group_gone(leader.pid):
        if time.monotonic() > deadline:
            pytest.fail("the orphaned child is still running")
        time.sleep(0.05)


def test_cleanup_kills_a_process_that_ignores_sigterm() -> None:
    stubborn = subprocess.Popen(["/bin/sh", "-c", "trap '' TERM; sleep 300 & wait"],
                                start_new_session=True)
    time.sleep(0.3)
    stop_process_group(stubborn, grace=1)
    assert stubborn.poll() is not None
    deadline = time.monotonic() + 10
    while not _group_gone(stubborn.pid):
        if time.monotonic() > deadline:
            pytest.fail("a process that ignores SIGTERM is still running")
        time.sleep(0.05)
