"""The Sage 50 simulator over real HTTP for its tests: the session app's own mount (the app
mounts it once `sage50` is in connectors/__init__.py's registry; until then we mount it on the
session app ourselves, before its first request), else a small Flask app of our own with the
kit's blueprint and the simulator's, on a free port. Either way the SDO
objects (sandboxes/sage50/sdo.py) reach it through `requests`, as the agent does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sandboxes.sage50 import sdo


@pytest.fixture(scope="session")
def sage50_url(app, live_url) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The base URL the simulator answers under (…/sandbox/sage50 is added by callers)."""
    from sandboxes.sage50 import bp

    if "sage50_sandbox" not in app.blueprints and not app._got_first_request:
        # until the registry names sage50, mount it as app._register_sandboxes would
        from app.extensions import csrf

        app.register_blueprint(bp)
        csrf.exempt(bp)
    if "sage50_sandbox" in app.blueprints:
        yield live_url
        return

    from sandboxes.sage50.standalone import serve_in_thread

    url, stop = serve_in_thread()
    yield url
    stop()


@pytest.fixture
def sim(sage50_url: str) -> str:
    return f"{sage50_url}/sandbox/sage50"


@pytest.fixture
def new_company(sim: str) -> Callable[..., dict[str, Any]]:
    """Factory: a fresh seeded company as POST /companies answers it."""
    def make(name: str = "Acme Heating Ltd") -> dict[str, Any]:
        answer = requests.post(f"{sim}/companies", json={"name": name}, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()
    return make


@pytest.fixture
def company(new_company: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return new_company()


@pytest.fixture
def engine() -> sdo.SDOEngine:
    return sdo.SDOEngine()


@pytest.fixture
def ws(engine: sdo.SDOEngine, company: dict[str, Any]) -> Iterator[Any]:
    """A workspace connected to `company`, as the agent's writer opens one."""
    workspace = engine.Workspaces.Add("ledgerlink")
    workspace.Connect(company["data_path"], company["username"], company["password"],
                      "ledgerlink")
    yield workspace
    workspace.Disconnect()
