"""A desktop connection's runs and health: Send Data means "ready for the next check-in" and
the run's counts follow the answers; the sweep never pushes to it; the dashboard shows the last
contact and version, and the digest says when the Web Connector has gone silent."""

from __future__ import annotations

from datetime import timedelta

import requests

from app.demo_records import generate
from tests.webconnector.conftest import Desktop


def _api(books: Desktop, method: str, path: str) -> requests.Response:
    return requests.request(method, f"{books.server.url}/api/v1/{path}", timeout=30,
                            headers={"Authorization": f"Bearer {books.api_key}"})


def test_send_data_is_ready_for_the_next_check_in_and_counts_follow_the_answers(desktop) -> None:  # type: ignore[no-untyped-def]
    books = desktop(schedule="manual")
    books.post_all(generate(customers=3, invoices=4, payments=2, credit_notes=1, prefix=""))
    # On a manual schedule nothing goes until Send Data: the session has only the lists to do.
    first = books.session()
    assert first.completed and len(first.requests) == 1, first
    assert books.session().auth_status == "none"
    run = _api(books, "POST", f"connections/{books.connection_id}/send").json()
    assert run["status"] == "waiting", run
    assert "next time it checks in" in _api(books, "GET", f"runs/{run['id']}").json()["detail"]
    books.sessions_until_idle()
    done = _api(books, "GET", f"runs/{run['id']}").json()
    assert done["status"] == "finished", done
    assert done["sent"] == 10 and done["failed"] == 0, done


def test_the_sweep_never_starts_a_push_run_for_a_desktop_connection(desktop) -> None:  # type: ignore[no-untyped-def]
    books = desktop()
    books.post_all(generate(customers=2, invoices=1, payments=0, credit_notes=0, prefix=""))
    with books.server.app.app_context():
        from app.extensions import db
        from app.models import Connection, Run, Transfer, utcnow
        from app.sync.plan import ensure_transfers
        from app.sync.sweep import recover, start_due_runs

        connection = db.session.get(Connection, books.connection_id)
        connection.next_run_at = utcnow() - timedelta(hours=1)
        ensure_transfers(connection)
        # A hand-out whose lease ran out: for a push package the sweep would settle it.
        row = db.session.execute(db.select(Transfer).filter_by(
            connection_id=books.connection_id)).scalars().first()
        row.state, row.lease_until = "sending", utcnow() - timedelta(minutes=5)
        db.session.commit()
        start_due_runs()
        recover()
        runs = db.session.execute(db.select(Run).filter_by(
            connection_id=books.connection_id)).scalars().all()
        assert runs == []
        db.session.remove()
    # The next session checks the lost hand-out first, then sends everything once.
    books.sessions_until_idle()
    assert {t.state for t in books.transfers()} == {"sent"}


def test_the_dashboard_shows_the_last_check_in_and_the_digest_a_silence(desktop, client) -> None:  # type: ignore[no-untyped-def]
    books = desktop()
    books.sessions_until_idle()
    with books.server.app.app_context():
        from app.extensions import db
        from app.models import Company, PullClient, utcnow
        from app.sync.digest import build_digest
        from app.sync.pull_health import health_of, silent_connections

        client_row = db.session.execute(db.select(PullClient).filter_by(
            connection_id=books.connection_id)).scalar_one()
        assert client_row.client_version == "2.3.0.215"  # from clientVersion, before sign-in
        assert client_row.last_contact_at is not None and client_row.last_error == ""
        from app.models import Connection

        health = health_of(db.session.get(Connection, books.connection_id))
        assert health is not None and not health.silent
        assert build_digest(db.session.get(Company, books.company_id), 10**9) is None
        # Three hours of silence, on an hourly schedule.
        client_row.last_contact_at = utcnow() - timedelta(hours=3)
        db.session.commit()
        assert [h.connection_id for h in silent_connections(books.company_id)] == [
            books.connection_id]
        digest = build_digest(db.session.get(Company, books.company_id), 10**9)
        assert digest is not None and digest.total == 0
        assert digest.silent and digest.silent[0].startswith(
            "QuickBooks Desktop has not checked in since"), digest.silent
        assert "has not checked in" in digest.subject
        db.session.remove()


def test_records_wait_for_the_lists_until_the_web_connector_sends_them(
        qbd_server, make_company) -> None:  # type: ignore[no-untyped-def]
    """A connection made in the wizard has no mapping and no lists: its records say they wait
    for QuickBooks Desktop's lists, not for a mapping nobody can make yet."""
    made = make_company()
    with qbd_server.app.app_context():
        from app.extensions import db
        from app.models import Connection, Transfer
        from app.sync.canonical import Chart
        from app.sync.plan import plan_kind
        from app.webconnector.setup import set_up

        connection = set_up(made.company_id, "quickbooks_desktop").connection
        connection_id = connection.id
        db.session.remove()
    books = Desktop(qbd_server, made.company_id, made.api_key, connection_id, "", "", "")
    books.post_all(generate(customers=1, invoices=1, payments=0, credit_notes=0, prefix=""))
    with qbd_server.app.app_context():
        connection = db.session.get(Connection, connection_id)
        from app.sync.plan import ensure_transfers

        ensure_transfers(connection)
        # Its customer is in QuickBooks already (customers need no mapping).
        customer = db.session.execute(db.select(Transfer).filter_by(
            connection_id=connection_id, record_type="customer")).scalar_one()
        customer.state, customer.external_id = "sent", "80000001-1234567890"
        db.session.commit()
        plan_kind(connection, "invoice", Chart.load(connection.company_id, connection.id),
                  "QuickBooks Desktop")
        invoice = db.session.execute(db.select(Transfer).filter_by(
            connection_id=connection_id, record_type="invoice")).scalar_one()
        assert invoice.state == "failed" and invoice.reason == "unmapped_account"
        assert invoice.explanation.startswith("Waiting for QuickBooks Desktop's lists")
        assert "the Web Connector" in invoice.fix_hint
        db.session.remove()
