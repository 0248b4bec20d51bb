"""QuickBooks Desktop through the Web Connector, end to end: our /qbwc service served over real
HTTP with the QuickBooks Desktop company simulator beside it, driven by the simulated Web
Connector (a real zeep client) exactly as Intuit's drives it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.conftest import SHARED

QBD = "quickbooks_desktop"
SPECS = SHARED / "specs" / "quickbooks-desktop"


@dataclass
class Server:
    app: Any
    url: str
    # Every SOAP exchange at /qbwc: (request body, status, response body), for the spec checks.
    exchanges: list[tuple[bytes, int, bytes]] = field(default_factory=list)


def _recording(server: Server, wsgi: Any) -> Any:
    """The app, with each /qbwc POST's bodies kept (a WSGI middleware: nothing of the app's
    own handling changes)."""
    import io

    def app(environ: dict, start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/qbwc" or environ.get("REQUEST_METHOD") != "POST":
            return wsgi(environ, start_response)
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size)
        environ["wsgi.input"] = io.BytesIO(body)
        seen: dict[str, int] = {}

        def start(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        answer = b"".join(wsgi(environ, start))
        server.exchanges.append((body, seen.get("status", 0), answer))
        return [answer]

    return app


@pytest.fixture(scope="session")
def qbd_server(app, live_url) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """The app over HTTP, its /qbwc exchanges recorded (QuickBooks Desktop's simulator and
    specs are set up by tests/conftest.py, as every registered package's)."""
    if not (SPECS / "qbxmlops130.xsd").exists():
        pytest.skip("../shared/specs/quickbooks-desktop is not beside the project")
    found = Server(app, live_url)
    app.wsgi_app = _recording(found, app.wsgi_app)
    yield found


@dataclass
class Desktop:
    """One company connected to its own simulated QuickBooks Desktop company file."""

    server: Server
    company_id: int
    api_key: str
    connection_id: int
    username: str
    password: str
    sandbox_company: str

    @property
    def qbwc_url(self) -> str:
        return f"{self.server.url}/qbwc"

    def post_all(self, payloads: list[tuple[str, dict]]) -> None:
        for path, body in payloads:
            answer = requests.post(f"{self.server.url}/api/v1/{path}", json=body, timeout=30,
                                   headers={"Authorization": f"Bearer {self.api_key}"})
            assert answer.status_code in (200, 201), (path, answer.status_code, answer.text)

    def session(self, **kwargs: Any) -> Any:
        """One Web Connector session against the simulated company file."""
        from sandboxes.quickbooks_desktop.wc_company import company_processor
        from sandboxes.quickbooks_desktop.web_connector import run_session

        process = company_processor(self.server.url, self.sandbox_company)
        return run_session(self.qbwc_url, self.username, self.password, process, **kwargs)

    def sessions_until_idle(self, most: int = 20) -> list[Any]:
        """Sessions until the service says there is nothing to do (what a scheduled Web
        Connector would run, one after another)."""
        reports = []
        for _ in range(most):
            report = self.session()
            reports.append(report)
            assert report.auth_status != "nvu", report
            if report.auth_status == "none":
                return reports
        raise AssertionError(f"still work after {most} sessions: {reports[-1]}")

    def expire_leases(self) -> int:
        """What is out with the Web Connector outlives its lease (the clock moved on)."""
        with self.server.app.app_context():
            from datetime import timedelta

            from app.extensions import db
            from app.models import Transfer, utcnow

            rows = db.session.execute(db.select(Transfer).filter_by(
                connection_id=self.connection_id, state="sending")).scalars().all()
            for t in rows:
                if t.lease_until is not None:
                    t.lease_until = utcnow() - timedelta(seconds=1)
            db.session.commit()
            db.session.remove()
            return len(rows)

    def expire_tickets(self) -> None:
        """Every open session of this connection outlives its ticket."""
        with self.server.app.app_context():
            from datetime import timedelta

            from app.extensions import db
            from app.models import PullSession, utcnow

            for row in db.session.execute(db.select(PullSession).filter_by(
                    connection_id=self.connection_id)).scalars():
                row.expires_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
            db.session.remove()

    def books(self) -> dict[str, Any]:
        answer = requests.get(f"{self.server.url}/sandbox/quickbooks_desktop/companies/"
                              f"{self.sandbox_company}/books", timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def transfers(self) -> list[Any]:
        with self.server.app.app_context():
            from app.extensions import db
            from app.models import Transfer

            rows = db.session.execute(db.select(Transfer).filter_by(
                connection_id=self.connection_id)).scalars().all()
            db.session.expunge_all()
            db.session.remove()
            return list(rows)


@pytest.fixture
def desktop(qbd_server, make_company):  # type: ignore[no-untyped-def]
    def _make(schedule: str = "automatic") -> Desktop:
        made = make_company()
        with qbd_server.app.app_context():
            from app.demo import connect_sandbox
            from app.extensions import db

            connection = connect_sandbox(QBD, made.company_id, f"Co {uuid.uuid4().hex[:8]}")
            connection.schedule = schedule
            connection.sending_started = True
            db.session.commit()
            extra = connection.credentials.extra
            found = Desktop(qbd_server, made.company_id, made.api_key, connection.id,
                            extra["sandbox_username"], extra["sandbox_password"],
                            extra["sandbox_company_id"])
            db.session.remove()
        return found

    return _make
