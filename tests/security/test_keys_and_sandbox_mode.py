"""Issue 8, items 1 and 2: no public secret key, and the sandboxes only on when asked for.

Each start is a real process (`python -c "create_app()"`) with the environment a deployment
would give it, so nothing here depends on the test app's own configuration.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from app.keys import export_instance_keys, instance_keys

ROOT = Path(__file__).resolve().parents[2]

# Starts the app, then asks it (in-process test client) for a sandbox page.
_START = (
    "from app import create_app\n"
    "app = create_app()\n"
    "answer = app.test_client().get('/sandbox/xero/identity/connect/authorize')\n"
    "print('STARTED', answer.status_code, app.config['SANDBOX_MODE'])\n"
)


def _start(**settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "ENCRYPTION_KEY", "SANDBOX_MODE")}
    env.update(settings)
    return subprocess.run([sys.executable, "-c", _START], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_both_keys_and_names_them() -> None:
    nothing = _start()
    assert nothing.returncode != 0 and "STARTED" not in nothing.stdout
    assert "SECRET_KEY" in nothing.stderr and "ENCRYPTION_KEY" in nothing.stderr
    only_secret = _start(SECRET_KEY="a-long-random-secret-for-this-test")
    assert only_secret.returncode != 0 and "STARTED" not in only_secret.stdout
    assert "without ENCRYPTION_KEY" in only_secret.stderr
    # SANDBOX_MODE=0 is production just the same.
    explicit = _start(SANDBOX_MODE="0", ENCRYPTION_KEY="x" * 44)
    assert explicit.returncode != 0 and "without SECRET_KEY" in explicit.stderr
    # The old public default, or a key that cannot encrypt, is no better than none.
    from cryptography.fernet import Fernet

    public = _start(SECRET_KEY="dev-only-not-secret", ENCRYPTION_KEY=Fernet.generate_key().decode())
    assert public.returncode != 0 and "published SECRET_KEY" in public.stderr
    bad = _start(SECRET_KEY="a-long-random-secret-for-this-test", ENCRYPTION_KEY="not-fernet")
    assert bad.returncode != 0 and "ENCRYPTION_KEY is not a Fernet key" in bad.stderr


def test_with_both_keys_production_starts_and_serves_no_sandbox() -> None:
    from cryptography.fernet import Fernet

    started = _start(SECRET_KEY="a-long-random-secret-for-this-test",
                     ENCRYPTION_KEY=Fernet.generate_key().decode())
    assert started.returncode == 0, started.stderr[-2000:]
    # Sandboxes are off unless SANDBOX_MODE=1: the consent page does not exist.
    assert "STARTED 404 False" in started.stdout


def test_sandbox_mode_is_on_only_when_set_to_1() -> None:
    started = _start(SANDBOX_MODE="1", SECRET_KEY="a-long-random-secret-for-this-test")
    assert started.returncode == 0, started.stderr[-2000:]
    assert "STARTED 400 True" in started.stdout  # the consent page, refusing an empty request


def test_make_run_keys_are_random_made_once_and_private(tmp_path: Path) -> None:
    first = instance_keys(tmp_path / "a")
    assert instance_keys(tmp_path / "a") == first  # kept: sessions survive a restart
    assert instance_keys(tmp_path / "b") != first  # random per install, never a constant
    for name in ("secret_key", "encryption_key"):
        mode = stat.S_IMODE((tmp_path / "a" / name).stat().st_mode)
        assert mode == 0o600, oct(mode)
    from cryptography.fernet import Fernet

    Fernet(first["ENCRYPTION_KEY"])  # a usable Fernet key
    assert len(first["SECRET_KEY"]) >= 64

    env = {"SECRET_KEY": "set-by-the-operator"}
    export_instance_keys(env, tmp_path / "a")
    assert env == {"SECRET_KEY": "set-by-the-operator",
                   "ENCRYPTION_KEY": first["ENCRYPTION_KEY"]}


def test_make_run_and_the_tests_turn_sandbox_mode_on() -> None:
    launch = (ROOT / "app" / "launch.py").read_text()
    assert 'env.setdefault("SANDBOX_MODE", "1")' in launch
    assert "export_instance_keys(env)" in launch
    assert (ROOT / "Makefile").read_text().count("-m app.launch") == 1
    conftest = (ROOT / "tests" / "conftest.py").read_text()
    assert 'env["SANDBOX_MODE"] = "1"' in conftest
    # Production's Procfile never turns the sandboxes on.
    assert "SANDBOX_MODE" not in (ROOT / "Procfile").read_text()
