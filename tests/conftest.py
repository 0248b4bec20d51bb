"""Shared fixtures: a real database (PostgreSQL when DATABASE_URL is set, else SQLite), a real
Redis (REDIS_URL, else an embedded one), the app served over real HTTP, and company factories.

Environment variables are set at import time so that subprocesses (RQ workers) started by the
tests read the same configuration as the app under test.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

_TMP = Path(tempfile.mkdtemp(prefix="ledgerlink-tests-"))
atexit.register(shutil.rmtree, _TMP, True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup_environment() -> None:
    env = os.environ
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.db'}"
    if env.get("REDIS_URL"):
        # Keys name connections by id, and ids start again with every fresh test schema: a
        # previous run's locks, budgets or job ids must not leak in. The suite owns this Redis
        # database (.ci/run uses database 15), so it starts empty.
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    else:
        sys.path.insert(0, str(ROOT))
        from app.redis_conn import start_embedded_redis

        proc, url = start_embedded_redis(_TMP / "redis")
        atexit.register(proc.kill)
        env["REDIS_URL"] = url
    env["BASE_URL"] = f"http://127.0.0.1:{_free_port()}"
    env["SANDBOX_MODE"] = "1"
    env["DEMO_DATA"] = "0"
    env["SECRET_KEY"] = "test-secret-key"
    # Every test signs in from 127.0.0.1: the per-address sign-in limit would add up across the
    # whole suite. tests/security/test_login_throttle.py checks it with an app of its own.
    env["LOGIN_FAILURES_PER_ADDRESS"] = "100000"
    # A queue of our own, so a shared CI Redis never hands us another run's jobs.
    env["RQ_QUEUE"] = f"test-{uuid.uuid4().hex[:8]}"
    env.setdefault("HTTP_TIMEOUT_SECONDS", "10")
    # Short leases so crash-recovery tests need not wait minutes; both stay longer than an
    # HTTP timeout, so a slow call is never taken for a dead worker.
    env["LEASE_SECONDS"] = "15"
    env["RUN_LOCK_SECONDS"] = "15"
    # Each sandbox checks every request against its package's official spec, when present.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from connectors import package_keys, package_module

    for key in package_keys():
        for name, relative in package_module(key, "settings").SANDBOX_SPECS.items():
            if (SHARED / relative).exists():
                env[name] = str(SHARED / relative)


_setup_environment()


def _reset_schema(app) -> None:  # type: ignore[no-untyped-def]
    """Start from an empty database and build it with the migrations, as production does."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(revision="heads")  # several areas may add revisions side by side


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    from app import create_app

    flask_app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True})
    _reset_schema(flask_app)
    return flask_app


@pytest.fixture(scope="session")
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app over real HTTP, at BASE_URL, for the connectors and the browser."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise

    url = os.environ["BASE_URL"]
    port = int(url.rsplit(":", 1)[1])
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()


@pytest.fixture
def ctx(app):  # type: ignore[no-untyped-def]
    with app.app_context() as c:
        yield c
        from app.extensions import db

        db.session.remove()


@pytest.fixture
def data(app):  # type: ignore[no-untyped-def]
    """Runs a function in an app context of its own, as a job would, and returns its result.

    Requests must not share the test's app context: Flask would then share `g` (where Flask-WTF
    caches the CSRF token) between requests, which a real server never does."""
    from app.extensions import db

    def _run(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        with app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return _run


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def make_company(app) -> Callable[..., object]:  # type: ignore[no-untyped-def]
    """Factory: a company with our default chart, an admin user and an API key."""
    from app.companies import create_company

    def _make(name: str | None = None, role: str = "admin"):  # type: ignore[no-untyped-def]
        suffix = uuid.uuid4().hex[:8]
        password = f"pw-{suffix}-long-enough"
        with app.app_context():
            made = create_company(
                name or f"Company {suffix}", f"user-{suffix}@example.test", password, role
            )
            made.password = password  # type: ignore[attr-defined]
            made.company_id = made.company.id  # type: ignore[attr-defined]
            made.user_id = made.user.id  # type: ignore[attr-defined]
            made.email = made.user.email  # type: ignore[attr-defined]
        return made

    return _make


def stop_process_group(proc: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM the process's whole group (it leads its own session), then SIGKILL whatever is
    left: children that outlived a killed leader are stopped too."""
    import signal

    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break  # nothing left in the group
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        if not _group_alive(proc.pid):
            break
        time.sleep(0.2)  # a child may still be finishing; the next signal settles it
    if proc.poll() is None:
        proc.wait(5)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


_STARTED: list[subprocess.Popen] = []


@atexit.register
def _stop_leftovers() -> None:
    """A run stopped by Ctrl-C or a crash skips fixture teardown: nothing outlives pytest."""
    for proc in _STARTED:
        stop_process_group(proc, grace=3)


@pytest.fixture
def worker_process(app) -> Iterator[Callable[[], subprocess.Popen]]:  # type: ignore[no-untyped-def]
    """Start real RQ workers (`python worker.py`) as subprocesses, each in its own process
    group; every one is stopped (its group too) when the test ends, passed or failed."""
    procs: list[subprocess.Popen] = []

    def _start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py")],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=open(_TMP / f"worker-{len(_STARTED)}.log", "w"),  # noqa: SIM115
            start_new_session=True,
        )
        procs.append(proc)
        _STARTED.append(proc)
        return proc

    yield _start
    for proc in procs:
        stop_process_group(proc)
        _STARTED.remove(proc)
