"""The QuickBooks Web Connector's eight calls, as Ledgerlink answers them.

A session: authenticate gives a ticket; then sendRequestXML / receiveResponseXML alternate,
each request a hand-out of records (app/sync/handout.py) or, first, the lists the mapping is
made from; closeConnection ends it. Everything a session knows is in the database (tickets,
what is out, the leases), so any web process serves any call, and a process killed mid-call
loses nothing: the hand-out it had made expires into a look-up.

The answers are the Web Connector's protocol (PACKAGES.md): authenticate ["", "nvu"] for a bad
login, [ticket, "none"] for nothing to do, [ticket, ""] to use the company file open in
QuickBooks; sendRequestXML "" makes the Web Connector call getLastError; receiveResponseXML's
percent, 100 when done and negative on an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from app.extensions import db
from app.mapping.service import store_lists
from app.models import Connection, PackageList, PullClient, PullSession, utcnow
from app.models.connection import CONNECTED
from app.redis_conn import REDIS_DOWN, get_redis
from app.sync.handout import (
    abandon,
    apply_answer,
    finish_run_when_done,
    items_of,
    next_handout,
    out_on,
    outcomes_by_id,
    ready_count,
)
from app.sync.pulled_contacts import keep
from app.webconnector import tickets
from connectors import connector_class
from connectors.base import BadReplyError, Uncertain
from connectors.capabilities import ListsByRequest, PullConnector

SERVER_VERSION = "Ledgerlink Web Connector service 1.0"
# Intuit's Web Connector 2.1 is the oldest still offered for QuickBooks 2011 and later; the
# versions below are the ones this service was written against (unverified on 2.0).
OLDEST_VERSION = (2, 1)
RECOMMENDED_VERSION = (2, 3)
LISTS_MAX_AGE = timedelta(hours=24)
NVU, NONE = "nvu", "none"
OUT_LISTS, OUT_RECORDS = "lists", "records"


def server_version() -> str:
    return SERVER_VERSION


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in (text or "").strip().split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)


def _version_key(address: str) -> str:
    return f"ledgerlink:qbwc-version:{address}"


def remember_version(version: str, address: str) -> None:
    """clientVersion comes before authenticate and names no user: the version is kept a few
    minutes for the address it came from, and given to the user who signs in from there."""
    if version and address:
        try:
            get_redis().set(_version_key(address), version[:40], ex=600)
        except REDIS_DOWN:
            pass  # only the dashboard's "Web Connector 2.3" is lost


def _recalled_version(address: str) -> str:
    try:
        found = get_redis().get(_version_key(address)) if address else None
    except REDIS_DOWN:
        return ""
    return found.decode() if isinstance(found, bytes) else str(found or "")


def client_version(version: str, address: str = "") -> str:
    """"" to go on, "W:" to warn and go on, "E:" to stop, as the Web Connector reads them."""
    remember_version(version, address)
    found = _version(version)
    if not found:
        return ""  # a version we cannot read is not worth refusing a session over
    if found[:2] < OLDEST_VERSION:
        return ("E:This QuickBooks Web Connector is too old for Ledgerlink. Install version "
                "2.3 or later from Intuit, then run it again.")
    if found[:2] < RECOMMENDED_VERSION:
        return ("W:Ledgerlink works best with QuickBooks Web Connector 2.3 or later; "
                "consider updating it.")
    return ""


@dataclass
class SessionContext:
    session: PullSession
    connection: Connection
    client: PullClient | None
    connector: WebConnectorPackage


class WebConnectorPackage(ListsByRequest, PullConnector):
    """What a Web Connector package is (QuickBooks Desktop's connector), as a type."""


def _connector(connection: Connection) -> WebConnectorPackage:
    connector = connector_class(connection.package)(current_app.config, connection.credentials)
    if not (isinstance(connector, PullConnector) and isinstance(connector, ListsByRequest)):
        raise TypeError(f"{connection.package} is not collected by the Web Connector")
    return connector  # type: ignore[return-value]


def _lease() -> int:
    return int(current_app.config.get("LEASE_SECONDS", 300))


def _touch(client: PullClient | None, error: str | None = None) -> None:
    if client is None:
        return
    client.last_contact_at = utcnow()
    if error is not None:
        client.last_error = error


def _lists_due(connection: Connection) -> bool:
    fetched = db.session.execute(
        db.select(db.func.min(PackageList.fetched_at)).filter_by(connection_id=connection.id)
    ).scalar_one_or_none()
    count = db.session.execute(
        db.select(db.func.count(PackageList.id)).filter_by(connection_id=connection.id)
    ).scalar_one()
    return count < 2 or fetched is None or fetched + LISTS_MAX_AGE < utcnow()


def authenticate(username: str, password: str, address: str = "") -> list[str]:
    client = tickets.check_login(username, password)
    if client is None:
        return ["", NVU]
    connection = db.session.get(Connection, client.connection_id)
    if connection is None or connection.status != CONNECTED:
        _touch(client, "The Web Connector signed in, but this connection is disconnected.")
        db.session.commit()
        return ["", NVU]
    version = _recalled_version(address)
    if version:
        client.client_version = version
    _touch(client, "")
    ticket, _session = tickets.open_session(connection)
    work = _lists_due(connection) or ready_count(connection, _connector(connection)) > 0
    db.session.commit()
    return [ticket, "" if work else NONE]


def _context(ticket: str) -> SessionContext | None:
    session = tickets.find_session(ticket)
    if session is None or not tickets.is_open(session):
        return None
    connection = db.session.get(Connection, session.connection_id)
    if connection is None:
        return None
    return SessionContext(session, connection, tickets.client_of(connection.id),
                          _connector(connection))


def _set_error(ctx: SessionContext, words: str) -> None:
    ctx.session.last_error = words
    _touch(ctx.client, words)


def send_request_xml(ticket: str, company_file: str = "") -> str:
    """The next request of the session, or "" (then getLastError says why)."""
    ctx = _context(ticket)
    if ctx is None:
        return ""
    session = ctx.session
    if session.out_kind == OUT_RECORDS and session.attempt_id:
        # Asked again without answering the last request: that one is lost (uncertain).
        abandon(ctx.connection.id, session.attempt_id)
    if company_file and ctx.client is not None:
        ctx.client.company_file = company_file[:2000]
        _name_after_the_file(ctx.connection, company_file)
    _touch(ctx.client)
    if ctx.connection.status != CONNECTED:
        _set_error(ctx, "This connection is disconnected in Ledgerlink; reconnect it there.")
        db.session.commit()
        return ""
    if _lists_due(ctx.connection):
        request = ctx.connector.lists_request()
        session.out_kind, session.attempt_id = OUT_LISTS, ""
        session.request_note = json.dumps({"request": request})
        db.session.commit()
        return request
    handout = next_handout(ctx.connection, ctx.connector, _lease())
    if handout is None:
        session.out_kind, session.attempt_id = "", ""
        _set_error(ctx, "")
        db.session.commit()
        return ""
    request = ctx.connector.render_request(handout.kind, handout.stage, handout.items)  # type: ignore[arg-type]
    session.out_kind, session.attempt_id = OUT_RECORDS, handout.attempt_id
    session.request_note = json.dumps({"kind": handout.kind, "stage": handout.stage,
                                       "request": request})
    session.handed += len(handout.items)
    db.session.commit()
    return request


def _name_after_the_file(connection: Connection, company_file: str) -> None:
    """A new connection takes the company file's name ("Acme Heating.QBW") once the Web
    Connector names it, so the dashboard says which books these are."""
    placeholder = f"{connector_class(connection.package).title} company file"
    name = company_file.replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    if name and connection.tenant_name == placeholder:  # a name someone chose is kept
        connection.tenant_name = name


def _percent(ctx: SessionContext) -> int:
    left = ready_count(ctx.connection, ctx.connector)
    if left == 0 and not _lists_due(ctx.connection):
        return 100
    done = ctx.session.answered
    return max(1, min(99, int(100 * done / max(1, done + left))))


def receive_response_xml(ticket: str, response: str, hresult: str = "", message: str = ""
                         ) -> int:
    """Apply QuickBooks' answer to the request out on this session; the percent done."""
    ctx = _context(ticket)
    if ctx is None:
        return -1
    session = ctx.session
    _touch(ctx.client)
    if not session.out_kind:
        _set_error(ctx, "Ledgerlink had no request out on this session; the answer was not "
                        "used.")
        db.session.commit()
        return -1
    if hresult.strip():
        if session.out_kind == OUT_RECORDS:
            abandon(ctx.connection.id, session.attempt_id)
        words = (f"QuickBooks could not run Ledgerlink's request ({hresult.strip()}: "
                 f"{message.strip() or 'no message'}). Nothing is lost: the records are "
                 "looked up in QuickBooks before anything is sent again.")
        session.out_kind, session.attempt_id = "", ""
        _set_error(ctx, words)
        db.session.commit()
        return -1
    note = json.loads(session.request_note or "{}")
    if session.out_kind == OUT_LISTS:
        return _receive_lists(ctx, response)
    kind, stage = note.get("kind", ""), note.get("stage", "")
    transfers = out_on(ctx.connection.id, session.attempt_id)
    items = items_of(ctx.connection, kind, transfers)
    outcomes = ctx.connector.read_answer(kind, stage, items, response)  # type: ignore[arg-type]
    result = apply_answer(ctx.connection, session.attempt_id, outcomes_by_id(items, outcomes),
                          ctx.connector.title, request=note.get("request", ""),
                          response=response)
    session.answered += result.applied
    session.out_kind, session.attempt_id = "", ""
    if items and result.uncertain == len(items):
        # Nothing in the answer could be taken (not QuickBooks' answer to this request, or
        # unreadable): end the session in words; the records are looked up next time.
        reasons = {str(o.detail) for o in outcomes if isinstance(o, Uncertain)}
        _set_error(ctx, "Ledgerlink could not use QuickBooks' answer "
                        f"({'; '.join(sorted(reasons))[:500]}). Nothing was taken from it; "
                        "the records are looked up in QuickBooks before anything is sent "
                        "again.")
        db.session.commit()
        return -1
    db.session.commit()
    percent = _percent(ctx)
    if percent == 100:
        finish_run_when_done(ctx.connection.id)
    db.session.commit()
    return percent


def _receive_lists(ctx: SessionContext, response: str) -> int:
    session = ctx.session
    session.out_kind = ""
    try:
        found = ctx.connector.read_lists(response)
    except BadReplyError as exc:
        _set_error(ctx, f"QuickBooks Desktop's lists could not be read: {exc}")
        db.session.commit()
        return -1
    store_lists(ctx.connection, found.accounts, found.tax_rates)
    keep(ctx.connection, found.contacts)
    db.session.commit()
    return _percent(ctx)


def connection_error(ticket: str, hresult: str, message: str) -> str:
    """The Web Connector could not reach QuickBooks or the company file: what was out is
    uncertain now, and "done" ends the session."""
    ctx = _context(ticket)
    if ctx is not None:
        if ctx.session.out_kind == OUT_RECORDS and ctx.session.attempt_id:
            abandon(ctx.connection.id, ctx.session.attempt_id)
        ctx.session.out_kind, ctx.session.attempt_id = "", ""
        _set_error(ctx, f"The Web Connector could not open QuickBooks or the company file "
                        f"({(hresult or '').strip()}: {(message or '').strip()}). Open "
                        "QuickBooks with the company file, then press Update Selected in "
                        "the Web Connector.")
        db.session.commit()
    return "done"


def get_last_error(ticket: str) -> str:
    session = tickets.find_session(ticket)
    if session is None:
        return ("Ledgerlink does not know this session. Press Update Selected in the Web "
                "Connector to start a new one.")
    if not tickets.is_open(session):
        return "This session with Ledgerlink has ended. Press Update Selected to start a new one."
    return session.last_error or "Nothing more to send to QuickBooks Desktop now."


def close_connection(ticket: str) -> str:
    ctx = _context(ticket)
    if ctx is None:
        return "OK"
    ctx.session.closed_at = utcnow()
    if ctx.session.out_kind == OUT_RECORDS and ctx.session.attempt_id:
        abandon(ctx.connection.id, ctx.session.attempt_id)
    _touch(ctx.client)
    answered = ctx.session.answered
    db.session.commit()
    return f"OK: Ledgerlink received QuickBooks' answers for {answered} record(s)."
