"""A small process supervisor for `make run`: the Procfile's processes, each restarted when it
dies, and all stopped in order on Ctrl-C.

honcho (which `make run` used before) stops everything when one process exits, and waits on its
output pipes, so a worker killed with SIGKILL whose child still held the pipe went unnoticed.
Here each process leads its own process group: a death is seen from its exit status, whatever
is left of its group is killed before the replacement starts, and the terminal's Ctrl-C reaches
only the launcher, which then stops web, cron and worker in that order (Redis last, by the
caller), so nothing prints a traceback about a Redis that went first.

Production uses systemd or compose for the same job (deploy/).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# A process that lived this long before dying is restarted at once; one that keeps dying
# young waits longer each time (up to RESTART_CAP), so a broken setting does not spin.
HEALTHY_SECONDS = 60.0
RESTART_FIRST, RESTART_CAP = 1.0, 30.0


def read_procfile(path: Path) -> list[tuple[str, str]]:
    """[(name, command)] in the file's order."""
    entries = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            name, command = line.split(":", 1)
            entries.append((name.strip(), command.strip()))
    return entries


@dataclass
class Service:
    name: str
    command: str
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay: float = RESTART_FIRST
    restart_at: float | None = None
    readers: list[threading.Thread] = field(default_factory=list)


def _kill_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM the process group, wait up to `grace`, then SIGKILL what is left of it."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()
            try:
                os.killpg(proc.pid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.05)


class Supervisor:
    """Start, watch and restart a set of shell commands; stop them in a given order."""

    def __init__(self, entries: list[tuple[str, str]], env: dict[str, str], cwd: Path,
                 out: Callable[[str], None] | None = None) -> None:
        self.services = [Service(name, command) for name, command in entries]
        self.env, self.cwd = env, cwd
        self.out = out or (lambda line: print(line, flush=True))
        self.width = max((len(s.name) for s in self.services), default=4)
        self.stopping = False

    def _say(self, name: str, text: str) -> None:
        self.out(f"{time.strftime('%H:%M:%S')} {name:<{self.width}} | {text}")

    def _start(self, service: Service) -> None:
        proc = subprocess.Popen(  # noqa: S603 (the Procfile's own commands)
            ["/bin/sh", "-c", f"exec {service.command}"], cwd=self.cwd, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        service.proc, service.started_at, service.restart_at = proc, time.monotonic(), None
        reader = threading.Thread(target=self._relay, args=(service.name, proc), daemon=True)
        reader.start()
        service.readers = [reader]
        self._say(service.name, f"started (pid {proc.pid})")

    def _relay(self, name: str, proc: subprocess.Popen) -> None:
        if proc.stdout is None:
            return
        for raw in proc.stdout:
            self._say(name, raw.decode("utf-8", "replace").rstrip())

    def start(self) -> None:
        for service in self.services:
            self._start(service)

    def check(self) -> None:
        """Restart any process that died (after its backoff); call this every moment or so."""
        now = time.monotonic()
        for service in self.services:
            proc = service.proc
            if proc is None or self.stopping:
                continue
            if service.restart_at is not None:
                if now >= service.restart_at:
                    service.restarts += 1
                    self._start(service)
                continue
            code = proc.poll()
            if code is None:
                continue
            _kill_group(proc, grace=2)  # children it left behind (they may hold its pipe)
            lived = now - service.started_at
            service.delay = RESTART_FIRST if lived >= HEALTHY_SECONDS else min(
                service.delay * 2, RESTART_CAP)
            service.restart_at = now + service.delay
            self._say(service.name, f"exited ({_exit_words(code)}); restarting in "
                                    f"{service.delay:g} s")

    def pid(self, name: str) -> int | None:
        for service in self.services:
            if service.name == name and service.proc is not None:
                return service.proc.pid
        return None

    def stop(self, order: list[str], grace: float = 15) -> None:
        """Stop the named processes one after another, then any others."""
        self.stopping = True
        rank = {name: i for i, name in enumerate(order)}
        for service in sorted(self.services, key=lambda s: rank.get(s.name, len(rank))):
            if service.proc is not None and service.proc.poll() is None:
                self._say(service.name, "stopping")
                _kill_group(service.proc, grace)
            if service.proc is not None:
                try:
                    service.proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
                for reader in service.readers:
                    reader.join(1)

    def run_forever(self, poll: float = 0.5) -> None:
        while True:
            self.check()
            time.sleep(poll)


def _exit_words(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def raise_keyboard_interrupt_on_sigterm() -> None:
    """SIGTERM to the launcher stops it like Ctrl-C does; and Ctrl-C works even when the
    launcher was started with SIGINT ignored (as background jobs of a script are)."""
    def _handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)

