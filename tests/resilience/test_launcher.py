"""`make run`'s launcher: a dead process is replaced (with what it left in its group stopped
first), and Ctrl-C stops web, cron and worker in that order, then Redis, without a traceback."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.supervise import Supervisor
from tests.conftest import ROOT, stop_process_group


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _until(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_supervisor_replaces_a_dead_process_and_stops_in_order(tmp_path: Path) -> None:
    order = tmp_path / "order"

    def polite(name: str) -> str:
        # Writes its name when asked to stop; the worker also has a child of its own.
        child = "sleep 300 & " if name == "worker" else ""
        return (f"sh -c '{child}trap \"echo {name} >> {order}; exit 0\" TERM; "
                f"while :; do sleep 0.1; done'")

    lines: list[str] = []
    sup = Supervisor([(n, polite(n)) for n in ("worker", "web", "cron")], dict(os.environ),
                     tmp_path, out=lines.append)
    sup.start()
    try:
        first = sup.pid("worker")
        assert first is not None
        time.sleep(0.5)
        os.kill(first, signal.SIGKILL)

        def replaced() -> bool:
            sup.check()
            return sup.pid("worker") not in (None, first)

        _until(replaced, 30, "the dead worker was not replaced")
        assert _group_gone(first), "what the dead worker left behind is still running"
        assert any("worker" in line and "killed by SIGKILL" in line for line in lines)
        time.sleep(0.5)
    finally:
        sup.stop(["web", "cron", "worker"])
    assert order.read_text().split() == ["web", "cron", "worker"]
    for service in sup.services:
        assert service.proc is not None and _group_gone(service.proc.pid)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_replaces_a_killed_worker_and_ctrl_c_stops_quietly() -> None:
    work = Path(tempfile.mkdtemp(prefix="ledgerlink-launch-"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "BASE_URL", "PORT")}
    env.update(PORT=str(_free_port()), DEMO_DATA="0", DATABASE_URL=f"sqlite:///{work}/run.db",
               PYTHONUNBUFFERED="1")
    log = work / "launch.log"
    with open(log, "w") as out:
        launcher = subprocess.Popen([sys.executable, "-m", "app.launch"], cwd=ROOT, env=env,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
    try:
        _until(lambda: "Ledgerlink is running" in log.read_text() or launcher.poll() is not None,
               180, "make run did not come up")
        assert launcher.poll() is None, log.read_text()
        assert f"127.0.0.1:{env['PORT']}" in log.read_text()  # PORT moves the web

        started = re.findall(r"worker +\| started \(pid (\d+)\)", log.read_text())
        first = int(started[0])
        time.sleep(2)
        os.kill(first, signal.SIGKILL)
        _until(lambda: len(re.findall(r"worker +\| started \(pid (\d+)\)", log.read_text())) > 1,
               60, "the killed worker was not replaced")
        second = int(re.findall(r"worker +\| started \(pid (\d+)\)", log.read_text())[1])
        _until(lambda: "Listening on" in log.read_text().split(f"started (pid {second})")[-1],
               60, "the new worker did not start listening")

        pids = [int(p) for p in re.findall(r"\| started \(pid (\d+)\)", log.read_text())]
        # Ctrl-C: the terminal signals the launcher's whole process group.
        os.killpg(launcher.pid, signal.SIGINT)
        assert launcher.wait(90) == 0
    finally:
        stop_process_group(launcher, grace=5)
    text = log.read_text()
    assert "Stopped." in text
    stopping = [line.split("|")[0].split()[-1] for line in text.splitlines()
                if line.rstrip().endswith("| stopping")]
    # The simulated desktop side first (it calls the web), then no new clicks, then the rest.
    assert stopping == ["desktop", "web", "cron", "worker"], stopping
    for noise in ("Traceback", "Connection refused", "ConnectionError", "Error 111"):
        assert noise not in text, f"{noise!r} in the output:\n{text[-3000:]}"
    for pid in pids:
        assert _group_gone(pid), f"process {pid} outlived make run"
    # Redis went last, and is gone too.
    import redis

    socket_path = ROOT / "instance" / "redis" / "redis.sock"
    try:
        redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=2).ping()
        raise AssertionError("the embedded Redis outlived make run")
    except redis.ConnectionError:
        pass
