"""The simulated desktop side of a demo Sage 50 connection (`make run` starts
app/desktop_simulators.py, which calls `simulate` for each one every minute): the Ledgerlink
agent itself, run as its own process (`ledgerlink-agent --config ... run --once`, one lease a
run, again until nothing is left), writing through the simulated Sage Data Objects into the
connection's simulated company exactly as it writes into Sage 50 on a PC."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = "sandboxes.sage50.sdo:SDOEngine"
MOST_RUNS = 30  # leases in one go: the demo's records, 50 a lease, and their lists
_DONE = re.compile(r"done: (\d+) leased")


def _config(folder: Path, base_url: str, details: Mapping[str, object]) -> Path:
    """The agent's config file, as the wizard gives it, filled in for the simulated company
    (TOML literal strings: no escapes to get wrong in a Windows path)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ledgerlink-agent.toml"
    path.write_text(
        f"server_url = '{base_url}'\ntoken = '{details['sandbox_password']}'\n"
        f"writer = 'sdo'\npoll_seconds = 30\njournal = '{folder / 'journal.sqlite3'}'\n\n"
        f"[sdo]\nengine = '{ENGINE}'\ndata_path = '{details['sandbox_data_path']}'\n"
        f"username = '{details['sandbox_sage_user']}'\n"
        f"password = '{details['sandbox_sage_password']}'\n")
    return path


def simulate(base_url: str, details: Mapping[str, object]) -> str:
    """Agent runs for the connection whose demo details these are, until a lease comes back
    empty; what they did, in a line."""
    folder = ROOT / "instance" / f"sage50-agent-{details['sandbox_company_id']}"
    config = _config(folder, base_url, details)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "agent"), str(ROOT)])}
    leased = 0
    for run in range(1, MOST_RUNS + 1):
        done = subprocess.run(  # noqa: S603 - our own agent, from our own folder
            [sys.executable, "-m", "ledgerlink_agent.cli", "--config", str(config), "run",
             "--once"], env=env, capture_output=True, text=True, timeout=600, check=False)
        found = _DONE.search(done.stdout + done.stderr)
        if done.returncode != 0 or found is None:
            said = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
            return f"Ledgerlink agent stopped (exit {done.returncode}) on run {run}: {said[0]}"
        if int(found.group(1)) == 0:
            return f"Ledgerlink agent: {run} run(s), {leased} record(s) written or found"
        leased += int(found.group(1))
    return f"Ledgerlink agent: {MOST_RUNS} runs, {leased} record(s); more next time"

# How often the agent checks in when it has nothing to do (SAGE50_POLL_SECONDS' default), for
# bench/pull_journeys.py's "the journey at its real interval".
CHECK_IN_SECONDS = 30
