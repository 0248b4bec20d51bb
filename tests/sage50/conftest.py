"""Sage 50 through the Ledgerlink agent, end to end: the app over real HTTP (the agent API and
the Sage 50 simulator beside it), the agent program (agent/) driving the simulated Sage Data
Objects exactly as it drives the real COM objects on a PC with Sage 50."""

from __future__ import annotations

import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
AGENT_DIR = ROOT / "agent"
if str(AGENT_DIR) not in sys.path:
    sys.path.insert(0, str(AGENT_DIR))

SAGE50 = "sage50"
ENGINE = "sandboxes.sage50.sdo:SDOEngine"
SMALL = {"customers": 6, "invoices": 14, "payments": 6, "credit_notes": 3}


def money(value: object) -> Decimal:
    return Decimal(str(value or "0"))


@dataclass
class Office:
    """One company connected to its own simulated Sage 50 company."""

    app: Any
    url: str
    company_id: int
    api_key: str
    connection_id: int
    token: str
    sage: dict[str, str]  # company_id, data_path, username, password of the simulated company

    def post_all(self, payloads: list[tuple[str, dict]]) -> None:
        for path, body in payloads:
            answer = requests.post(f"{self.url}/api/v1/{path}", json=body, timeout=30,
                                   headers={"Authorization": f"Bearer {self.api_key}"})
            assert answer.status_code in (200, 201), (path, answer.status_code, answer.text)

    def writer(self) -> Any:
        from ledgerlink_agent.writers.sdo import SdoWriter

        return SdoWriter(self.sage["data_path"], self.sage["username"], self.sage["password"],
                         ENGINE)

    def agent(self, journal: Path, writer: Any = None, url: str | None = None,
              **options: Any) -> Any:
        """The agent as one install runs it: its own journal, the SDO writer by default."""
        from ledgerlink_agent.api import AgentApi
        from ledgerlink_agent.backoff import Backoff
        from ledgerlink_agent.journal import Journal
        from ledgerlink_agent.loop import AgentLoop

        api = AgentApi(url or self.url, self.token, timeout=20)
        return AgentLoop(api, writer or self.writer(), Journal(journal),
                         backoff=Backoff(base=0.01, cap=0.05), **options)

    def config_file(self, folder: Path, writer: str = "sdo", url: str | None = None) -> Path:
        """The agent's config file, as the wizard gives it, filled in for the simulator."""
        path = folder / "ledgerlink-agent.toml"
        path.write_text(
            f'server_url = "{url or self.url}"\ntoken = "{self.token}"\nwriter = "{writer}"\n'
            f'poll_seconds = 1\njournal = "{folder / "journal.sqlite3"}"\n\n'
            f'[sdo]\nengine = "{ENGINE}"\ndata_path = "{self.sage["data_path"]}"\n'
            f'username = "{self.sage["username"]}"\npassword = "{self.sage["password"]}"\n\n'
            f'[csv]\nout_dir = "{folder / "imports"}"\n')
        return path

    def until_idle(self, agent: Any, most: int = 40) -> list[Any]:
        """Cycles until a lease comes back empty with nothing left to report."""
        outcomes = []
        for _ in range(most):
            outcome = agent.cycle()
            outcomes.append(outcome)
            if not outcome.leased and not outcome.unsent and not agent.journal.unsent_count():
                return outcomes
        raise AssertionError(f"still work after {most} cycles: {outcomes[-1]}")

    def expire_leases(self) -> int:
        """What is out with the agent outlives its lease (the clock moved on)."""
        from datetime import timedelta

        with self.app.app_context():
            from app.extensions import db
            from app.models import PullClient, Transfer, utcnow

            rows = db.session.execute(db.select(Transfer).filter_by(
                connection_id=self.connection_id, state="sending")).scalars().all()
            for t in rows:
                if t.lease_until is not None:
                    t.lease_until = utcnow() - timedelta(seconds=1)
            for client in db.session.execute(db.select(PullClient).filter_by(
                    connection_id=self.connection_id)).scalars():
                if client.holder_until is not None:
                    client.holder_until = utcnow() - timedelta(seconds=1)
            db.session.commit()
            db.session.remove()
            return len(rows)

    def books(self) -> dict[str, Any]:
        answer = requests.get(f"{self.url}/sandbox/sage50/companies/{self.sage['company_id']}"
                              "/books", timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def transfers(self) -> list[Any]:
        with self.app.app_context():
            from app.extensions import db
            from app.models import Transfer

            rows = db.session.execute(db.select(Transfer).filter_by(
                connection_id=self.connection_id)).scalars().all()
            db.session.expunge_all()
            db.session.remove()
            return list(rows)


def assert_exactly_once(office: Office, payloads: list[tuple[str, dict]]) -> None:
    """Every record in Sage 50 once, with the job system's figures, to the penny."""
    kinds = Counter(path for path, _ in payloads)
    unsent = [(t.record_type, t.state, t.reason, t.explanation, t.package_message)
              for t in office.transfers() if t.state != "sent"]
    assert not unsent, unsent
    books = office.books()
    names = Counter(c["NAME"] for c in books["customers"])
    assert len(names) == kinds["customers"] and max(names.values()) == 1, names
    by_type = {t: Counter(h["inv_ref"] for h in books["transactions"] if h["type"] == n)
               for t, n in (("invoices", 1), ("credit-notes", 2), ("payments", 3))}
    for path, refs in by_type.items():
        assert len(refs) == kinds[path], (path, refs)
        assert max(refs.values(), default=1) == 1, (path, refs)
    ours = {body["number"]: body for path, body in payloads if path == "invoices"}
    invoices = {h["inv_ref"]: h for h in books["transactions"] if h["type"] == 1}
    for number, header in invoices.items():
        body = ours[number]
        if "total" in body:
            assert money(header["gross"]) == money(body["total"]), number
    for header in books["transactions"]:
        if header["type"] in (2, 3):
            assert money(header["outstanding"]) == 0, header  # every penny allocated
    # The debtors' control account is what the job system says is still owed, to the penny.
    owed = sum(money(h["gross"]) for h in invoices.values()) - sum(
        money(h["gross"]) for h in books["transactions"] if h["type"] in (2, 3))
    assert sum(money(h["outstanding"]) for h in invoices.values()) == owed
    assert money(books["nominal_balances"].get("1100")) == owed
    states = Counter(t.state for t in office.transfers())
    assert states == {"sent": sum(kinds.values())}, states


@pytest.fixture
def office(app, live_url, make_company):  # type: ignore[no-untyped-def]
    def _make(schedule: str = "automatic") -> Office:
        made = make_company()
        with app.app_context():
            from app.demo import connect_sandbox
            from app.extensions import db

            connection = connect_sandbox(SAGE50, made.company_id, f"Co {uuid.uuid4().hex[:8]}")
            connection.schedule = schedule
            connection.sending_started = True
            db.session.commit()
            extra = connection.credentials.extra
            found = Office(app, live_url, made.company_id, made.api_key, connection.id,
                           extra["sandbox_password"],
                           {"company_id": extra["sandbox_company_id"],
                            "data_path": extra["sandbox_data_path"],
                            "username": extra["sandbox_sage_user"],
                            "password": extra["sandbox_sage_password"]})
            db.session.remove()
        return found

    return _make
