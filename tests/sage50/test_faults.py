"""Exactly once through everything the issue names: the agent killed between writing and
acking (a real process, killed at that moment), the server down mid-batch (before and after
it took the ack), leases running out, and two agents started by mistake on one connection.
Each test asserts its fault was really met."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.demo_records import generate
from tests.sage50.conftest import ROOT, SMALL, assert_exactly_once
from tests.sage50.proxy import Outage, Proxy

KILLED = 137


def _run_dying(config: Path, n: int, moment: str) -> int:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'agent'}{os.pathsep}{ROOT}"}
    done = subprocess.run([sys.executable, str(Path(__file__).parent / "dying_agent.py"),
                           str(config), str(n), moment], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    return done.returncode


@pytest.mark.parametrize(("n", "moment", "journal_kept"), [
    (3, "written", True),      # Sage has it, the journal only knows it was begun
    (4, "journalled", True),   # the journal has the result; the ack never left
    (2, "written", False),     # and the journal lost too (the agent reinstalled)
])
def test_an_agent_killed_between_writing_and_acking_lands_every_record_once(
        office, tmp_path, n, moment, journal_kept) -> None:  # type: ignore[no-untyped-def]
    books = office()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    config = books.config_file(tmp_path)
    assert _run_dying(config, n, moment) == KILLED  # it really died there
    written = len([c for c in books.books()["customers"]])
    assert written == n if moment == "written" else written >= n
    journal = tmp_path / "journal.sqlite3"
    if not journal_kept:
        journal.unlink()
        for extra in ("-wal", "-shm"):
            Path(f"{journal}{extra}").unlink(missing_ok=True)
    books.expire_leases()  # what the dead agent had out is uncertain once its lease runs out
    agent = books.agent(journal)
    outcomes = books.until_idle(agent)
    if moment == "journalled":
        # The results the dead agent journalled went first, to the batch they belong to.
        assert outcomes[0].acked - outcomes[0].leased == n
    elif journal_kept:  # what it journalled went first; the one it wrote was looked for
        assert outcomes[0].acked - outcomes[0].leased == n - 1
        assert sum(o.found for o in outcomes) == 1
    else:  # nothing kept: the server asked to look for every record it had out
        assert sum(o.found for o in outcomes) == n
    assert_exactly_once(books, payloads)


@pytest.mark.parametrize("after_forwarding", [False, True],
                         ids=["ack-never-arrived", "ack-arrived-answer-lost"])
def test_the_server_down_mid_batch_loses_no_ack_and_adds_nothing_twice(
        office, tmp_path, after_forwarding) -> None:  # type: ignore[no-untyped-def]
    from ledgerlink_agent.api import ServerUnavailable

    books = office()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    proxy = Proxy(books.url)
    try:
        outage = Outage("/agent/v1/ack", times=3, after_forwarding=after_forwarding)
        proxy.outages.append(outage)
        agent = books.agent(tmp_path / "journal.sqlite3", url=proxy.url)
        with pytest.raises(ServerUnavailable):
            agent.cycle()  # the batch is written; its ack meets a server that is down
        assert outage.met == 1
        assert agent.journal.unsent_count() > 0  # kept, to be sent when the server answers
        for _ in range(outage.times - outage.met):
            with pytest.raises(ServerUnavailable):
                agent.cycle()
        assert outage.met == outage.times
        books.until_idle(agent)
    finally:
        proxy.close()
    assert_exactly_once(books, payloads)


def test_a_lease_that_runs_out_is_looked_for_before_anything_is_written_again(
        office, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An agent takes a batch, writes part of it and stalls; its lease runs out; the next
    lease says check_first and the records already in Sage are found, not added again. The
    stalled agent's late ack changes nothing."""
    books = office()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    stalled_writer = books.writer()
    real_write, count = stalled_writer.write, {"n": 0}

    class Stalled(BaseException):  # not an error the writer reports: the process stops
        pass

    def write(kind, payload):  # type: ignore[no-untyped-def]
        if count["n"] == 4:
            raise Stalled  # the PC went to sleep here
        count["n"] += 1
        return real_write(kind, payload)

    stalled_writer.write = write
    stalled = books.agent(tmp_path / "a.sqlite3", writer=stalled_writer)
    with pytest.raises(Stalled):
        stalled.cycle()
    assert books.expire_leases() > 0  # its records were still out when the lease ran out
    fresh = books.agent(tmp_path / "b.sqlite3")
    outcomes = books.until_idle(fresh)
    assert sum(o.found for o in outcomes) == 4  # the four it wrote were found by reference
    late = stalled.resend_unsent()
    assert late == 0  # the late ack was taken by nothing: those records were handed out again
    assert_exactly_once(books, payloads)


def test_two_agents_on_one_connection_never_write_a_record_twice(
        office, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same config on two computers: one install collects, the other is refused in words
    until the first has been silent for a lease."""
    from ledgerlink_agent.api import RequestRefused

    books = office()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    first = books.agent(tmp_path / "first.sqlite3")
    second = books.agent(tmp_path / "second.sqlite3")
    refused: list[str] = []
    stop = threading.Event()

    def run(agent) -> None:  # type: ignore[no-untyped-def]
        while not stop.is_set():
            try:
                outcome = agent.cycle()
            except RequestRefused as exc:
                refused.append(exc.code)
                stop.wait(0.05)  # as the agent waits before asking again
                continue
            if not outcome.leased:  # the one collecting found nothing left
                stop.set()

    threads = [threading.Thread(target=run, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert "another_agent" in refused  # the second install was really turned away
    assert_exactly_once(books, payloads)
    # Once the first has been silent for a lease, the second may carry on alone.
    books.expire_leases()
    books.post_all(generate(customers=1, invoices=1, payments=0, credit_notes=0, prefix="Z"))
    assert books.until_idle(second)
