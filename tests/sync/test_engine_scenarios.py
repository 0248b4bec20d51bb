"""The sync engine's promises, scenario by scenario, through real components: the inbound API
over HTTP, Send Data handled by a real RQ worker, the Xero connector, and the sandbox over HTTP
(read back through Xero's own API). Record counts are small: each scenario is about one rule."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from flask import request, request_finished
from sqlalchemy import select as _select

from tests.sync.conftest import Books

# ---------------------------------------------------------------------------- payloads


def _customer(sid: str, name: str) -> tuple[str, dict]:
    return "customers", {"source_id": sid, "name": name, "email": f"{sid.lower()}@example.test"}


def _invoice(
    sid: str, number: str, customer: str, price: float = 100.0, account: str = "sales",
    when: str = "2026-10-15", total: float | None = None, reference: str = "Job 1",
) -> tuple[str, dict]:
    body: dict[str, Any] = {
        "source_id": sid, "number": number, "customer_source_id": customer, "date": when,
        "due_date": "2026-11-30", "reference": reference, "amounts_are": "exclusive",
        "lines": [{"description": "Boiler service", "quantity": 1, "unit_price": price,
                   "account": account, "tax_rate": "standard"}],
    }
    if total is not None:
        body["total"] = total
    return "invoices", body


def _payment(sid: str, customer: str, invoice: str, amount: float,
             when: str = "2026-10-25") -> tuple[str, dict]:
    return "payments", {
        "source_id": sid, "customer_source_id": customer, "date": when, "amount": amount,
        "bank_account": "bank", "reference": f"Card {sid}",
        "allocations": [{"invoice_source_id": invoice, "amount": amount}],
    }


# ---------------------------------------------------------------------------- helpers

PATHS = {"customer": "customers", "invoice": "invoices", "payment": "payments"}


@contextmanager
def _session(books: Books) -> Iterator[Any]:
    with books.app.app_context():
        from app.extensions import db

        try:
            yield db.session
        finally:
            db.session.remove()


def _public(books: Books, kind: str, sid: str) -> dict:
    """The record's transfer as the inbound API shows it."""
    transfers = books.get(f"{PATHS[kind]}/{sid}")["transfers"]
    assert len(transfers) == 1, transfers
    return transfers[0]


def _update_transfer(books: Books, kind: str, sid: str, **fields: Any) -> None:
    from app.models import Transfer
    from app.records.lookup import find_record

    with _session(books) as s:
        row = find_record(books.company_id, kind, sid)
        t = s.execute(_select(Transfer).filter_by(
            connection_id=books.connection_id, record_type=kind, record_id=row.id
        )).scalar_one()
        for name, value in fields.items():
            setattr(t, name, value)
        s.commit()


def _transfer(books: Books, kind: str, sid: str) -> Any:
    from app.records.lookup import find_record

    with _session(books):
        record_id = find_record(books.company_id, kind, sid).id
    return next(t for t in books.transfers() if t.record_type == kind and t.record_id == record_id)


def _create_anyway(books: Books, kind: str, sid: str) -> None:
    """The bookkeeper's "create it anyway": Send Data no longer looks in the package for this
    contact first, so the call it makes is the contact's own push."""
    from app.models import Transfer

    transfer_id = _transfer(books, kind, sid).id
    with _session(books) as s:
        s.get(Transfer, transfer_id).create_anyway = True
        s.commit()


def _invoice_numbers(books: Books) -> Counter:
    return Counter(i["InvoiceNumber"] for i in books.package_list("Invoices"))


def _run_row(books: Books, run_id: int) -> Any:
    from app.models import Run

    with _session(books) as s:
        run = s.get(Run, run_id)
        s.expunge(run)
        return run


def _connection(books: Books) -> SimpleNamespace:
    """The connection's status and decrypted credentials, as stored now."""
    from app.models import Connection

    with _session(books) as s:
        c = s.get(Connection, books.connection_id)
        return SimpleNamespace(status=c.status, status_detail=c.status_detail,
                               tenant_id=c.tenant_id, credentials=c.credentials)


def _set_credentials(books: Books, **changes: Any) -> None:
    from app.models import Connection

    with _session(books) as s:
        connection = s.get(Connection, books.connection_id)
        connection.credentials = connection.credentials.with_tokens(**changes)
        s.commit()


