"""A new connection sends nothing on its schedule until someone has seen the preview and
pressed Start sending; each run is then listed in the connection's run history with its
trigger, counts and records. The app's pages, the inbound API, a real RQ worker, the sweep
the scheduler runs and the Xero sandbox over HTTP."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest

from tests.sync.conftest import Books
from tests.sync.test_engine_scenarios import (
    _customer,
    _invoice,
    _invoice_numbers,
    _payment,
    _session,
    _transfer,
    _update_transfer,
)
from tests.ui import page_token, sign_in


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def new_connection(app, live_url, make_company, client):  # type: ignore[no-untyped-def]
    """Connected as the wizard leaves it (automatic chosen, not started), admin signed in."""
    from sqlalchemy import select

    made = make_company()
    with app.app_context():
        from app.demo import connect_sandbox
        from app.extensions import db
        from app.models import Account, AccountMapping

        connection = connect_sandbox("xero", made.company_id, f"Org {uuid.uuid4().hex[:8]}")
        connection.schedule = "automatic"
        connection.sending_started = False
        connection.cutoff_date = date(2026, 10, 10)
        account = db.session.execute(select(Account).filter_by(
            company_id=made.company_id, key="callout_fees")).scalar_one()
        db.session.execute(AccountMapping.__table__.delete().where(
            AccountMapping.connection_id == connection.id,
            AccountMapping.account_id == account.id))
        db.session.commit()
        connection_id = connection.id
        db.session.remove()
    sign_in(client, made.email, made.password)
    return Books(app, live_url, made.company_id, made.api_key, connection_id), client


def _runs(books: Books) -> list:
    from app.models import Run

    with _session(books) as s:
        runs = s.execute(s.query(Run).filter_by(connection_id=books.connection_id)
                         .order_by(Run.id).statement).scalars().all()
        s.expunge_all()
        return list(runs)


def _sweep(books: Books) -> int:  # other tests' connections may be due too
    from app.sync.sweep import start_due_runs

    with _session(books):
        return start_due_runs()


def test_nothing_goes_on_schedule_until_start_sending_and_runs_are_listed(
    new_connection, worker_process
) -> None:
    books, client = new_connection
    p = f"S{books.company_id}-"
    books.post_all([
        _customer(f"{p}C1", f"Ann Able {p}"),
        _customer(f"{p}C2", f"Bob Baker {p}"),
        _invoice(f"{p}I1", f"{p}INV-1", f"{p}C1"),
        _invoice(f"{p}I2", f"{p}INV-2", f"{p}C2", account="callout_fees"),  # not mapped
        _invoice(f"{p}I3", f"{p}INV-3", f"{p}C1", when="2026-10-01"),  # before the cut-off
        _payment(f"{p}P1", f"{p}C1", f"{p}I1", 120.0),
    ])
    worker_process()
    # The scheduler's sweep finds the connection due (automatic, never run) but leaves it.
    _sweep(books)
    assert _runs(books) == []

    dashboard = _text(client.get("/").get_data(as_text=True))
    assert "Not sending on its schedule yet" in dashboard
    preview = client.get(f"/connections/{books.connection_id}/preview").get_data(as_text=True)
    words = _text(preview)
    assert "nothing goes on the schedule until you press Start sending" in words
    assert re.search(r"Customers 2 0 0 0 ", words), words
    assert re.search(r"Invoices 1 1 1 0 ", words), words
    assert re.search(r"Payments 1 0 0 0 ", words), words
    assert f"Invoice {p}INV-2" in words and "Call-out fees" in words and "not mapped" in words
    assert "1 record is dated before the cut-off date (10/10/2026)" in words
    assert _runs(books) == [] and _invoice_numbers(books) == {}

    started = client.post(f"/connections/{books.connection_id}/start",
                          data={"csrf_token": page_token(
                              client, f"/connections/{books.connection_id}/preview")})
    assert started.status_code == 303 and "/runs/" in started.headers["Location"]
    [run] = _runs(books)
    assert run.trigger == "manual"
    done = books.wait_for_run(run.id, timeout=90)
    assert done["status"] == "finished" and done["sent"] == 4, done
    assert _invoice_numbers(books) == {f"{p}INV-1": 1}

    # The run history, linked from the dashboard's connection card.
    dashboard = client.get("/").get_data(as_text=True)
    assert f'href="/connections/{books.connection_id}/runs"' in dashboard
    assert "Not sending on its schedule yet" not in dashboard
    history = _text(client.get(f"/connections/{books.connection_id}/runs")
                    .get_data(as_text=True))
    assert re.search(r"Send Data Finished 4 1 \d+ \d+ s", history), history

    # A Retry is listed too, with what it was asked to send.
    _update_transfer(books, "invoice", f"{p}I2", state="failed", reason="validation")
    tid = _transfer(books, "invoice", f"{p}I2").id
    client.post(f"/records/{tid}/retry",
                data={"csrf_token": page_token(client, f"/records/{tid}")})
    retry_run = _runs(books)[-1]
    assert retry_run.trigger == "retry"
    books.wait_for_run(retry_run.id, timeout=90)
    history = _text(client.get(f"/connections/{books.connection_id}/runs")
                    .get_data(as_text=True))
    assert history.index("Retry") < history.index("Send Data")  # newest first

    one = _text(client.get(f"/runs/{run.id}").get_data(as_text=True))
    for name in (f"Customer Ann Able {p}", f"Customer Bob Baker {p}", f"Invoice {p}INV-1",
                 f"Payment Card {p}P1"):
        assert f"{name} Sent" in one, (name, one)
    assert f"Invoice {p}INV-2 Stopped by our checks before sending Failed" in one
    assert f"{p}INV-3" not in one  # before the cut-off: not part of any run
    retried = _text(client.get(f"/runs/{retry_run.id}").get_data(as_text=True))
    assert f"Sending invoice {p}INV-2." in retried
    progress = _text(client.get(f"/runs/{retry_run.id}/progress").get_data(as_text=True))
    assert "(retry)" in progress and f"Sending invoice {p}INV-2." in progress

    # Another company cannot read them.
    other = client.get("/runs/999999")
    assert other.status_code == 404


def test_wizard_connection_waits_for_start_and_counts_records_sent_before_it(
    app, live_url, make_company
) -> None:
    from app.extensions import db
    from app.models import Connection, Transfer
    from tests.connections import answer_consent, callback, org_name, signed_in, start

    made = make_company()
    client = signed_in(app, made)
    for path, body in (_customer("W-C1", "Early Bird Ltd"), _invoice("W-I1", "W-INV-1", "W-C1")):
        answer = client.post(f"/api/v1/{path}", json=body,
                             headers={"Authorization": f"Bearer {made.api_key}"})
        assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    callback(client, answer_consent(start(client), organisation=org_name("Early")))
    with app.app_context():
        conn = db.session.execute(db.select(Connection).filter_by(
            company_id=made.company_id)).scalar_one()
        states = sorted((t.record_type, t.state) for t in db.session.execute(
            db.select(Transfer).filter_by(connection_id=conn.id)).scalars())
        assert conn.sending_started is False
        db.session.remove()
    # Counted as waiting straight away, though nothing goes until Start sending.
    assert states == [("customer", "pending"), ("invoice", "pending")]
