"""Fixtures for end-to-end runs: a company connected to a package's sandbox (Xero or QuickBooks
Online) through the real OAuth code path, the inbound API over HTTP, real RQ workers, and
read-back through the package's own API (tests/sync/readback.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from connectors import package_keys, package_module

PACKAGES = tuple(package_keys("push"))


@dataclass
class Books:
    """One company connected to its own sandbox organisation (Xero) or company (QBO)."""

    app: Any
    base_url: str
    company_id: int
    api_key: str
    connection_id: int
    package: str = ""  # informational; read-back uses the connection's own package

    # ---- the job system's side
    def post(self, path: str, body: dict) -> requests.Response:
        return requests.post(
            f"{self.base_url}/api/v1/{path}", json=body, timeout=30,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )

    def post_all(self, payloads: list[tuple[str, dict]]) -> None:
        for path, body in payloads:
            answer = self.post(path, body)
            assert answer.status_code in (200, 201), (path, answer.status_code, answer.text)

    def get(self, path: str) -> dict:
        answer = requests.get(
            f"{self.base_url}/api/v1/{path}", timeout=30,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def send(self) -> dict:
        answer = requests.post(
            f"{self.base_url}/api/v1/connections/{self.connection_id}/send", timeout=30,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )
        assert answer.status_code == 202, answer.text
        return answer.json()

    def wait_for_run(self, run_id: int, timeout: float = 240) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.get(f"runs/{run_id}")
            if run["status"] in ("finished", "failed"):
                return run
            time.sleep(0.5)
        raise AssertionError(f"run {run_id} did not finish: {run}")

    # ---- the package's side, read through its own API (connectors/<key>/readback.py)
    def _readback(self) -> tuple[Any, dict[str, Any], Any]:
        with self.app.app_context():
            from app.extensions import db
            from app.models import Connection
            from app.sync.tokens import fresh_credentials

            connection = db.session.get(Connection, self.connection_id)
            package, creds = connection.package, fresh_credentials(connection)
            config = dict(self.app.config)
            db.session.remove()
        return package_module(package, "readback"), config, creds

    def package_api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call to the package's own API in its sandbox, as any client of it would make."""
        readback, config, creds = self._readback()
        return readback.api_request(config, creds, method, path, **kwargs)

    def package_list(self, collection: str) -> list[dict]:
        """Every item of one of the package's collections, read through its own API."""
        readback, config, creds = self._readback()
        return readback.list_all(config, creds, collection)

    def package_books(self, names: dict[str, str] | None = None) -> Any:
        """Everything in the package, read through its own API (readback.PackageBooks);
        `names` maps our customers' names to source ids for packages that key customers by
        name."""
        from tests.sync.readback import read_books

        return read_books(self.app, self.base_url, self.connection_id, names)

    def transfers(self) -> list[Any]:
        with self.app.app_context():
            from app.extensions import db
            from app.models import Transfer

            rows = db.session.execute(
                db.select(Transfer).filter_by(connection_id=self.connection_id)
            ).scalars().all()
            db.session.expunge_all()
            return list(rows)


@pytest.fixture
def connected_books(app, live_url, make_company) -> Callable[..., Books]:  # type: ignore[no-untyped-def]
    def _make(schedule: str = "manual", package: str = PACKAGES[0]) -> Books:
        made = make_company()
        with app.app_context():
            from app.demo import connect_sandbox
            from app.extensions import db

            name = f"Org {uuid.uuid4().hex[:8]}"
            connection = connect_sandbox(package, made.company_id, name)
            connection.schedule = schedule
            db.session.commit()
            connection_id = connection.id
            db.session.remove()
        return Books(app, live_url, made.company_id, made.api_key, connection_id, package)

    return _make
