"""The sandboxes' own database: their own metadata, engine and session, never the app's models
or its Alembic history.

The engine comes from SANDBOX_DATABASE_URL, else the app's database (its SQLALCHEMY_DATABASE_URI,
or DATABASE_URL). The kit creates its tables itself, the first time a process uses an engine:
after the app's migrations, which on PostgreSQL may begin by dropping the whole public schema
(tests/conftest.py does), so nothing of ours may be created earlier. Creation is safe from
several processes at once: IF NOT EXISTS, and on PostgreSQL under an advisory lock (two
concurrent CREATE TABLE IF NOT EXISTS can still collide there).

Sessions are per Flask app context (removed when it ends: see sandboxes/kit/blueprint.py), or
per thread outside one (call `remove()`).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from flask import has_app_context
from flask.globals import app_ctx
from sqlalchemy import JSON, Connection, Engine, Index, MetaData, String, create_engine, event, text
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.schema import CreateIndex, CreateTable

from sandboxes.kit.config import setting

TABLE_PREFIX = "sandbox_kit_"  # migrations/env.py leaves tables named so to the kit
_ADVISORY_LOCK = 0x5A4E_D805  # any constant: "the kit is creating its tables"


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData()


class KitObject(Base):
    """One object in a simulated package: a contact, an invoice, an account, a token..."""

    __tablename__ = f"{TABLE_PREFIX}objects"
    __table_args__ = (
        Index(f"ix_{TABLE_PREFIX}objects_lookup", "package", "tenant", "collection",
              "object_id", unique=True),
        Index(f"ix_{TABLE_PREFIX}objects_ref", "package", "tenant", "collection", "ref"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[str] = mapped_column(String(40))
    tenant: Mapped[str] = mapped_column(String(100))  # org / realm / "" for global objects
    collection: Mapped[str] = mapped_column(String(40))  # "Contacts", "Invoices", "grants"...
    object_id: Mapped[str] = mapped_column(String(200))
    ref: Mapped[str] = mapped_column(String(255), default="")  # a searchable secondary key
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)


metadata = Base.metadata


def database_url() -> str:
    url = (setting("SANDBOX_DATABASE_URL") or setting("SQLALCHEMY_DATABASE_URI")
           or setting("DATABASE_URL"))
    if not url:
        raise RuntimeError("The sandboxes have no database: set SANDBOX_DATABASE_URL (or the "
                           "app's DATABASE_URL).")
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 spelled out.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _tune_sqlite(engine: Engine) -> None:
    """WAL and a busy timeout: the app's processes and ours share one SQLite file."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()


def create_tables(bind: Engine | Connection) -> None:
    """The kit's tables and indexes, unless they are there already (on a connection: inside
    its transaction, e.g. a migration's)."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            create_tables(conn)
        return
    if bind.dialect.name == "postgresql":
        bind.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
    for table in metadata.sorted_tables:
        bind.execute(CreateTable(table, if_not_exists=True))
        for index in table.indexes:
            bind.execute(CreateIndex(index, if_not_exists=True))


def engine() -> Engine:
    """This process's engine for the current database URL, its tables made on first use."""
    url = database_url()
    with _lock:
        found = _engines.get(url)
        if found is None:
            found = create_engine(url, pool_pre_ping=True)
            if found.dialect.name == "sqlite":
                _tune_sqlite(found)
            create_tables(found)
            _engines[url] = found
    return found


def _scope() -> int:
    if has_app_context():
        return id(app_ctx._get_current_object())
    return threading.get_ident()


_factory = sessionmaker(expire_on_commit=False)
_sessions = scoped_session(_factory, scopefunc=_scope)


def session() -> Session:
    """The current scope's session, on the current database."""
    current = _sessions()
    bound = engine()
    if current.bind is not bound:
        current.close()
        current.bind = bound
    return current


def remove() -> None:
    """End the current scope's session (rolling back whatever was not committed)."""
    _sessions.remove()
