"""The environment the benches run in, set up one way for all of them: a temporary folder, a
temporary SQLite database unless DATABASE_URL is set, an embedded Redis unless REDIS_URL is,
sandbox mode, and the app (its migrations run) served over real HTTP at BASE_URL on a free
port; and, for the pull bench, what is out with the Web Connector outliving its lease.

Used by bench/push_throughput.py, bench/web_connector_sessions.py and bench/fault_injection.py,
so that a setting one bench needs (a new required variable, a migration branch) reaches all.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_folder(keep: bool = False) -> Path:
    """A temporary folder for the database, Redis and logs, removed at exit unless `keep`;
    the working directory becomes the project's, as the app expects."""
    os.chdir(ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="ledgerlink-bench-"))
    if not keep:
        atexit.register(shutil.rmtree, tmp, True)
    return tmp


def setup_environment(tmp: Path, database_url: str = "") -> None:
    """The variables every bench sets before the app is made: `database_url`, else
    DATABASE_URL, else SQLite in `tmp`; REDIS_URL, else an embedded Redis in `tmp`; a fresh
    BASE_URL and RQ queue (two benches at once never share a worker's jobs); sandbox mode,
    no demo data."""
    env = os.environ
    if database_url:
        env["DATABASE_URL"] = database_url
    elif not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    if not env.get("REDIS_URL"):
        from app.redis_conn import start_embedded_redis

        proc, url = start_embedded_redis(tmp / "redis")
        atexit.register(proc.kill)
        env["REDIS_URL"] = url
    env["BASE_URL"] = f"http://127.0.0.1:{free_port()}"
    env["SANDBOX_MODE"] = "1"
    env["DEMO_DATA"] = "0"
    env.setdefault("SECRET_KEY", "bench-secret-key")
    env["RQ_QUEUE"] = f"bench-{uuid.uuid4().hex[:8]}"
    env.setdefault("HTTP_TIMEOUT_SECONDS", "30")


def serve_app(wrap: Callable[[Any], Any] | None = None) -> Any:
    """The app, its migrations run, served over real HTTP at BASE_URL in a daemon thread;
    `wrap`, if given, is WSGI middleware put in front of it (to count or break requests)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
    # Alembic's logging config turns on werkzeug's request lines; the figures are the output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if wrap is not None:
        app.wsgi_app = wrap(app.wsgi_app)  # type: ignore[method-assign]
    port = int(os.environ["BASE_URL"].rsplit(":", 1)[1])
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    atexit.register(server.shutdown)
    return app


def expire_leases(app: Any, connection_id: int) -> int:
    """What is out with the Web Connector outlives its lease, as it does between two sessions
    on a real schedule (LEASE_SECONDS, 5 minutes by default, is far less than the interval);
    returns how many transfers were out. The same as tests/webconnector/conftest.py's
    Desktop.expire_leases."""
    from datetime import timedelta

    from app.extensions import db
    from app.models import Transfer, utcnow

    with app.app_context():
        rows = db.session.execute(db.select(Transfer).filter_by(
            connection_id=connection_id, state="sending")).scalars().all()
        for t in rows:
            if t.lease_until is not None:
                t.lease_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
        return len(rows)
