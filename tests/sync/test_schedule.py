"""The two-hourly schedule: the cron tick starts runs for automatic connections that are due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.sync.conftest import PACKAGES


@pytest.mark.parametrize("package", PACKAGES)
def test_cron_tick_starts_due_automatic_runs_only(package, app, connected_books,  # type: ignore[no-untyped-def]
                                                  worker_process) -> None:
    auto = connected_books(schedule="automatic", package=package)
    manual = connected_books(schedule="manual", package=package)
    for books in (auto, manual):
        books.post_all([("customers", {"source_id": "S1", "name": f"Sched {books.company_id}"})])
    with app.app_context():
        from app.extensions import db
        from app.jobs import cron_tick
        from app.models import Connection, Run, utcnow
        from app.sync.runs import active_run

        cron_tick()
        run = active_run(auto.connection_id)
        assert run is not None and run.trigger == "schedule"
        run_id = run.id
        assert active_run(manual.connection_id) is None
        auto_conn = db.session.get(Connection, auto.connection_id)
        assert auto_conn.next_run_at > utcnow() + timedelta(seconds=7000)
        # Not due again until the interval has passed: a second tick starts nothing new.
        cron_tick()
        runs = db.session.execute(
            db.select(Run).filter_by(connection_id=auto.connection_id)).scalars().all()
        assert len(runs) == 1
        db.session.remove()
    worker_process()
    finished = auto.wait_for_run(run_id)
    assert finished["status"] == "finished" and finished["sent"] == 1
    assert [t.state for t in manual.transfers()] == ["pending"]
