"""The agent's set-up page (token shown once, rotated, admins only) and the agent API's
OpenAPI document, which every body the agent program sends must fit."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
import requests

from app.demo_records import generate
from tests.connections import signed_in, text
from tests.sage50.agent_calls import (
    call,
    refused,
)
from tests.sage50.conftest import SAGE50, Office
from tests.ui import csrf_from, page_token


def test_rotating_through_the_wizard_page_ends_the_old_token(
        app, office, make_company) -> None:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.models import Connection

    made = make_company()
    client = signed_in(app, made)
    first = _set_up(client)
    books = _office_for(app, office, made, first)
    assert call(books, "POST", "heartbeat", {}).status_code == 200
    again = _set_up(client, books.connection_id)
    assert again["connection_id"] == books.connection_id and again["token"] != first["token"]
    refused(call(books, "POST", "heartbeat", {}), 401)  # the old token stopped at once
    assert call(books, "POST", "heartbeat", {}, token=again["token"]).status_code == 200
    with app.app_context():
        assert db.session.get(Connection, books.connection_id).company_id == made.company_id
        db.session.remove()


# The set-up page.

def _set_up(client: Any, connection_id: int | None = None) -> dict[str, Any]:
    """Press "make the token" on the agent page: the token, the config text, the page."""
    query = f"?connection_id={connection_id}" if connection_id else ""
    page = client.get(f"/connections/new/{SAGE50}/agent{query}")
    assert page.status_code == 200, text(page)[:300]
    answer = client.post(f"/connections/new/{SAGE50}/agent{query}",
                         data={"csrf_token": csrf_from(text(page))})
    assert answer.status_code == 200, text(answer)[:500]
    html = text(answer)
    token = re.search(r"agent-(\d+)\.[A-Za-z0-9_-]{43}", html)
    assert token, html[:2000]
    return {"token": token.group(0), "connection_id": int(token.group(1)), "html": html,
            "headers": answer.headers}


def _office_for(app: Any, office: Any, made: Any, setup: dict[str, Any]) -> Office:
    """The connection the wizard made, as an Office the API helpers can call (no Sage)."""
    books = office()
    return Office(app, books.url, made.company_id, made.api_key, setup["connection_id"],
                  setup["token"], books.sage)


def test_the_set_up_page_shows_the_token_once_inside_the_config(app, make_company) -> None:  # type: ignore[no-untyped-def]
    import html as htmllib

    from app.agent import tokens
    from app.extensions import db
    from app.models import PullClient

    made = make_company()
    client = signed_in(app, made)
    setup = _set_up(client)
    assert setup["headers"]["Cache-Control"] == "no-store"
    page = htmllib.unescape(setup["html"])
    assert f'token = "{setup["token"]}"' in page  # the config file holds it, ready to save
    assert "server_url" in page and "[sdo]" in page
    with app.app_context():
        row = db.session.execute(db.select(PullClient).filter_by(
            connection_id=setup["connection_id"])).scalar_one()
        assert setup["token"].split(".", 1)[1] not in row.secret_hash
        assert tokens.client_for(setup["token"]).id == row.id
        db.session.remove()
    # Shown once: the page again shows no token.
    later = text(client.get(f"/connections/new/{SAGE50}/agent"))
    assert setup["token"] not in later and "agent-" + str(setup["connection_id"]) + "." \
        not in later


def test_the_set_up_page_is_for_admins_and_for_agent_packages_only(app, make_company) -> None:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.models import Connection, PullClient

    admin = make_company()
    admin_client = signed_in(app, admin)
    assert admin_client.get("/connections/new/no_such_package/agent").status_code == 404
    not_agent = admin_client.get("/connections/new/xero/agent")
    assert not_agent.status_code == 404 and "not set up" in text(not_agent)
    assert admin_client.get(f"/connections/new/{SAGE50}/agent?connection_id=999999"
                            ).status_code == 404

    bookkeeper = make_company(role="bookkeeper")
    member = signed_in(app, bookkeeper)
    page = member.get(f"/connections/new/{SAGE50}/agent")
    assert page.status_code == 200 and "Only an admin" in text(page)  # told, not shown a form
    member_token = page_token(member)
    with app.app_context():
        before = db.session.execute(db.select(db.func.count(PullClient.id))).scalar_one()
        conns = db.session.execute(db.select(db.func.count(Connection.id))).scalar_one()
        db.session.remove()
    answer = member.post(f"/connections/new/{SAGE50}/agent",
                         data={"csrf_token": member_token})
    assert answer.status_code == 403, text(answer)[:300]
    assert "Only an admin" in text(answer)
    assert not re.search(r"agent-\d+\.[A-Za-z0-9_-]{43}", text(answer))
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(PullClient.id))).scalar_one() == before
        assert db.session.execute(db.select(db.func.count(Connection.id))).scalar_one() == conns
        db.session.remove()


# One connection's agent never reaches another's records.

def test_the_openapi_document_is_valid_and_the_agents_bodies_fit_it(office, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openapi_spec_validator import validate

    answer = requests.get(f"{office().url}/agent/v1/openapi.json", timeout=30)
    assert answer.status_code == 200
    document = answer.json()
    assert document["openapi"].startswith("3.1")
    validate(document)

    books = office()
    books.post_all(generate(customers=3, invoices=3, payments=2, credit_notes=1, prefix=""))
    answers: list[tuple[str, str, int, Any]] = []
    sent = _record_agent_bodies(books, tmp_path, answers)
    assert {p for p, _ in sent} >= {"/heartbeat", "/lists/accounts", "/lists/tax_codes",
                                     "/lists/contacts", "/lease", "/ack"}
    statuses = {r["status"] for p, b in sent if p == "/ack" for r in b["results"]}
    assert "created" in statuses
    for path, body in sent:
        op = document["paths"][path]
        method = "put" if path.startswith("/lists/") else "post"
        schema = op[method]["requestBody"]["content"]["application/json"]["schema"]
        jsonschema.validate(body, {**schema, "components": document["components"]},
                            cls=jsonschema.Draft202012Validator)
    # And what the server answered fits the document's answers.
    assert {status for *_, status, _ in answers} == {200}
    for path, method, status, body in answers:
        schema = document["paths"][path][method]["responses"][str(status)]["content"][
            "application/json"]["schema"]
        jsonschema.validate(body, {**schema, "components": document["components"]},
                            cls=jsonschema.Draft202012Validator)
    # The document is not a rubber stamp: a body the server refuses does not fit it either.
    ack = document["paths"]["/ack"]["post"]["requestBody"]["content"]["application/json"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"batch_id": "zz", "results": []},
                            {**ack["schema"], "components": document["components"]},
                            cls=jsonschema.Draft202012Validator)


def _record_agent_bodies(books: Office, tmp_path: Any, answers: list[tuple[str, str, int, Any]]
                        ) -> list[tuple[str, Any]]:
    """Run the real agent against the office, keeping every body it sent (path, JSON) and
    every answer it had (path, method, status, JSON) in `answers`."""
    sent: list[tuple[str, Any]] = []
    session = requests.Session()

    def keep(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        request = response.request
        path = request.path_url.split("/agent/v1", 1)[1]
        if request.body:
            sent.append((path, json.loads(request.body)))
        answers.append((path, request.method.lower(), response.status_code, response.json()))

    session.hooks["response"].append(keep)
    from ledgerlink_agent.api import AgentApi
    from ledgerlink_agent.backoff import Backoff
    from ledgerlink_agent.journal import Journal
    from ledgerlink_agent.loop import AgentLoop

    api = AgentApi(books.url, books.token, timeout=20, session=session)
    agent = AgentLoop(api, books.writer(), Journal(tmp_path / "journal.sqlite3"),
                      backoff=Backoff(base=0.01, cap=0.05))
    books.until_idle(agent)
    return sent