def _send_and_wait(books: Books) -> dict:
    return books.wait_for_run(books.send()["id"], timeout=90)


def _poll_statuses(books: Books, run_id: int, timeout: float = 90) -> tuple[dict, list[str]]:
    """Follow a run closely to its end; returns it and every status it was seen in."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = books.get(f"runs/{run_id}")
        if not seen or seen[-1] != run["status"]:
            seen.append(run["status"])
        if run["status"] in ("finished", "failed"):
            return run, seen
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish; statuses seen: {seen}")


@contextmanager
def _refresh_calls(app: Any) -> Iterator[list[str]]:
    """Every refresh-token grant the sandbox's token endpoint answers (the sandbox is served by
    this process, so Flask's request_finished signal sees the worker's calls too)."""
    calls: list[str] = []

    def _seen(sender: Any, response: Any, **_extra: Any) -> None:
        if request.path.endswith("/identity/connect/token") and (
            request.form.get("grant_type") == "refresh_token"
        ):
            calls.append(request.form.get("refresh_token", ""))

    request_finished.connect(_seen, app)
    try:
        yield calls
    finally:
        request_finished.disconnect(_seen, app)


# ---------------------------------------------------------------------------- 1 + 3 archived


def test_archived_contact_fails_only_its_documents_and_children_follow_the_fix(
    connected_books, worker_process
) -> None:
    books = connected_books()
    p = f"A{books.company_id}-"
    books.post_all([
        _customer(f"{p}C1", f"Archie Vale {p}"), _customer(f"{p}C2", f"Bea Stone {p}"),
        _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1"),
    ])
    worker_process()
    assert _send_and_wait(books)["status"] == "finished"
    before = {(t.record_type, t.record_id): (t.external_id, t.sent_at) for t in books.transfers()}

    contact = next(c for c in books.package_list("Contacts") if c["ContactNumber"] == f"{p}C1")
    archived = books.package_api("POST", f"Contacts/{contact['ContactID']}", json={"Contacts": [
        {"ContactID": contact["ContactID"], "ContactStatus": "ARCHIVED"}]})
    assert archived.status_code == 200, archived.text

    books.post_all([
        _invoice(f"{p}I2", f"{p}INV-2", f"{p}C1", price=50.0),
        _invoice(f"{p}I3", f"{p}INV-3", f"{p}C2", price=70.0),
        _payment(f"{p}P2", f"{p}C1", f"{p}I2", 60.0),
    ])
    run = _send_and_wait(books)
    assert run["status"] == "finished", run
    assert run["failed"] == 1 and run["blocked"] == 1, run

    failed = _public(books, "invoice", f"{p}I2")
    assert failed["state"] == "failed"
    assert f"Archie Vale {p}" in failed["explanation"] and "archived" in failed["explanation"]
    assert "Restore (un-archive) the contact" in failed["fix"]
    assert _transfer(books, "invoice", f"{p}I2").reason == "contact_archived"
    payment = _public(books, "payment", f"{p}P2")
    assert payment["state"] == "blocked"
    assert f"Invoice {p}INV-2" in payment["explanation"] and "failed" in payment["explanation"]
    assert _public(books, "invoice", f"{p}I3")["state"] == "sent"
    # Nothing that was already in Xero was touched.
    for t in books.transfers():
        if (t.record_type, t.record_id) in before:
            assert t.state == "sent" and (t.external_id, t.sent_at) == before[
                (t.record_type, t.record_id)]
    assert _invoice_numbers(books) == {f"{p}INV-1": 1, f"{p}INV-3": 1}

    # The fix: restore the contact in Xero, then correct the invoice in the job system.
    restored = books.package_api("POST", f"Contacts/{contact['ContactID']}", json={"Contacts": [
        {"ContactID": contact["ContactID"], "ContactStatus": "ACTIVE"}]})
    assert restored.status_code == 200, restored.text
    books.post_all([_invoice(f"{p}I2", f"{p}INV-2", f"{p}C1", price=50.0, reference="Job 2")])
    assert _public(books, "invoice", f"{p}I2")["state"] == "pending"
    run = _send_and_wait(books)
    assert run["status"] == "finished" and run["sent"] == 2, run
    assert _public(books, "payment", f"{p}P2")["state"] == "sent"
    assert _invoice_numbers(books) == {f"{p}INV-1": 1, f"{p}INV-2": 1, f"{p}INV-3": 1}
    payments = books.package_list("Payments")
    assert [x["Invoice"]["InvoiceNumber"] for x in payments] == [f"{p}INV-2"]


# ---------------------------------------------------------------------------- 3 rejected parent


def test_invoice_of_a_rejected_customer_is_blocked_until_the_customer_goes(
    connected_books, worker_process
) -> None:
    books = connected_books()
    p = f"B{books.company_id}-"
    taken = books.package_api("PUT", "Contacts", json={"Contacts": [{"Name": f"Cal Dupe {p}"}]})
    assert taken.status_code == 200, taken.text
    books.post_all([
        _customer(f"{p}C1", f"Cal Dupe {p}"), _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1"),
    ])
    # Looking first would link it to Xero's namesake; told to create it anyway, Xero refuses.
    _create_anyway(books, "customer", f"{p}C1")
    worker_process()
    run = _send_and_wait(books)
    assert run["status"] == "finished" and run["blocked"] == 1, run
    customer = _public(books, "customer", f"{p}C1")
    assert customer["state"] == "failed" and "already has another contact" in customer[
        "explanation"]
    invoice = _public(books, "invoice", f"{p}I1")
    assert invoice["state"] == "blocked"
    assert f"Customer Cal Dupe {p}" in invoice["explanation"]
    assert _invoice_numbers(books) == {}

    books.post_all([_customer(f"{p}C1", f"Cal Dupe {p} (Leeds)")])
    run = _send_and_wait(books)
    assert run["status"] == "finished" and run["sent"] == 2, run
    assert _public(books, "invoice", f"{p}I1")["state"] == "sent"
    assert _invoice_numbers(books) == {f"{p}INV-1": 1}


# ---------------------------------------------------------------------------- 2 pre-flight


def test_preflight_failures_never_reach_xero_and_a_mapping_fix_is_enough(
    connected_books, worker_process
) -> None:
    from app.models import Account, AccountMapping, Connection

    books = connected_books()
    p = f"F{books.company_id}-"
    with _session(books) as s:
        account = s.execute(_select(Account).filter_by(
            company_id=books.company_id, key="callout_fees")).scalar_one()
        s.execute(AccountMapping.__table__.delete().where(
            AccountMapping.connection_id == books.connection_id,
            AccountMapping.account_id == account.id))
        s.commit()
    books.post_all([
        _customer(f"{p}C1", f"Fran Field {p}"),
        _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1", account="callout_fees"),
        _invoice(f"{p}I2", f"{p}INV-2", f"{p}C1", total=100.0),  # the lines come to 120.00
        _invoice(f"{p}I3", f"{p}INV-3", f"{p}C1"),
    ])
    worker_process()
    run = _send_and_wait(books)
    assert run["status"] == "finished", run

    unmapped = _public(books, "invoice", f"{p}I1")
    assert unmapped["state"] == "failed"
    assert "Call-out fees" in unmapped["explanation"] and "not mapped" in unmapped["explanation"]
    assert "Mapping page" in unmapped["fix"]
    mismatch = _public(books, "invoice", f"{p}I2")
    assert mismatch["state"] == "failed"
    assert "£120.00" in mismatch["explanation"] and "£100.00" in mismatch["explanation"]
    for sid in (f"{p}I1", f"{p}I2"):
        assert _transfer(books, "invoice", sid).attempt_count == 0
    assert _invoice_numbers(books) == {f"{p}INV-3": 1}

    with _session(books) as s:
        from app.connections.service import set_mapping

        set_mapping(s.get(Connection, books.connection_id), {"callout_fees": "260"}, {})
    run = _send_and_wait(books)
    assert run["status"] == "finished" and run["sent"] == 1, run
    assert _public(books, "invoice", f"{p}I1")["state"] == "sent"
    assert _public(books, "invoice", f"{p}I2")["state"] == "failed"
    assert _invoice_numbers(books) == {f"{p}INV-1": 1, f"{p}INV-3": 1}

    books.post_all([_invoice(f"{p}I2", f"{p}INV-2", f"{p}C1", total=120.0)])
    assert _send_and_wait(books)["sent"] == 1
    assert _invoice_numbers(books) == {f"{p}INV-1": 1, f"{p}INV-2": 1, f"{p}INV-3": 1}


# ---------------------------------------------------------------------------- 4 rate limits


def _worker_ready(app: Any, timeout: float = 60) -> None:
    """Wait until a worker listens on the queue, so timings below start from a live worker."""
    from rq import Queue, Worker

    from app.redis_conn import get_redis

    deadline = time.monotonic() + timeout
    with app.app_context():
        queue = Queue(app.config["RQ_QUEUE"], connection=get_redis())
        while not Worker.all(queue=queue):
            assert time.monotonic() < deadline, "no worker started"
            time.sleep(0.1)


def _budget_spent(app: Any, connection_id: int, free_in: float) -> tuple[str, datetime]:
    """Other workers have made the connection's whole minute of calls (Xero's 60), the oldest
    of them leaving the sliding window (held 1 s longer than Xero's) in `free_in` seconds.
    Returns the key and when the budget frees up."""
    from app.redis_conn import get_redis
    from app.sync.ratelimit import MARGIN_SECONDS

    key = f"ledgerlink:rl:{connection_id}:minute"
    length = int((60 + MARGIN_SECONDS) * 1000)
    with app.app_context():
        now_ms = int(time.time() * 1000)
        oldest = now_ms - length + int(free_in * 1000)
        get_redis().zadd(key, {f"other-{i}": oldest + i for i in range(60)})
        get_redis().pexpire(key, length)
    frees_at = datetime.fromtimestamp((oldest + length) / 1000, UTC).replace(tzinfo=None)
    return key, frees_at


def test_spent_call_budget_parks_the_run_and_frees_the_worker(
    connected_books, worker_process, app
) -> None:
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from app.redis_conn import get_redis

    books, other = connected_books(), connected_books()
    p, q = f"R{books.company_id}-", f"R{other.company_id}-"
    payloads = [_customer(f"{p}C1", f"Rae Limit {p}"), _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1"),
                _invoice(f"{p}I2", f"{p}INV-2", f"{p}C1", price=20.0)]
    books.post_all(payloads)
    other.post_all([_customer(f"{q}C1", f"Otto Other {q}"),
                    _invoice(f"{q}I1", f"{q}INV-1", f"{q}C1")])
    worker_process()
    _worker_ready(app)
    key, frees_at = _budget_spent(app, books.connection_id, free_in=10)
    with app.app_context():
        redis = get_redis()
        run_id = books.send()["id"]
        deadline = time.monotonic() + 20
        while books.get(f"runs/{run_id}")["status"] != "waiting":
            assert time.monotonic() < deadline, books.get(f"runs/{run_id}")
            time.sleep(0.1)
        waiting = books.get(f"runs/{run_id}")
        row = _run_row(books, run_id)
        assert row.resume_at is not None
        assert row.resume_at.strftime("%H:%M:%S") in waiting["detail"]
        assert "slow down" in waiting["detail"], waiting
        states = Counter(t.state for t in books.transfers())
        assert states == {"pending": 3}, states
        # Handed back to RQ's scheduler for later, not slept on.
        registry = ScheduledJobRegistry(queue=Queue(app.config["RQ_QUEUE"], connection=redis))
        jobs = [j for j in registry.get_job_ids() if _job_args(redis, j) == (run_id,)]
        assert len(jobs) == 1, registry.get_job_ids()
        due = registry.get_scheduled_time(jobs[0]).replace(tzinfo=None)
        assert row.resume_at <= due <= row.resume_at + timedelta(seconds=3), (due, row)
        # Parked until just before the window frees; the woken run sleeps the last moment.
        from app.sync.ratelimit import INLINE_WAIT_SECONDS

        early = (frees_at - row.resume_at).total_seconds()
        assert abs(early - INLINE_WAIT_SECONDS) < 1.5, (row.resume_at, frees_at)

        # The only worker is free meanwhile: another company's run goes right through.
        assert _send_and_wait(other)["status"] == "finished"
        assert books.get(f"runs/{run_id}")["status"] == "waiting"
        redis.delete(key)

    run = books.wait_for_run(run_id, timeout=60)
    assert run["status"] == "finished" and run["sent"] == 3, run
    assert Counter(t.state for t in books.transfers()) == {"sent": 3}
    assert _invoice_numbers(books) == {f"{p}INV-1": 1, f"{p}INV-2": 1}
    assert _invoice_numbers(other) == {f"{q}INV-1": 1}


def _job_args(redis: Any, job_id: str) -> tuple:
    from rq.job import Job

    return tuple(Job.fetch(job_id, connection=redis).args)


def _xero_is_busy(app: Any, tenant: str, retry_after: int) -> None:
    """Xero has counted 60 calls for this organisation in the last minute, the oldest of them
    `60 - retry_after` seconds ago: it refuses the next call and asks for `retry_after` s."""
    from app.redis_conn import get_redis

    with app.app_context():
        now = time.time()
        get_redis().zadd(f"sandbox:xero:min:{tenant}", {
            f"earlier-{i}": now - 60 + retry_after + i / 1000 for i in range(60)})


def test_xero_429_parks_the_run_until_the_time_xero_asked_for(
    connected_books, worker_process, app
) -> None:
    from app.models import Attempt, TransferEvent

    books = connected_books()
    p = f"L{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Lou Busy {p}"), _invoice(f"{p}I1", f"{p}INV-1",
                                                                    f"{p}C1")])
    _create_anyway(books, "customer", f"{p}C1")  # the refused call is the customer's push
    worker_process()
    _worker_ready(app)
    # Long enough that a loaded machine's worker still meets the full window (a 6 s one
    # expired before the first call under CI load, and the run never waited).
    _xero_is_busy(app, _connection(books).tenant_id, retry_after=12)
    run_id = books.send()["id"]
    deadline = time.monotonic() + 20
    while (waiting := books.get(f"runs/{run_id}"))["status"] != "waiting":
        assert time.monotonic() < deadline and waiting["status"] != "finished", waiting
        time.sleep(0.05)
    assert "Xero asked us to slow down (minute)" in waiting["detail"], waiting
    customer = _transfer(books, "customer", f"{p}C1")
    assert customer.state == "pending" and customer.not_before is not None
    assert _public(books, "invoice", f"{p}I1")["state"] == "pending"
    resume_at = _run_row(books, run_id).resume_at
    # Xero's Retry-After, counted from the refused call.
    assert 2 <= (resume_at - customer.updated_at).total_seconds() <= 13
    assert resume_at >= customer.not_before

    run = books.wait_for_run(run_id, timeout=60)
    assert run["status"] == "finished" and run["sent"] == 2 and run["detail"] == "", run
    assert _invoice_numbers(books) == {f"{p}INV-1": 1}
    with _session(books) as s:
        outcomes = [a.outcome for a in s.execute(
            _select(Attempt).filter_by(transfer_id=customer.id).order_by(Attempt.id)).scalars()]
        notes = [e.note for e in s.execute(
            _select(TransferEvent).filter_by(transfer_id=customer.id)).scalars()]
    assert outcomes == ["retrylater", "sent"], outcomes
    assert any(n.startswith("Xero asked us to wait") for n in notes), notes


def test_run_woken_early_waits_again_instead_of_finishing(connected_books, app) -> None:
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from app.redis_conn import get_redis
    from app.sync.engine import execute_run

    books = connected_books()
    p = f"K{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Kay Early {p}"), _invoice(f"{p}I1", f"{p}INV-1",
                                                                     f"{p}C1")])
    _xero_is_busy(app, _connection(books).tenant_id, retry_after=20)
    run_id = books.send()["id"]
    try:
        with app.app_context():
            execute_run(run_id)  # what the worker does with the job; no worker runs here
        assert books.get(f"runs/{run_id}")["status"] == "waiting"
        with app.app_context():
            # The wake-up job arriving early: RQ stores and compares whole seconds, so a job
            # due at 12:00:07.9 starts at 12:00:07.0. Here it is as early as can be.
            execute_run(run_id)
        run = books.get(f"runs/{run_id}")
        states = Counter(t.state for t in books.transfers())
        assert run["status"] == "waiting" or states == {"sent": 2}, (run, states)
    finally:
        with app.app_context():
            redis = get_redis()
            queue = Queue(app.config["RQ_QUEUE"], connection=redis)
            for job in queue.jobs:
                if job.args == (run_id,):
                    job.delete()
            registry = ScheduledJobRegistry(queue=queue)
            for job_id in registry.get_job_ids():
                if _job_args(redis, job_id) == (run_id,):
                    registry.remove(job_id, delete_job=True)


# ---------------------------------------------------------------------------- 5 revoked access


def _revoke(books: Books) -> None:
    app = books.app
    answer = requests.post(
        f"{books.base_url}/sandbox/xero/identity/connect/revocation",
        auth=(app.config["XERO_CLIENT_ID"], app.config["XERO_CLIENT_SECRET"]),
        data={"token": _connection(books).credentials.refresh_token}, timeout=30,
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("token_expired", [True, False], ids=["expired", "still-valid"])
def test_revoked_access_asks_to_reconnect_and_fails_no_record(
    connected_books, worker_process, token_expired: bool
) -> None:
    books = connected_books()
    p = f"V{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Rev Oked {p}"), _invoice(f"{p}I1", f"{p}INV-1",
                                                                    f"{p}C1")])
    _revoke(books)
    if token_expired:
        _set_credentials(books, expires_at=time.time() - 60)
    worker_process()
    run = _send_and_wait(books)
    assert run["status"] == "failed", run
    assert "reconnect" in run["detail"], run
    connection = _connection(books)
    assert connection.status == "reconnect_needed"
    assert "Xero" in connection.status_detail
    assert Counter(t.state for t in books.transfers()) == {"pending": 2}
    assert _public(books, "customer", f"{p}C1")["explanation"] == ""


# ---------------------------------------------------------------------------- 6 uncertain sends


def test_uncertain_sends_are_looked_up_before_anything_is_resent(
    connected_books, worker_process
) -> None:
    from app.models import utcnow

    books = connected_books()
    p = f"U{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Una Certain {p}"),
                    _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1"),
                    _invoice(f"{p}I2", f"{p}INV-2", f"{p}C1", price=30.0)])
    worker_process()
    assert _send_and_wait(books)["status"] == "finished"
    sent_id = _transfer(books, "invoice", f"{p}I1").external_id
    assert sent_id
    expired = utcnow() - timedelta(minutes=1)
    # The worker died after Xero created INV-1 but before it recorded the answer.
    _update_transfer(books, "invoice", f"{p}I1", state="sending", lease_until=expired,
                     external_id=None, sent_at=None, sent_snapshot=None)
    # And another died after claiming INV-3 but before calling Xero.
    books.post_all([_invoice(f"{p}I3", f"{p}INV-3", f"{p}C1", price=40.0)])
    _update_transfer(books, "invoice", f"{p}I3", state="sending", lease_until=expired,
                     attempt_count=1, attempt_id="deadbeef")

    run = _send_and_wait(books)
    assert run["status"] == "finished", run
    found = _transfer(books, "invoice", f"{p}I1")
    assert found.state == "sent" and found.external_id == sent_id
    assert found.sent_snapshot, "what was sent is recorded, so later edits can be diffed"
    resent = _transfer(books, "invoice", f"{p}I3")
    assert resent.state == "sent" and resent.attempt_count == 2
    assert _invoice_numbers(books) == {f"{p}INV-1": 1, f"{p}INV-2": 1, f"{p}INV-3": 1}


# ---------------------------------------------------------------------------- 7 edits after send


def test_change_after_send_needs_a_manual_update_and_is_not_resent(
    connected_books, worker_process
) -> None:
    books = connected_books()
    p = f"E{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Ed Ited {p}"), _invoice(f"{p}I1", f"{p}INV-1",
                                                                   f"{p}C1")])
    worker_process()
    assert _send_and_wait(books)["status"] == "finished"
    books.post_all([_invoice(f"{p}I1", f"{p}INV-1", f"{p}C1", price=150.0)])
    transfer = _public(books, "invoice", f"{p}I1")
    assert transfer["state"] == "needs_manual_update"
    changes = {c["field"]: (c["old"], c["new"]) for c in transfer["changes"]}
    assert changes["lines[1].unit_price"] == ("100.00", "150.00")
    assert changes["total"] == ("120.00", "180.00")

    run = _send_and_wait(books)
    assert run["status"] == "finished" and run["sent"] == 0, run
    assert _public(books, "invoice", f"{p}I1")["state"] == "needs_manual_update"
    invoices = books.package_list("Invoices")
    assert [(i["InvoiceNumber"], i["Total"]) for i in invoices] == [(f"{p}INV-1", 120.0)]


# ---------------------------------------------------------------------------- 8 token refresh


def _expire_sandbox_access_token(books: Books, access_token: str) -> None:
    from sandboxes.kit import store as kit_store
    from sandboxes.kit.oauth import token_key
    from sandboxes.xero import store as store

    with _session(books):
        data = store.get_data(store.GLOBAL, "access_tokens", token_key(access_token))
        assert data is not None
        store.put(store.GLOBAL, "access_tokens", token_key(access_token), data | {"expires": 0})
        kit_store.commit()


def test_expired_access_token_is_refreshed_once_and_the_rotation_kept(
    connected_books, worker_process, app
) -> None:
    from sandboxes.kit.oauth import token_key
    from sandboxes.xero import store as store

    books = connected_books()
    p = f"T{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Toby Token {p}"), _invoice(f"{p}I1", f"{p}INV-1",
                                                                      f"{p}C1")])
    old = _connection(books).credentials
    _set_credentials(books, expires_at=time.time() - 60)
    _expire_sandbox_access_token(books, old.access_token)
    worker_process()
    with _refresh_calls(app) as calls:
        run = _send_and_wait(books)
        assert run["status"] == "finished" and run["sent"] == 2, run
        new = _connection(books).credentials
        assert calls == [old.refresh_token]
    assert new.access_token != old.access_token and new.refresh_token != old.refresh_token
    assert new.expires_at > time.time() + 600
    with _session(books):
        # The sandbox keeps only hashes of the tokens it issued.
        assert store.get_data(store.GLOBAL, "refresh_tokens", old.refresh_token) is None
        assert store.get_data(store.GLOBAL, "refresh_tokens",
                              token_key(old.refresh_token))["rotated_at"]
        kept = store.get_data(store.GLOBAL, "refresh_tokens", token_key(new.refresh_token))
        assert kept is not None and kept["rotated_at"] is None
    assert _invoice_numbers(books) == {f"{p}INV-1": 1}


def test_a_call_outside_a_run_follows_the_same_refresh_rule(connected_books, app) -> None:
    """with_package (mapping lists, linking) and the engine share tokens.OneForcedRefresh: a
    token that dies before its stated expiry earns one refresh, and the call goes through."""
    from app.extensions import db
    from app.models import Connection
    from app.sync.access import with_package

    books = connected_books()
    old = _connection(books).credentials
    assert old.expires_at > time.time() + 600  # we believe the token good for a while yet
    _expire_sandbox_access_token(books, old.access_token)
    with _refresh_calls(app) as calls, app.app_context():
        try:
            connection = db.session.get(Connection, books.connection_id)
            contacts = with_package(connection, lambda c: list(c.contacts()))
        finally:
            db.session.remove()
    new = _connection(books)
    assert calls == [old.refresh_token]
    assert isinstance(contacts, list)
    assert new.status == "connected"
    assert new.credentials.access_token != old.access_token


def test_concurrent_refreshes_of_one_connection_make_one_call(connected_books, app) -> None:
    from app.extensions import db
    from app.models import Connection
    from app.sync.tokens import fresh_credentials

    books = connected_books()
    old = _connection(books).credentials
    _set_credentials(books, expires_at=time.time() - 60)
    barrier = threading.Barrier(3)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def refresh() -> None:
        with app.app_context():
            try:
                connection = db.session.get(Connection, books.connection_id)
                barrier.wait(10)
                tokens.append(fresh_credentials(connection).access_token)
            except BaseException as exc:  # noqa: BLE001 (reported by the test thread)
                errors.append(exc)
            finally:
                db.session.remove()

    with _refresh_calls(app) as calls:
        threads = [threading.Thread(target=refresh) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors
    assert calls == [old.refresh_token]
    stored = _connection(books).credentials
    assert tokens == [stored.access_token] * 3
    assert stored.refresh_token != old.refresh_token


# ---------------------------------------------------------------------------- 9 cut-off date


def test_records_before_the_cutoff_date_are_never_sent(connected_books, worker_process) -> None:
    from app.models import Connection

    books = connected_books()
    p = f"D{books.company_id}-"
    with _session(books) as s:
        s.get(Connection, books.connection_id).cutoff_date = date(2026, 10, 10)
        s.commit()
    books.post_all([
        _customer(f"{p}C1", f"Dot Date {p}"),
        _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1", when="2026-10-01"),
        _invoice(f"{p}I2", f"{p}INV-2", f"{p}C1", when="2026-10-20"),
        _payment(f"{p}P1", f"{p}C1", f"{p}I1", 120.0, when="2026-10-25"),
    ])
    worker_process()
    run = _send_and_wait(books)
    assert run["status"] == "finished" and run["sent"] == 2, run
    old = _public(books, "invoice", f"{p}I1")
    assert old["state"] == "do_not_send"
    assert "01/10/2026" in old["explanation"] and "10/10/2026" in old["explanation"]
    assert _transfer(books, "invoice", f"{p}I1").attempt_count == 0
    payment = _public(books, "payment", f"{p}P1")
    # The invoice is already in the books: the payment waits for it to be found in Xero, and
    # is never told to send it (that would duplicate it).
    assert payment["state"] == "blocked" and "already in your books" in payment["explanation"]
    assert "after all" not in payment["explanation"]
    assert _invoice_numbers(books) == {f"{p}INV-2": 1}
    assert books.package_list("Payments") == []


# ---------------------------------------------------------------------------- 10 one run at once


def test_two_presses_at_once_share_one_run(connected_books, worker_process, app) -> None:
    from rq import Queue

    from app.models import Run
    from app.redis_conn import get_redis

    books = connected_books()
    p = f"W{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Wyn Twice {p}"), _invoice(f"{p}I1", f"{p}INV-1",
                                                                     f"{p}C1")])
    barrier = threading.Barrier(4)
    ids: list[int] = []

    def press() -> None:
        barrier.wait(10)
        ids.append(books.send()["id"])

    threads = [threading.Thread(target=press) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(ids) == 4 and len(set(ids)) == 1, ids
    with _session(books) as s:
        runs = s.execute(_select(Run).filter_by(connection_id=books.connection_id)).scalars()
        assert [r.id for r in runs] == ids[:1]
        queued = Queue(app.config["RQ_QUEUE"], connection=get_redis()).jobs
        assert [j.args for j in queued if j.args == (ids[0],)] == [(ids[0],)]
    worker_process()
    run = books.wait_for_run(ids[0], timeout=90)
    assert run["status"] == "finished" and run["sent"] == 2, run
    assert books.send()["id"] != ids[0]  # a press after the run ended starts a new one
    assert _invoice_numbers(books) == {f"{p}INV-1": 1}


# ---------------------------------------------------------------------------- probes


@pytest.mark.parametrize("uncertain", [
    pytest.param(False, id="pushing"),
    pytest.param(True, id="reconciling"),
])
def test_access_token_dying_before_its_stated_expiry_is_refreshed(
    connected_books, worker_process, app, uncertain: bool
) -> None:
    """Xero can drop an access token early; the engine refreshes once instead of asking the
    bookkeeper to reconnect, whether the first call is a push or a look-up."""
    from app.models import utcnow

    books = connected_books()
    p = f"X{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Xan Early {p}"), _invoice(f"{p}I1", f"{p}INV-1",
                                                                     f"{p}C1")])
    worker_process()
    assert _send_and_wait(books)["status"] == "finished"
    books.post_all([_invoice(f"{p}I2", f"{p}INV-2", f"{p}C1", price=10.0)])
    if uncertain:
        _update_transfer(books, "invoice", f"{p}I1", state="sending", external_id=None,
                         lease_until=utcnow() - timedelta(minutes=1))
    old = _connection(books).credentials
    _expire_sandbox_access_token(books, old.access_token)
    with _refresh_calls(app) as calls:
        run = _send_and_wait(books)
    assert run["status"] == "finished", run
    assert _connection(books).status == "connected"
    assert calls == [old.refresh_token]
    assert Counter(t.state for t in books.transfers()) == {"sent": 3}
    assert _invoice_numbers(books) == {f"{p}INV-1": 1, f"{p}INV-2": 1}


def test_run_counts_records_failed_by_preflight(connected_books, worker_process) -> None:
    books = connected_books()
    p = f"G{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Gil Count {p}"),
                    _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1", total=1.0)])
    worker_process()
    run = _send_and_wait(books)
    assert _public(books, "invoice", f"{p}I1")["state"] == "failed"
    assert (run["sent"], run["failed"], run["total"]) == (1, 1, 2), run
