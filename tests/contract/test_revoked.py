"""Access withdrawn at the package (its revoke endpoint, as on disconnecting elsewhere): every
send is AuthLost, every list call raises AuthLostError, and a Send Data run stops and says, in
words, to reconnect."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from connectors.base import RECORD_KINDS, AuthLost, AuthLostError, Record
from connectors.capabilities import OAuth2Auth
from tests.contract.held import record_of_kind
from tests.contract.kit import ConnectedOrg
from tests.contract.parts import sandbox_hook
from tests.contract.words import raw_bits


def revoke_at_the_package(org: ConnectedOrg) -> None:
    """Through the package's revoke endpoint: OAuth 2 packages' own (OAuth2Auth.revoke); a
    package signed into otherwise says how in its hook (`revoke(config, credentials)`)."""
    how = getattr(sandbox_hook(org.key), "revoke", None)
    if how is None:
        assert issubclass(org.cls, OAuth2Auth), (
            f"sandboxes/{org.key}/contract.py: revoke(config, credentials) (how access is "
            "withdrawn at the package: it is not signed into with OAuth 2)")
        how = org.cls.revoke
    how(org.config, org.credentials)


@pytest.fixture(scope="module")
def revoked(org: ConnectedOrg) -> dict[str, Record]:
    """The organisation once access is withdrawn, with a record of each kind made ready
    before (what each needs in the package is there), and one customer waiting in our
    database for Send Data."""
    records = {kind: record_of_kind(org, kind)[0] for kind in RECORD_KINDS}
    waiting = org.records.contact()
    answer = requests.post(
        f"{org.config['BASE_URL']}/api/v1/customers", timeout=30,
        headers={"Authorization": f"Bearer {org.api_key}"},
        json={"source_id": waiting.reference, "name": waiting.name})
    assert answer.status_code in (200, 201), answer.text
    revoke_at_the_package(org)
    return records


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_every_send_is_auth_lost(org: ConnectedOrg, revoked: dict[str, Record],
                                 kind: str) -> None:
    outcome = org.push_one(revoked[kind])
    assert isinstance(outcome, AuthLost), outcome


def test_every_list_call_raises_auth_lost(org: ConnectedOrg, revoked: dict[str, Record]) -> None:
    with org.connector() as connector:
        for read in (connector.accounts, connector.tax_rates, lambda: list(connector.contacts())):
            with pytest.raises(AuthLostError):
                read()


def test_send_data_stops_and_says_reconnect(org: ConnectedOrg, revoked: dict[str, Record],
                                            ) -> None:
    from app.extensions import db
    from app.models import Connection, Run, Transfer
    from app.models.connection import RECONNECT_NEEDED
    from app.sync.engine import execute_run
    from app.sync.runs import start_run

    with org.app.app_context():
        run_id = start_run(db.session.get(Connection, org.connection_id), trigger="manual").id
        execute_run(run_id)  # what the worker does with the job
        db.session.remove()
    with org.app.app_context():
        run: Any = db.session.get(Run, run_id)
        connection: Any = db.session.get(Connection, org.connection_id)
        states = {t.state for t in db.session.execute(
            db.select(Transfer).filter_by(connection_id=org.connection_id)).scalars()}
        status, detail, connection_status = run.status, run.detail, connection.status
        db.session.remove()
    assert status == "failed"
    assert connection_status == RECONNECT_NEEDED
    assert org.cls.title in detail and "reconnect" in detail.lower(), detail
    assert raw_bits(detail, [org.cls.title]) == []
    assert states and not states & {"sent", "failed"}, states  # it waits for the reconnection
