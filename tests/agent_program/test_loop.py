"""The loop against a real HTTP server speaking the agent API, with the CSV writer.

Covers the journal's promises end to end: a result journalled but not acked is sent first on
restart; a key handed out again is acked from the journal, not written again; a write that
never finished is looked for before it is written again.
"""

from __future__ import annotations

import csv
import random
import threading
import time
from pathlib import Path

import pytest
from ledgerlink_agent.api import AgentApi, ServerUnavailable, Unauthorized
from ledgerlink_agent.backoff import Backoff
from ledgerlink_agent.journal import Journal
from ledgerlink_agent.loop import AgentLoop
from ledgerlink_agent.writers.csv_files import CsvFilesWriter

from tests.agent_program.agent_api_server import AgentApiServer
from tests.agent_program.payloads import customer, invoice, receipt

ACK = "/agent/v1/ack"


def _agent(server: AgentApiServer, tmp_path: Path, **options: object) -> AgentLoop:
    api = AgentApi(server.url, server.token, timeout=5)
    writer = CsvFilesWriter(tmp_path / "out")
    return AgentLoop(api, writer, Journal(tmp_path / "journal.sqlite3"), **options)  # type: ignore[arg-type]


def _rows(out: Path, suffix: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for path in sorted(out.rglob(f"*-{suffix}.csv")):
        with path.open(encoding="cp1252", newline="") as handle:
            rows.extend(list(csv.reader(handle))[1:])
    return rows


def test_one_cycle_writes_and_acks_a_batch(api_server: AgentApiServer, tmp_path: Path) -> None:
    api_server.queue("k-cust-0000000000000000000000000001", "customer", customer())
    api_server.queue("k-cust-0000000000000000000000000002", "customer",
                     customer("BAD REF"))
    outcome = _agent(api_server, tmp_path).run(once=True)
    assert outcome.leased == 2 and outcome.written == 2 and outcome.acked == 2
    acked = api_server.acked()
    good = acked["k-cust-0000000000000000000000000001"]
    assert good["status"] == "created" and good["reference"] == "ACMEHEAT"
    assert not good.get("note")  # only a step left in Sage for this record is a note
    bad = acked["k-cust-0000000000000000000000000002"]
    assert bad["status"] == "rejected" and bad["field"] == "A/C"
    assert "must not contain spaces" in bad["message"]
    assert api_server.heartbeats[0]["agent_version"] == "0.1.0"
    assert api_server.heartbeats[0]["last_error"] == ""
    assert [r[0] for r in _rows(tmp_path / "out", "customers")] == ["ACMEHEAT"]


def test_one_batch_holds_one_kind_and_the_receipt_says_allocate_by_hand(
        api_server: AgentApiServer, tmp_path: Path) -> None:
    api_server.queue("k-inv-00000000000000000000000000001", "invoice", invoice())
    api_server.queue("k-pay-00000000000000000000000000001", "payment", receipt())
    agent = _agent(api_server, tmp_path)
    assert agent.run(once=True).leased == 1
    assert agent.run(once=True).leased == 1
    assert agent.run(once=True).leased == 0  # nothing left: no batch, no error
    paid = api_server.acked()["k-pay-00000000000000000000000000001"]
    assert paid["note"] == "written as a payment on account; allocate it to INV-1001 in Sage"
    assert sorted(r[0] for r in _rows(tmp_path / "out", "transactions")) == ["SA", "SI", "SI"]


def test_acks_go_in_chunks(api_server: AgentApiServer, tmp_path: Path) -> None:
    for n in range(5):
        api_server.queue(f"k-chunk-{n:027d}", "customer", customer(f"C{n}"))
    outcome = _agent(api_server, tmp_path, ack_chunk=2).run(once=True)
    assert outcome.acked == 5
    assert [len(a["results"]) for a in api_server.acks] == [2, 2, 1]


def test_an_ack_that_did_not_arrive_is_sent_first_after_a_restart(
        api_server: AgentApiServer, tmp_path: Path) -> None:
    api_server.queue("k-lost-0000000000000000000000000001", "customer", customer())
    api_server.failing_paths.add(ACK)
    with pytest.raises(ServerUnavailable):
        _agent(api_server, tmp_path).run(once=True)
    assert api_server.acked() == {}
    assert Journal(tmp_path / "journal.sqlite3").unsent_count() == 1

    # The agent is started again (a new process: a new journal handle on the same file).
    api_server.failing_paths.clear()
    seen_before = len(api_server.requests_seen)
    outcome = _agent(api_server, tmp_path).run(once=True)
    assert api_server.requests_seen[seen_before] == f"POST {ACK}"  # before the heartbeat
    assert api_server.acked()["k-lost-0000000000000000000000000001"]["status"] == "created"
    assert outcome.written == 0 and outcome.acked == 1
    assert Journal(tmp_path / "journal.sqlite3").unsent_count() == 0
    assert len(_rows(tmp_path / "out", "customers")) == 1


def test_a_key_handed_out_again_is_acked_from_the_journal_not_written_again(
        api_server: AgentApiServer, tmp_path: Path) -> None:
    key = "k-again-000000000000000000000000001"
    api_server.queue(key, "invoice", invoice())
    agent = _agent(api_server, tmp_path)
    agent.run(once=True)
    first = dict(api_server.acked()[key])
    api_server.records[key].result = None
    api_server.hand_out_again(key)
    outcome = agent.run(once=True)
    assert outcome.from_journal == 1 and outcome.written == 0 and outcome.found == 0
    again = api_server.acked()[key]
    assert again["status"] == "created" and again["reference"] == first["reference"]
    assert len(_rows(tmp_path / "out", "transactions")) == 2  # the invoice's two lines, once


def test_check_first_answers_exists_from_what_is_already_in_sage(
        api_server: AgentApiServer, tmp_path: Path) -> None:
    # Written by an earlier install whose journal is gone; the server never heard back.
    earlier = CsvFilesWriter(tmp_path / "out")
    earlier.write("invoice", invoice())
    key = "k-check-000000000000000000000000001"
    api_server.queue(key, "invoice", invoice())
    api_server.records[key].check_first = True
    outcome = _agent(api_server, tmp_path).run(once=True)
    assert outcome.found == 1 and outcome.written == 0
    assert api_server.acked()[key] == {"key": key, "status": "exists", "reference": "INV-1001"}
    assert len(_rows(tmp_path / "out", "transactions")) == 2


def test_a_write_that_never_finished_is_looked_for_first(
        api_server: AgentApiServer, tmp_path: Path) -> None:
    key = "k-crash-000000000000000000000000001"
    # The previous run marked the attempt, wrote the file, then died before journalling.
    Journal(tmp_path / "journal.sqlite3").attempt(key, "old-batch", "customer")
    CsvFilesWriter(tmp_path / "out").write("customer", customer())
    api_server.queue(key, "customer", customer())  # the server does not ask to check first
    outcome = _agent(api_server, tmp_path).run(once=True)
    assert outcome.found == 1 and api_server.acked()[key]["status"] == "exists"
    assert len(_rows(tmp_path / "out", "customers")) == 1


def test_a_wrong_token_stops_the_agent(api_server: AgentApiServer, tmp_path: Path) -> None:
    api = AgentApi(api_server.url, "agent-12.wrong", timeout=5)
    loop = AgentLoop(api, CsvFilesWriter(tmp_path / "out"), Journal(tmp_path / "j.sqlite3"))
    with pytest.raises(Unauthorized, match="unknown agent token"):
        loop.run()


def test_it_backs_off_while_the_server_is_down_and_carries_on_when_it_returns(
        api_server: AgentApiServer, tmp_path: Path) -> None:
    api_server.down = True
    api_server.queue("k-down-0000000000000000000000000001", "customer", customer())
    stop = threading.Event()
    backoff = Backoff(base=0.05, factor=2, cap=0.2, rng=random.Random(3))
    agent = _agent(api_server, tmp_path, backoff=backoff, stop=stop, poll_seconds=1)
    runner = threading.Thread(target=agent.run, daemon=True)
    runner.start()
    try:
        _wait_for(lambda: len(api_server.requests_seen) >= 3)
        assert backoff.failures >= 2
        assert api_server.acked() == {}
        api_server.down = False
        _wait_for(lambda: bool(api_server.acked()))
        _wait_for(lambda: backoff.failures == 0)
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()
    assert api_server.acked()["k-down-0000000000000000000000000001"]["status"] == "created"


def test_an_unreachable_server_is_server_unavailable(tmp_path: Path) -> None:
    api = AgentApi("http://127.0.0.1:9", "agent-12.x", timeout=2)
    with pytest.raises(ServerUnavailable):
        api.heartbeat(agent_version="0.1.0", sage_version="", company_name="", last_error="")


def _wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def test_an_ack_the_server_refuses_waits_for_the_keys_next_hand_out(
        api_server: AgentApiServer, tmp_path: Path) -> None:
    from ledgerlink_agent.writers.base import created

    key = "k-refused-0000000000000000000000001"
    # Journalled under a batch this server never issued (its database was restored, say).
    Journal(tmp_path / "journal.sqlite3").record(key, "f" * 32, "customer", created("ACMEHEAT"))
    agent = _agent(api_server, tmp_path)
    assert agent.run(once=True).acked == 0  # refused (404 unknown_batch), not retried for ever
    assert api_server.requests_seen.count(f"POST {ACK}") == 1
    assert agent.run(once=True).acked == 0
    assert api_server.requests_seen.count(f"POST {ACK}") == 1

    api_server.queue(key, "customer", customer())
    outcome = agent.run(once=True)
    assert outcome.from_journal == 1 and outcome.written == 0
    assert api_server.acked()[key] == {"key": key, "status": "created", "reference": "ACMEHEAT"}
    assert not (tmp_path / "out").exists() or not _rows(tmp_path / "out", "customers")


def test_a_server_answer_that_is_not_json_counts_as_unavailable(tmp_path: Path) -> None:
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Response

    def portal(environ, start_response):  # type: ignore[no-untyped-def]
        return Response("<html>Sign in to the hotel wifi</html>", mimetype="text/html")(
            environ, start_response)

    server = make_server("127.0.0.1", 0, portal, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        api = AgentApi(f"http://127.0.0.1:{server.server_port}", "agent-12.x", timeout=5)
        with pytest.raises(ServerUnavailable, match="not JSON"):
            api.lease()
    finally:
        server.shutdown()
