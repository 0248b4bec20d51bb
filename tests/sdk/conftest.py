"""Fixtures for running the packages' own client libraries against our sandboxes: a company
connected to a fresh sandbox tenant through the real OAuth code path (app.demo.connect_sandbox),
and the same with a few records pushed through the real engine by a real RQ worker."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app.demo_records import generate
from tests.sync.conftest import Books, connected_books  # noqa: F401 - fixture


@dataclass
class Tenant:
    """A sandbox tenant our app is connected to, and what a third-party client needs to reach
    it: the app's settings (base URLs, client id and secret) and the connection's tokens."""

    config: dict[str, Any]
    creds: Any  # connectors.base.Credentials
    connection_id: int


def connection_tenant(app: Any, connection_id: int) -> Tenant:
    with app.app_context():
        from app.extensions import db
        from app.models import Connection
        from app.sync.tokens import fresh_credentials

        creds = fresh_credentials(db.session.get(Connection, connection_id))
        db.session.remove()
    return Tenant(dict(app.config), creds, connection_id)


@pytest.fixture
def sandbox_tenant(app, live_url, make_company) -> Callable[[str], Tenant]:  # type: ignore[no-untyped-def]
    """A new company connected to a new, empty sandbox tenant of `package`."""

    def _make(package: str) -> Tenant:
        made = make_company()
        with app.app_context():
            from app.demo import connect_sandbox
            from app.extensions import db

            connection_id = connect_sandbox(package, made.company_id,
                                            f"SDK {uuid.uuid4().hex[:8]}").id
            db.session.remove()
        return connection_tenant(app, connection_id)

    return _make


@pytest.fixture
def pushed_books(app, connected_books, worker_process) -> Callable[..., tuple[Books, list]]:  # type: ignore[no-untyped-def]  # noqa: F811
    """A company's records sent to a fresh sandbox tenant by Send Data (inbound API, a real RQ
    worker, the package's connector), returned with the payloads that were posted."""

    def _push(package: str, **mix: int) -> tuple[Books, list]:
        books = connected_books(package=package)
        payloads = generate(prefix=f"S{books.company_id}-", seed=5, **mix)
        books.post_all(payloads)
        worker_process()
        run = books.wait_for_run(books.send()["id"])
        assert (run["status"], run["failed"], run["blocked"]) == ("finished", 0, 0), run
        return books, payloads

    return _push
