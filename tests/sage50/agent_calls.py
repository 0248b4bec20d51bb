"""Calling the agent API as the agent does (or as a broken one might), and what a refused
call must leave as it was: the helpers of the agent API's tests."""

from __future__ import annotations

import json
from typing import Any

import requests

from app.demo_records import generate
from tests.sage50.conftest import Office

TABLES = ("transfers", "attempts", "pull_clients", "package_lists", "transfer_events")


def call(office: Office, method: str, path: str, body: Any = None, *, token: str | None = None,
         headers: dict[str, str] | None = None, raw: bytes | None = None,
         instance: str | None = "apitests-instance-1") -> requests.Response:
    """One agent API call as the agent makes it (or as a broken one might)."""
    sent = {"Authorization": f"Bearer {office.token if token is None else token}",
            "Content-Type": "application/json"}
    if instance is not None:
        sent["X-Agent-Instance"] = instance
    sent.update(headers or {})
    sent = {k: v for k, v in sent.items() if v is not None}
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    return requests.request(method, f"{office.url}/agent/v1/{path}", data=data, headers=sent,
                            timeout=30)


SCOPED = {"transfers": "connection_id = :c", "pull_clients": "connection_id = :c",
          "package_lists": "connection_id = :c",
          "attempts": "transfer_id IN (SELECT id FROM transfers WHERE connection_id = :c)",
          "transfer_events": "transfer_id IN (SELECT id FROM transfers WHERE connection_id = :c)"}


def footprint(office: Office, scoped: bool = False) -> dict[str, Any]:
    """Everything an agent call could write: row counts (the whole database's, or only the
    office's connection's when `scoped`), and the connection's transfers and agent client as
    they stand (a refused call must leave all of it as it was)."""
    with office.app.app_context():
        from sqlalchemy import text as sql

        from app.extensions import db
        from app.models import PullClient, Transfer

        where = {t: f" WHERE {SCOPED[t]}" if scoped else "" for t in TABLES}
        counts = {t: db.session.execute(sql(f"SELECT COUNT(*) FROM {t}{where[t]}"),  # noqa: S608
                                        {"c": office.connection_id}).scalar_one()
                  for t in TABLES}
        transfers = sorted((t.id, t.state, t.attempt_count, t.lease_until, t.package_ref,
                            t.external_id) for t in db.session.execute(db.select(Transfer)
                            .filter_by(connection_id=office.connection_id)).scalars())
        client = db.session.execute(db.select(PullClient).filter_by(
            connection_id=office.connection_id)).scalar_one()
        holder = (client.holder_id, client.client_version, client.package_version,
                  client.company_file, client.last_error)
        db.session.remove()
    return {"counts": counts, "transfers": transfers, "client": holder}


def refused(answer: requests.Response, status: int, *words: str) -> dict[str, Any]:
    """The answer is `status`, JSON, and its words say each of `words` (field paths...)."""
    assert answer.status_code == status, (answer.status_code, answer.text[:500])
    assert answer.headers["Content-Type"].startswith("application/json"), answer.text[:300]
    body = answer.json()
    assert body["error"], body
    said = json.dumps(body)
    for word in words:
        assert word in said, (word, body)
    return body


def ready_office(office_factory: Any, customers: int = 2, invoices: int = 2) -> Office:
    """An office with records waiting for the agent, and the lists it would send already in."""
    books = office_factory()
    books.post_all(generate(customers=customers, invoices=invoices, payments=0,
                            credit_notes=0, prefix=""))
    for name, entries in LISTS.items():
        answer = call(books, "PUT", f"lists/{name}", {name: entries})
        assert answer.status_code == 200, answer.text
    return books


LISTS: dict[str, list[dict[str, Any]]] = {
    "accounts": [{"code": c, "name": n, "type": t} for c, n, t in (
        ("4000", "Sales Type A", "sales"), ("4010", "Sales Type B", "sales"),
        ("4900", "Miscellaneous Income", "sales"), ("1200", "Bank Current Account", "bank"))],
    "tax_codes": [{"code": c, "name": n, "rate": r} for c, n, r in (
        ("T0", "Zero rated", "0.00"), ("T1", "Standard 20%", "20.00"),
        ("T2", "Exempt", "0.00"), ("T5", "Reduced 5%", "5.00"))],
    "contacts": [],
}


def lease(office: Office, body: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    answer = call(office, "POST", "lease", body or {}, **kwargs)
    assert answer.status_code == 200, answer.text
    return answer.json()


