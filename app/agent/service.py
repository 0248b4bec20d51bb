"""The agent API's work: who is calling, the batch it leases, the results it acknowledges, the
lists and the heartbeat it sends. A thin layer over the pull-mode hand-out
(app/sync/handout.py), which keeps the exactly-once rules:

- a lease claims its records under a fresh batch id (the attempt id) and a lease, committed
  before the answer leaves;
- an ack applies only to records still out on its batch: a repeated ack changes nothing, and a
  late one for an expired batch applies unless the record was handed out again since;
- a lease that runs out makes its unacknowledged records uncertain: the next lease hands them
  out with `check_first`, so the agent looks in the package before it writes again;
- one install of the agent collects for a connection at a time (the holder): a second one,
  started by mistake with the same token, is refused in words instead of racing the first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app

from app.agent import tokens
from app.agent.schemas import AckIn, HeartbeatIn
from app.extensions import db
from app.mapping.service import LISTS_ASKED_AGAIN, store_list
from app.models import Connection, PackageList, PullClient, utcnow
from app.models.connection import CONNECTED
from app.redis_conn import REDIS_DOWN, get_redis
from app.sync.handout import (
    apply_answer,
    finish_run_when_done,
    items_of,
    next_handout,
    out_on,
    outcomes_by_id,
    ready_count,
)
from app.sync.precreate import CONTACTS_LIST
from app.sync.pulled_contacts import keep
from connectors import connector_class
from connectors.base import BadReplyError
from connectors.capabilities import AgentPackage

LISTS_MAX_AGE = timedelta(hours=24)
# The API's list names and the cached lists' kinds (PackageList.kind).
LIST_KINDS = {"accounts": "accounts", "tax_codes": "tax_rates", "contacts": CONTACTS_LIST}
_INSTANCE = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class AgentRefused(Exception):
    """An answer other than 200, in words: the view turns it into JSON with this status."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


@dataclass
class AgentContext:
    client: PullClient
    connection: Connection
    connector: AgentPackage


def _lease_seconds() -> int:
    return int(current_app.config.get("LEASE_SECONDS", 300))


def context_for(authorization: str) -> AgentContext:
    """The connection a bearer token opens; 401 for a missing or wrong one (the same words
    either way), 403 for a connection that is disconnected."""
    scheme, _, token = (authorization or "").partition(" ")
    client = tokens.client_for(token) if scheme.lower() == "bearer" else None
    connection = db.session.get(Connection, client.connection_id) if client else None
    if client is None or connection is None:
        raise AgentRefused(401, "unauthorized", "This agent token is not valid: copy the token "
                           "from the connection's agent page in Ledgerlink into the agent's "
                           "config file (a rotated token replaces the old one).")
    try:
        cls = connector_class(connection.package)
    except KeyError:
        cls = None
    if cls is None or not issubclass(cls, AgentPackage):
        raise AgentRefused(401, "unauthorized", "This token is not for an agent connection.")
    client.last_contact_at = utcnow()
    if connection.status != CONNECTED:
        db.session.commit()
        raise AgentRefused(403, "disconnected", f"This connection to {cls.title} is "
                           "disconnected in Ledgerlink: reconnect it there, then the agent "
                           "carries on.")
    return AgentContext(client, connection, cls(current_app.config, connection.credentials))


@contextmanager
def _one_at_a_time(connection_id: int) -> Iterator[None]:
    """Leases of one connection are taken one at a time: two calls at once must never both
    read the same expired records as free. Redis holds the lock across web processes; without
    Redis, the database's own write lock still serialises the claims (PostgreSQL's row lock
    below, SQLite's single writer)."""
    lock = None
    try:
        lock = get_redis().lock(f"ledgerlink:handout:{connection_id}", timeout=120,
                                blocking_timeout=60)
        if not lock.acquire():
            raise AgentRefused(409, "busy", "Another lease for this connection is being "
                               "prepared; try again in a few seconds.")
    except REDIS_DOWN:
        lock = None
    try:
        yield
    finally:
        if lock is not None:
            try:
                lock.release()
            except Exception:  # noqa: BLE001, S110 - it expires on its own
                pass


def _hold(ctx: AgentContext, instance: str) -> None:
    """This install holds the connection now, or 409 when another one does."""
    if not _INSTANCE.match(instance or ""):
        raise AgentRefused(400, "bad_request", "Send the header X-Agent-Instance: the install's "
                           "own id (8 to 64 letters, digits or '-'), the same on every call.")
    client, now = ctx.client, utcnow()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.select(PullClient.id).filter_by(id=client.id).with_for_update())
        db.session.refresh(client)
    if (client.holder_id and client.holder_id != instance and client.holder_until is not None
            and client.holder_until > now):
        words = (f"A second Ledgerlink agent is running for this {ctx.connector.title} "
                 "connection (the same token on another computer or service): only one may "
                 "collect for a company. Stop the one that should not run; the other carries "
                 "on by itself.")
        client.last_error = words
        db.session.commit()
        raise AgentRefused(409, "another_agent", words)
    client.holder_id, client.holder_until = instance, now + timedelta(seconds=_lease_seconds())


