"""KashFlow's session through the platform: a session token that died early (KashFlow's idle
hour, here shortened in its sandbox) is refused with a 401, the engine renews once by logging in
again with the stored login (app/sync/tokens.py OneForcedRefresh), and the run goes on; a
stored login KashFlow refuses stops the run and asks, in words, to reconnect."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.contract.kit import ConnectedOrg, connect_org
from tests.contract.words import raw_bits
from tests.fault_injection import FaultInjector


@pytest.fixture
def org(app: Any, live_url: str) -> Iterator[ConnectedOrg]:
    faults = FaultInjector(app.wsgi_app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "CALL_BUDGET_ENABLED", False)
        patch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
        yield connect_org(app, "kashflow", faults)


def _send_data(org: ConnectedOrg) -> tuple[str, str, str, set[str]]:
    """A customer posted through the inbound API, then a Send Data run as the worker does it:
    the run's status and detail, the connection's status, the transfers' states."""
    from app.extensions import db
    from app.models import Connection, Run, Transfer
    from app.sync.engine import execute_run
    from app.sync.runs import start_run

    record = org.records.contact()
    answer = requests.post(f"{org.config['BASE_URL']}/api/v1/customers", timeout=30,
                           headers={"Authorization": f"Bearer {org.api_key}"},
                           json={"source_id": record.reference, "name": record.name})
    assert answer.status_code in (200, 201), answer.text
    with org.app.app_context():
        run_id = start_run(db.session.get(Connection, org.connection_id), trigger="manual").id
        execute_run(run_id)
        db.session.remove()
    with org.app.app_context():
        run: Any = db.session.get(Run, run_id)
        connection: Any = db.session.get(Connection, org.connection_id)
        states = {t.state for t in db.session.execute(
            db.select(Transfer).filter_by(connection_id=org.connection_id)).scalars()}
        found = (run.status, run.detail or "", connection.status_detail or "", states)
        db.session.remove()
    return found


def test_a_session_that_went_idle_is_renewed_once_and_the_run_goes_on(
        org: ConnectedOrg, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    before = org.credentials.access_token
    monkeypatch.setitem(app.config, "KASHFLOW_SANDBOX_IDLE_SECONDS", "1")
    time.sleep(2.5)  # the stored session token dies in the sandbox; ours says 55 minutes
    status, detail, _, states = _send_data(org)
    assert status == "finished", detail
    assert states == {"sent"}, states
    assert org.credentials.access_token != before  # logged in again, and stored


def test_a_changed_password_stops_the_run_asking_to_reconnect_in_words(
        org: ConnectedOrg) -> None:
    username = org.credentials.extra["username"]
    answer = requests.post(
        f"{org.config['BASE_URL']}/sandbox/kashflow/sandbox/users/{username}/password",
        json={"Password": "changed-elsewhere"}, timeout=30)
    assert answer.status_code == 200, answer.text
    status, detail, why, states = _send_data(org)
    assert status == "failed" and "reconnect" in detail.lower(), detail
    assert "refused the stored password: reconnect KashFlow with the current one" in why
    assert raw_bits(why, ["KashFlow"]) == [], why
    assert states and "sent" not in states, states
