"""The simulated desktop side of a demo connection (`make run` starts app/desktop_simulators.py,
which calls `simulate` for each one every minute): one Web Connector session against the
server's /qbwc, its requests run in the connection's simulated company file."""

from __future__ import annotations

from collections.abc import Mapping

from sandboxes.quickbooks_desktop.wc_company import company_processor
from sandboxes.quickbooks_desktop.web_connector import run_session


def simulate(base_url: str, details: Mapping[str, object]) -> str:
    """One session for the connection whose demo details these are (the Web Connector user
    and password, the simulated company file); what it did, in a line."""
    report = run_session(f"{base_url}/qbwc", str(details["sandbox_username"]),
                         str(details["sandbox_password"]),
                         company_processor(base_url, str(details["sandbox_company_id"])))
    said = f": {report.last_error}" if report.last_error and not report.completed else ""
    asked = len(report.requests)
    return f"Web Connector session {report.ended or 'ended'} ({asked} requests){said}"

# How often the Web Connector runs by itself (the .qwc file's RunEveryNMinutes, 60 by
# default), for bench/pull_journeys.py's "the journey at its real interval".
CHECK_IN_SECONDS = 60 * 60
