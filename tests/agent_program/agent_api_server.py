"""A tiny real HTTP server speaking the agent API (contract section 1), for the agent's own tests.

It stands in for Ledgerlink's app only as the other end of the wire: records are queued by the
test, handed out in leases (one kind per batch), and acks are recorded as they arrive. It can be
taken "down" (503 to everything) and can hand out a leased record again with check_first, as the
real server does when an ack never arrived. The end-to-end journey against the real app is the
lead's.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class QueuedRecord:
    key: str
    kind: str
    payload: dict[str, Any]
    state: str = "ready"  # ready, leased, done
    check_first: bool = False
    handed_out: int = 0
    result: dict[str, Any] | None = None


@dataclass
class AgentApiServer:
    token: str = field(default_factory=lambda: "agent-12." + secrets.token_urlsafe(32))
    lists_due: list[str] = field(default_factory=list)
    poll_seconds: int = 1
    down: bool = False
    failing_paths: set[str] = field(default_factory=set)  # these answer 503 while `down` is not
    records: dict[str, QueuedRecord] = field(default_factory=dict)
    batches: dict[str, list[str]] = field(default_factory=dict)
    acks: list[dict[str, Any]] = field(default_factory=list)
    heartbeats: list[dict[str, Any]] = field(default_factory=list)
    stored_lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests_seen: list[str] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- the test's handles ------------------------------------------------------------------
    def queue(self, key: str, kind: str, payload: dict[str, Any]) -> None:
        with self._lock:
            self.records[key] = QueuedRecord(key, kind, payload)

    def hand_out_again(self, key: str) -> None:
        """As when a lease ran out without an ack: ready again, and look in Sage first."""
        with self._lock:
            record = self.records[key]
            record.state, record.check_first = "ready", True

    def acked(self) -> dict[str, dict[str, Any]]:
        return {key: r.result for key, r in self.records.items() if r.result is not None}

    def start(self) -> AgentApiServer:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- the API -----------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._answer(request)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        self.requests_seen.append(f"{request.method} {request.path}")
        if self.down or request.path in self.failing_paths:
            return _json({"error": "unavailable", "detail": "down for maintenance"}, 503)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"error": "unauthorized", "detail": "unknown agent token"}, 401)
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return _json({"error": "bad_json", "detail": "the body is not JSON"}, 400)
        route = (request.method, request.path)
        with self._lock:
            if route == ("POST", "/agent/v1/heartbeat"):
                self.heartbeats.append(body)
                return _json({"poll_seconds": self.poll_seconds, "lists_due": self.lists_due,
                              "ready": sum(r.state == "ready" for r in self.records.values())})
            if request.method == "PUT" and request.path.startswith("/agent/v1/lists/"):
                name = request.path.rsplit("/", 1)[1]
                items = body.get(name)
                if not isinstance(items, list):
                    return _json({"error": "bad_list", "detail": f"{name} must be a list"}, 400)
                self.stored_lists[name] = items
                self.lists_due = [n for n in self.lists_due if n != name]
                return _json({"stored": len(items)})
            if route == ("POST", "/agent/v1/lease"):
                return _json(self._lease(int(body.get("max_records") or 50)))
            if route == ("POST", "/agent/v1/ack"):
                return self._ack(body)
        return _json({"error": "not_found", "detail": request.path}, 404)

    def _lease(self, max_records: int) -> dict[str, Any]:
        ready = [r for r in self.records.values() if r.state == "ready"]
        if not ready:
            return {"batch_id": None, "lease_seconds": 300, "expires_at": None,
                    "poll_seconds": self.poll_seconds, "records": []}
        kind = ready[0].kind
        chosen = [r for r in ready if r.kind == kind][:max_records]
        batch_id = secrets.token_hex(16)
        self.batches[batch_id] = [r.key for r in chosen]
        for record in chosen:
            record.state = "leased"
            record.handed_out += 1
        expires = (datetime.now(UTC) + timedelta(seconds=300)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"batch_id": batch_id, "lease_seconds": 300, "expires_at": expires,
                "poll_seconds": self.poll_seconds,
                "records": [{"key": r.key, "kind": r.kind, "check_first": r.check_first,
                             "payload": r.payload} for r in chosen]}

    def _ack(self, body: dict[str, Any]) -> Response:
        batch = self.batches.get(str(body.get("batch_id")))
        if batch is None:
            return _json({"error": "unknown_batch", "detail": "no such batch"}, 404)
        self.acks.append(body)
        answers, applied = [], 0
        for result in body.get("results") or []:
            record = self.records.get(result.get("key"))
            fresh = (record is not None and result["key"] in batch
                     and record.state == "leased" and result.get("status") != "retry")
            if fresh:
                record.state, record.result = "done", result
                applied += 1
            elif record is not None and result.get("status") == "retry":
                record.state = "ready"
            answers.append({"key": result.get("key"), "applied": fresh})
        return _json({"applied": applied, "ignored": len(answers) - applied, "results": answers})


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")
