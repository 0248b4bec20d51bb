"""A reverse proxy in front of the app, as nginx stands in front of gunicorn on a real install,
that can answer 502 Bad Gateway for chosen calls: the agent then meets a server that is down,
over real HTTP. `after_forwarding` makes the call reach the app first (its answer is lost on
the way back), as when the app did the work and the connection dropped."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding",
        "host"}


@dataclass
class Outage:
    path: str  # e.g. "/agent/v1/ack"
    times: int  # how many such calls fail
    after_forwarding: bool = False
    met: int = 0  # how many did fail


@dataclass
class Proxy:
    target: str
    outages: list[Outage] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    url: str = ""

    def __post_init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()

    def _outage(self, path: str) -> Outage | None:
        return next((o for o in self.outages if o.path == path and o.met < o.times), None)

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.calls[request.path] += 1
        outage = self._outage(request.path)
        if outage is not None and not outage.after_forwarding:
            outage.met += 1
            return Response("502 Bad Gateway", status=502)(environ, start_response)
        answer = requests.request(
            request.method, self.target + request.full_path.rstrip("?"),
            data=request.get_data(), timeout=60,
            headers={k: v for k, v in request.headers.items() if k.lower() not in _HOP})
        if outage is not None:
            outage.met += 1
            return Response("502 Bad Gateway", status=502)(environ, start_response)
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in _HOP]
        return Response(answer.content, status=answer.status_code,
                        headers=headers)(environ, start_response)
