"""`ledgerlink-agent --config F run --once --writer csv --out D` as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.agent_program.agent_api_server import AgentApiServer
from tests.agent_program.conftest import AGENT_DIR
from tests.agent_program.payloads import customer, invoice


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(AGENT_DIR)
    return subprocess.run([sys.executable, "-m", "ledgerlink_agent.cli", "--config", str(config),
                           *args], capture_output=True, text=True, env=env, timeout=60,
                          cwd=str(config.parent))


def _config(tmp_path: Path, server: AgentApiServer, token: str | None = None) -> Path:
    path = tmp_path / "agent.toml"
    path.write_text(f'server_url = "{server.url}"\ntoken = "{token or server.token}"\n'
                    'writer = "sdo"\npoll_seconds = 5\njournal = "journal.sqlite3"\n'
                    '[sdo]\ndata_path = "C:/nowhere"\nusername = "manager"\npassword = ""\n',
                    encoding="utf-8")
    return path


def test_run_once_with_the_csv_writer(api_server: AgentApiServer, tmp_path: Path) -> None:
    api_server.queue("k-cli-00000000000000000000000000001", "invoice", invoice())
    api_server.queue("k-cli-00000000000000000000000000002", "customer", customer())
    out = tmp_path / "imports"
    done = _run(_config(tmp_path, api_server), "run", "--once", "--writer", "csv", "--out",
                str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 leased, 1 written" in done.stdout
    assert api_server.acked()["k-cli-00000000000000000000000000001"]["reference"] == "INV-1001"
    assert "k-cli-00000000000000000000000000002" not in api_server.acked()  # next batch
    assert len(list(out.glob("*-transactions.csv"))) == 1
    assert (tmp_path / "journal.sqlite3").exists()


def test_exit_codes_say_what_went_wrong(api_server: AgentApiServer, tmp_path: Path) -> None:
    config = _config(tmp_path, api_server)
    bad_token = _run(_config(tmp_path, api_server, token="agent-12.revoked"), "run", "--once",
                     "--writer", "csv", "--out", str(tmp_path / "o"))
    assert bad_token.returncode == 3 and "refused the agent token" in bad_token.stdout

    api_server.token = "agent-12.fine"
    config = _config(tmp_path, api_server)
    api_server.queue("k-cli-00000000000000000000000000003", "customer", customer())
    api_server.failing_paths.add("/agent/v1/ack")
    down = _run(config, "run", "--once", "--writer", "csv", "--out", str(tmp_path / "o"))
    assert down.returncode == 4 and "1 result(s) are kept in the journal" in down.stdout
    api_server.failing_paths.clear()
    again = _run(config, "run", "--once", "--writer", "csv", "--out", str(tmp_path / "o"))
    assert again.returncode == 0
    assert api_server.acked()["k-cli-00000000000000000000000000003"]["status"] == "created"

    # The SDO writer without Windows' COM: Sage cannot be reached, and the heartbeat says why.
    sage = _run(config, "run", "--once")
    assert sage.returncode == 5 and "Sage 50 could not be reached" in sage.stdout
    assert "pywin32" in api_server.heartbeats[-1]["last_error"]

    broken = tmp_path / "broken.toml"
    broken.write_text('server_url = "https://x"\n', encoding="utf-8")
    config_error = _run(broken, "run", "--once")
    assert config_error.returncode == 2 and "`token` is missing" in config_error.stdout


def test_serve_runs_until_its_stop_event_is_set(api_server: AgentApiServer,
                                                tmp_path: Path) -> None:
    # serve() is what a pywin32 service calls; it must end cleanly when the service stops.
    import threading
    import time

    from ledgerlink_agent.cli import serve

    config = _config(tmp_path, api_server)
    stop = threading.Event()
    codes: list[int] = []
    runner = threading.Thread(target=lambda: codes.append(
        serve(str(config), stop, writer="csv", out_dir=str(tmp_path / "o"))), daemon=True)
    runner.start()
    api_server.queue("k-svc-00000000000000000000000000001", "customer", customer())
    deadline = time.monotonic() + 15
    while "k-svc-00000000000000000000000000001" not in api_server.acked():
        assert time.monotonic() < deadline, "the running agent never acked"
        time.sleep(0.05)
    stop.set()
    runner.join(timeout=10)
    assert not runner.is_alive() and codes == [0]


def test_the_agent_imports_only_its_own_code_the_stdlib_and_requests() -> None:
    import ast

    allowed = set(sys.stdlib_module_names) | {"requests", "ledgerlink_agent", "win32com"}
    for path in (AGENT_DIR / "ledgerlink_agent").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"
