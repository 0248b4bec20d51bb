"""The OpenAPI document, Send Data through the API, and runs."""

from __future__ import annotations

import re

import pytest
import requests
from openapi_spec_validator import validate

from app.extensions import db
from app.models import Connection, Run
from tests.api.conftest import customer


def test_openapi_is_valid_and_lists_every_route(app, client):  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert document["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in document["paths"].items()
                  for method in item}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if "{kind}" in path:  # one Flask rule serves GET for every record type
                for kind in ("customers", "suppliers", "invoices", "credit-notes", "payments"):
                    served.add((method, path.replace("{kind}", kind)))
            else:
                served.add((method, path))
    assert served == documented
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    upsert = document["paths"]["/invoices"]["post"]["responses"]
    assert {"201", "200", "400", "401", "413", "422"} <= set(upsert)


def _connection(app, company_id: int, status: str = "connected") -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        connection = Connection(company_id=company_id, package="xero", status=status)
        db.session.add(connection)
        db.session.commit()
        return connection.id


def test_other_companies_connections_and_runs_are_404(app, make_api):  # type: ignore[no-untyped-def]
    ours, theirs = make_api(), make_api()
    their_connection = _connection(app, theirs.company_id)
    with app.app_context():
        run = Run(company_id=theirs.company_id, connection_id=their_connection, trigger="manual")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    assert ours.post(f"/connections/{their_connection}/send", {}).status_code == 404
    assert ours.post("/connections/999999/send", {}).status_code == 404
    assert ours.get(f"/runs/{run_id}").status_code == 404
    got = theirs.get(f"/runs/{run_id}")
    assert got.status_code == 200
    assert got.json["status"] == "queued" and got.json["connection_id"] == their_connection


def test_disconnected_connection_cannot_send(app, api):  # type: ignore[no-untyped-def]
    connection_id = _connection(app, api.company_id, status="disconnected")
    response = api.post(f"/connections/{connection_id}/send", {})
    assert response.status_code == 409


def test_send_starts_a_run(app, api):  # type: ignore[no-untyped-def]
    pytest.importorskip("app.jobs")
    connection_id = _connection(app, api.company_id)
    api.post("/customers", customer())
    response = api.post(f"/connections/{connection_id}/send", {})
    assert response.status_code == 202, response.json
    run = response.json
    assert run["connection_id"] == connection_id
    assert run["status"] in ("queued", "running", "finished")
    assert set(run) == {"id", "status", "total", "sent", "failed", "blocked", "connection_id",
                        "created_at", "started_at", "finished_at", "detail"}
    assert response.headers["Location"].endswith(f"/api/v1/runs/{run['id']}")
    # A second press returns the same run rather than starting another.
    again = api.post(f"/connections/{connection_id}/send", {})
    assert again.json["id"] == run["id"]
    assert api.get(f"/runs/{run['id']}").json["id"] == run["id"]


def test_five_megabytes_over_real_http_is_413(live_url, make_api):  # type: ignore[no-untyped-def]
    api = make_api()
    body = b'{"source_id": "C-1", "name": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    response = requests.post(f"{live_url}/api/v1/customers", data=body, timeout=30, headers={
        "Authorization": f"Bearer {api.api_key}", "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
