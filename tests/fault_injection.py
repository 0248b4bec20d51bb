"""WSGI fault injection in front of the package sandboxes, shared by the connector contract suite
(tests/contract) and the fault-injection bench (bench/fault_injection.py).

Installed around the app's wsgi_app, it answers some calls to a sandbox with an error before
the sandbox sees them (a 429, a 5xx), or lets the sandbox commit and then holds the answer back
past the client's timeout (the reply lost after the request left). Unarmed, it passes every
request straight through.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

WRITES = ("POST", "PUT")
# What each fault answers: status line and body (the storm's "5xx" picks among the three).
_ANSWERS = {
    "500": ("500 Server Error", b"the package is having a bad moment"),
    "502": ("502 Bad Gateway", b"the package is having a bad moment"),
    "503": ("503 Service Unavailable", b"down for a moment"),
    "429": ("429 Too Many Requests", b"rate limit exceeded"),
}


class FaultInjector:
    """WSGI middleware: per call to a package (a path under `prefix`), answer with an error
    before the package sees it, or let the package commit and answer `late_by` seconds late.

    `arm(prefix, mode, ...)` chooses the fault:
      "429", "500", "502", "503"  that answer, before the package sees the call;
      "5xx"                       mostly 503, now and then a 500 or 502 (a storm);
      "timeout"                   the package commits, the answer comes after the client gave up.
    Each call under the prefix is hit with probability `rate` until `budget` faults have been
    injected; the first `skip_calls` calls, and the calls up to and including the first
    `pass_writes` writes, go through untouched. `writes_only` limits the faults to POST/PUT
    (where "timeout" matters: a read that times out is simply read again).
    """

    def __init__(self, wsgi_app: Any, late_by: float = 4.5, seed: int = 7) -> None:
        self.wsgi_app = wsgi_app
        self.late_by = late_by
        self.prefix = ""
        self.mode = ""
        self.rate = 0.0
        self.budget = 0
        self.skip_calls = 0
        self.pass_writes = 0
        self.writes_only = False
        self.retry_after: str | None = "1"
        self.injected = Counter[str]()
        self.calls = 0
        # Set once the package has answered a "timeout" call (whose answer is then held back):
        # a client that gave up earlier can wait for the package to have committed.
        self.answered = threading.Event()
        self.rng = random.Random(seed)  # noqa: S311 (which call fails, not a secret)
        self.lock = threading.Lock()

    def arm(self, prefix: str, mode: str, rate: float = 1.0, budget: int = 1, *,
            skip_calls: int = 0, pass_writes: int = 0, writes_only: bool | None = None,
            retry_after: str | None = "1") -> None:
        """Start injecting `mode` faults into calls whose path starts with `prefix`.
        `retry_after`: the Retry-After header of a 429 or 503 (None: no header)."""
        if mode not in (*_ANSWERS, "5xx", "timeout"):
            raise ValueError(f"unknown fault mode {mode!r}")
        with self.lock:
            self.prefix, self.mode, self.rate, self.budget = prefix, mode, rate, budget
            self.skip_calls, self.pass_writes = skip_calls, pass_writes
            self.writes_only = mode == "timeout" if writes_only is None else writes_only
            self.retry_after = retry_after
            self.injected, self.calls = Counter(), 0
            self.answered.clear()

    def disarm(self) -> None:
        with self.lock:
            self.mode = ""

    def _decide(self, environ: dict) -> str:
        path = environ.get("PATH_INFO", "")
        if not self.mode or not path.startswith(self.prefix):
            return ""
        write = environ.get("REQUEST_METHOD") in WRITES
        with self.lock:
            self.calls += 1
            if self.budget <= 0 or self.calls <= self.skip_calls:
                return ""
            if self.pass_writes > 0:
                self.pass_writes -= write
                return ""
            if self.writes_only and not write:
                return ""
            if self.rng.random() >= self.rate:
                return ""
            self.budget -= 1
            kind = (self.rng.choice(["500", "502", *["503"] * 18]) if self.mode == "5xx"
                    else self.mode)
            self.injected[kind] += 1
            return kind

    def __call__(self, environ: dict, start_response: Any) -> Any:
        fault = self._decide(environ)
        if fault in _ANSWERS:
            status, body = _ANSWERS[fault]
            headers = [("Content-Type", "text/plain")]
            # A 500 or 502 comes without Retry-After: the client falls back on its own wait.
            if fault in ("429", "503") and self.retry_after is not None:
                headers.append(("Retry-After", self.retry_after))
            start_response(status, headers)
            return [body]
        if fault == "timeout":
            body = list(self.wsgi_app(environ, start_response))  # the package commits
            self.answered.set()
            time.sleep(self.late_by)  # ... and the answer arrives after the client gave up
            return body
        return self.wsgi_app(environ, start_response)
