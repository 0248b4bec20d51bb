"""The agent is its own package under agent/: put it on the path, and serve the agent API."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

AGENT_DIR = Path(__file__).resolve().parents[2] / "agent"
if str(AGENT_DIR) not in sys.path:
    sys.path.insert(0, str(AGENT_DIR))

from tests.agent_program.agent_api_server import AgentApiServer  # noqa: E402


@pytest.fixture
def api_server() -> Iterator[AgentApiServer]:
    server = AgentApiServer().start()
    try:
        yield server
    finally:
        server.stop()
