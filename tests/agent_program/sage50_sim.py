"""The Sage 50 simulator (sandboxes/sage50) over real HTTP, for the SDO writer's tests.

The session app's own mount when it has one (once `sage50` is in the connectors registry), else
a small Flask app with the kit's blueprint and the simulator's on a free port. The writer reaches
it only through the engine named in its config ("sandboxes.sage50.sdo:SDOEngine"), as the agent
process does: the agent package itself imports nothing of the sandboxes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

ENGINE = "sandboxes.sage50.sdo:SDOEngine"


@pytest.fixture(scope="session")
def sage50_base(app, live_url) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if "sage50_sandbox" in app.blueprints:
        yield f"{live_url}/sandbox/sage50"
        return
    from sandboxes.kit import bp as kit_bp
    from sandboxes.sage50 import bp

    own = Flask("agent_program_sage50")
    own.register_blueprint(kit_bp)
    own.register_blueprint(bp)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, own, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sandbox/sage50"
    server.shutdown()


@pytest.fixture
def sage_company(sage50_base: str) -> dict[str, Any]:
    """A fresh seeded company: company_id, data_path, username, password (+ "sim", its base)."""
    answer = requests.post(f"{sage50_base}/companies", json={"name": "Acme Heating Ltd"},
                           timeout=10)
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "sim": sage50_base}


def sim_hook(company: dict[str, Any], hook: str, body: dict[str, Any]) -> None:
    answer = requests.post(f"{company['sim']}/companies/{company['company_id']}/{hook}",
                           json=body, timeout=10)
    assert answer.status_code < 300, answer.text


def books(company: dict[str, Any]) -> dict[str, Any]:
    answer = requests.get(f"{company['sim']}/companies/{company['company_id']}/books", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()
