"""A fault of ours in the middle of a run (a bug, a value our database refuses) ends the run in
words instead of leaving it "running" for the sweep to retry for ever; nothing sent is sent
twice once the fault is gone. Real engine, real QuickBooks Online sandbox over HTTP."""

from __future__ import annotations

from collections import Counter

import pytest

import connectors
from tests.connectors.test_penny_difference import _run_here, _transfer
from tests.connectors.test_qbo_create_item import _qbo_query
from tests.sync.conftest import connected_books  # noqa: F401  (fixture used here)


@pytest.fixture
def faulty(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(connectors._REGISTRY, "qbo_unstorable_id",
                        "tests.sync.faulty_packages:UnstorableIdQbo")


def _set_package(app, connection_id: int, package: str) -> None:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.models import Connection

    with app.app_context():
        db.session.get(Connection, connection_id).package = package
        db.session.commit()
        db.session.remove()


def _expire_claims(app, connection_id: int) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from app.extensions import db
    from app.models import Transfer, utcnow

    with app.app_context():
        for t in db.session.execute(db.select(Transfer).filter_by(
                connection_id=connection_id, state="sending")).scalars():
            t.lease_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()


def test_an_error_of_ours_fails_the_run_in_words_and_the_next_run_sends_once(
        app, connected_books, faulty) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    books = connected_books(package="quickbooks_online")
    _set_package(app, books.connection_id, "qbo_unstorable_id")
    p = f"E{books.company_id}-"
    books.post_all([
        ("customers", {"source_id": f"{p}C1", "name": f"Fault Heating {p}"}),
        ("invoices", {"source_id": f"{p}I1", "number": f"{p}INV-1", "customer_source_id":
                      f"{p}C1", "date": "2026-10-15", "amounts_are": "exclusive",
                      "lines": [{"description": "Boiler service", "quantity": 1,
                                 "unit_price": 85.00, "account": "sales",
                                 "tax_rate": "standard"}]}),
    ])
    run = _run_here(app, books)
    assert run["status"] == "failed", run
    assert "error of its own" in run["detail"], run
    assert "Press Send Data" in run["detail"]
    assert _transfer(app, books, "customer").state == "sent"  # what went before is kept
    assert _transfer(app, books, "invoice").state != "sent"

    # The invoice did reach QuickBooks; once the fault is gone it is found there, not resent
    # (its claim runs out first, as a crashed worker's would).
    _set_package(app, books.connection_id, "quickbooks_online")
    _expire_claims(app, books.connection_id)
    again = _run_here(app, books)
    assert again["status"] == "finished", again
    assert _transfer(app, books, "invoice").state == "sent"
    in_qbo = _qbo_query(app, books.connection_id, "select * from Invoice")["Invoice"]
    assert Counter(i["DocNumber"] for i in in_qbo) == {f"{p}INV-1": 1}
    customers = _qbo_query(app, books.connection_id, "select * from Customer")["Customer"]
    assert Counter(c["DisplayName"] for c in customers)[f"Fault Heating {p}"] == 1


def test_a_stop_of_the_worker_is_no_error_of_ours(app, connected_books, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """SIGTERM reaches the worker as RQ's StopRequested (an Exception) when no job is marked
    running: the run must stay open for the next worker, never end "failed"."""
    from rq.exceptions import StopRequested

    from app.sync.engine import execute_run

    monkeypatch.setitem(connectors._REGISTRY, "qbo_stopped_while_starting",
                        "tests.sync.faulty_packages:StoppedWhileStartingQbo")
    books = connected_books(package="quickbooks_online")
    _set_package(app, books.connection_id, "qbo_stopped_while_starting")
    run_id = books.send()["id"]
    with app.app_context():
        from rq import Queue

        from app.redis_conn import get_redis

        Queue(app.config["RQ_QUEUE"], connection=get_redis()).empty()
        with pytest.raises(StopRequested):
            execute_run(run_id)
    assert books.get(f"runs/{run_id}")["status"] == "running"