def lists_due(connection: Connection) -> list[str]:
    """The lists the agent should send before its next lease: missing, asked for again
    ("Refresh lists"), or older than a day."""
    rows = {r.kind: r.fetched_at for r in db.session.execute(
        db.select(PackageList).filter_by(connection_id=connection.id)).scalars()}
    stale = utcnow() - LISTS_MAX_AGE
    return [name for name, kind in LIST_KINDS.items()
            if rows.get(kind) is None or rows[kind] == LISTS_ASKED_AGAIN or rows[kind] < stale]


def heartbeat(ctx: AgentContext, body: HeartbeatIn) -> dict[str, Any]:
    client = ctx.client
    client.client_version = body.agent_version
    client.package_version = body.package_version
    if body.company_name:
        client.company_file = body.company_name
        _name_after_the_company(ctx.connection, body.company_name)
    client.last_error = body.last_error
    answer = {"poll_seconds": ctx.connector.poll_seconds(current_app.config),
              "lists_due": lists_due(ctx.connection),
              "ready": ready_count(ctx.connection, ctx.connector)}
    db.session.commit()
    return answer


def _name_after_the_company(connection: Connection, name: str) -> None:
    """A new connection takes the company's name as the agent reads it from the package, so
    the dashboard says which books these are (a name someone chose is kept)."""
    placeholder = f"{connector_class(connection.package).title} company"
    if connection.tenant_name == placeholder:
        connection.tenant_name = name.strip()[:255]


def store_agent_list(ctx: AgentContext, name: str, body: dict[str, Any]) -> int:
    """One list the agent read from the package; how many entries were kept. 422 in words
    when the connector cannot read it (nothing of the cached list changes)."""
    try:
        found = ctx.connector.read_lists(name, body)
    except BadReplyError as exc:
        raise AgentRefused(422, "invalid_list", str(exc)) from exc
    if name == "accounts":
        store_list(ctx.connection, "accounts", found.accounts)
        count = len(found.accounts)
    elif name == "tax_codes":
        store_list(ctx.connection, "tax_rates", found.tax_rates)
        count = len(found.tax_rates)
    else:
        keep(ctx.connection, found.contacts)
        count = len(found.contacts)
    db.session.commit()
    return count


def lease(ctx: AgentContext, instance: str, max_records: int | None) -> dict[str, Any]:
    seconds = _lease_seconds()
    poll = ctx.connector.poll_seconds(current_app.config)
    with _one_at_a_time(ctx.connection.id):
        _hold(ctx, instance)
        db.session.commit()
        handout = next_handout(ctx.connection, ctx.connector, seconds, max_records)
    if handout is None:
        finish_run_when_done(ctx.connection.id)
        db.session.commit()
        return {"batch_id": None, "lease_seconds": seconds, "expires_at": None,
                "poll_seconds": poll, "records": []}
    records = json.loads(ctx.connector.render_request(
        handout.kind, handout.stage, handout.items))  # type: ignore[arg-type]
    expires = utcnow() + timedelta(seconds=seconds)
    db.session.commit()
    return {"batch_id": handout.attempt_id, "lease_seconds": seconds,
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), "poll_seconds": poll,
            "records": records}


NOT_OUT = ("not out on this batch: answered already, or handed out again since (its newer "
           "batch's answer is the one that counts)")


def ack(ctx: AgentContext, body: AckIn) -> dict[str, Any]:
    """Apply the agent's results to its batch; each result says whether it was used."""
    out = {t.idempotency_key: t for t in out_on(ctx.connection.id, body.batch_id)}
    seen: dict[str, Any] = {}
    for result in body.results:
        seen.setdefault(result.key, result)  # the first of two results for one key counts
    used = [k for k in seen if k in out]
    applied: set[str] = set()
    if used:
        transfers = [out[k] for k in used]
        kind = transfers[0].record_type
        items = items_of(ctx.connection, kind, transfers)
        answer = json.dumps([seen[i.record.key].model_dump() for i in items])
        outcomes = ctx.connector.read_answer(kind, "", items, answer)  # type: ignore[arg-type]
        request = ctx.connector.render_request(kind, "", items)  # type: ignore[arg-type]
        apply_answer(ctx.connection, body.batch_id, outcomes_by_id(items, outcomes),
                     ctx.connector.title, request=request, response=answer)
        applied = {i.record.key for i in items}
    finish_run_when_done(ctx.connection.id)
    db.session.commit()
    results = [{"key": k, "applied": k in applied, "why": "" if k in applied else NOT_OUT}
               for k in seen]
    return {"applied": len(applied), "ignored": len(seen) - len(applied), "results": results}
