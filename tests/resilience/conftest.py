"""Fixtures for the resilience tests: a Redis of the test's own that it can stop and start
again (so losing it never disturbs the rest of the suite), and the cron process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, stop_process_group
from tests.sync.conftest import connected_books  # noqa: F401 (the fixture, shared)


@dataclass
class SpareRedis:
    """An embedded Redis on a unix socket of its own; stop() and start() restart it empty, as
    a Redis restart without persistence does."""

    directory: Path
    proc: subprocess.Popen | None = None
    url: str = ""

    def start(self) -> None:
        from app.redis_conn import start_embedded_redis

        self.proc, self.url = start_embedded_redis(self.directory)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def spare_redis(app, monkeypatch) -> Iterator[SpareRedis]:  # type: ignore[no-untyped-def]
    """The app (and every worker or cron the test starts) uses this Redis for the test."""
    spare = SpareRedis(Path(tempfile.mkdtemp(prefix="ledgerlink-spare-redis-")))
    spare.start()
    monkeypatch.setitem(app.config, "REDIS_URL", spare.url)
    monkeypatch.setenv("REDIS_URL", spare.url)
    yield spare
    spare.stop()


@pytest.fixture
def cron_process(app) -> Iterator[Callable[..., subprocess.Popen]]:  # type: ignore[no-untyped-def]
    """Start `python -m app.cron` (the Procfile's cron) with a short tick; stopped at the end."""
    procs: list[subprocess.Popen] = []

    def _start(tick_seconds: int = 2) -> subprocess.Popen:
        log = Path(tempfile.gettempdir()) / f"ledgerlink-cron-{os.getpid()}-{len(procs)}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cron"], cwd=ROOT,
            env={**os.environ, "CRON_TICK_SECONDS": str(tick_seconds)},
            stdout=open(log, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
            start_new_session=True,
        )
        procs.append(proc)
        return proc

    yield _start
    for proc in procs:
        stop_process_group(proc)
