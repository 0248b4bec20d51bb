"""The web process is killed in the middle of a Web Connector call: whatever it had done by
then is in the database, the next session (served by another web process) looks up what it
cannot be sure of, and every record is in the company file exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from app.demo_records import generate
from tests.conftest import _free_port, stop_process_group
from tests.webconnector.conftest import Desktop
from tests.webconnector.test_journey import SMALL, assert_exactly_once

ROOT = Path(__file__).resolve().parents[2]


def _web() -> tuple[subprocess.Popen, str]:
    """A web process of its own (gunicorn, as in production) on the same database and Redis."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4", "--bind",
         f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env={**os.environ, "BASE_URL": url}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    stop_process_group(proc)
    raise AssertionError("the web process did not come up")


@pytest.mark.parametrize("request_number, delay", [(2, 0.0), (3, 0.02), (6, 0.005)])
def test_the_web_process_killed_mid_call_loses_and_doubles_nothing(
        desktop, request_number: int, delay: float) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop.wc_company import company_processor
    from sandboxes.quickbooks_desktop.web_connector import run_session

    books: Desktop = desktop()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    web, url = _web()
    # QuickBooks runs the request (the company file is reachable whatever happens to the
    # web process); the web process is killed as the Web Connector posts the answer back.
    run_in_company = company_processor(books.server.url, books.sandbox_company)
    asked = {"n": 0}

    def process(request: str) -> str:
        asked["n"] += 1
        answer = run_in_company(request)
        if asked["n"] == request_number:
            threading.Timer(delay, os.killpg, (web.pid, signal.SIGKILL)).start()
        return answer

    try:
        cut = run_session(f"{url}/qbwc", books.username, books.password, process)
    finally:
        stop_process_group(web, grace=1)
    assert not cut.completed, cut  # the session really died with the web process
    books.expire_leases()
    books.sessions_until_idle()  # served by the other web process
    assert_exactly_once(books, payloads)
