"""Refusals every package simulator makes, each answered in the package's own error envelope:
a body that is not JSON or too large, garbage that slipped past the checks (always a 4xx, never a
500), and anything a sandbox raises as `Refused`. The package gives the envelope: a function from
a `Refused` to its answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from flask import Response, request

from sandboxes.kit import store as kit_store

Answer = tuple[Response, int]
# The packages' deepest real bodies (a QBO batch of invoices with line details) are under 10
# levels; far deeper is an attack, and checking or walking it would exhaust the stack.
MAX_JSON_DEPTH = 32
# What a malformed body that passed the checks raises inside a package's builders.
GARBAGE = (TypeError, ValueError, AttributeError, KeyError)

log = logging.getLogger(__name__)


class Refused(Exception):
    """The package refuses this request. `problem` says what kind of refusal ("bad_json",
    "too_large", "malformed", or the package's own), `detail` the particulars."""

    def __init__(self, problem: str, detail: str, status: int = 400) -> None:
        super().__init__(f"{problem}: {detail}")
        self.problem, self.detail, self.status = problem, detail, status


Envelope = Callable[[Refused], Answer]


def _as_pair(answer: Answer | Response) -> Answer:
    return (answer, answer.status_code) if isinstance(answer, Response) else answer


def shielded(envelope: Envelope, handle: Callable[[], Answer | Response]) -> Answer:
    """`handle()`'s answer; a `Refused` or garbage it raises becomes the package's envelope,
    with nothing it wrote kept."""
    try:
        return _as_pair(handle())
    except Refused as exc:
        kit_store.rollback()
        return envelope(exc)
    except GARBAGE as exc:
        kit_store.rollback()
        log.info("sandbox refused a malformed body: %r", exc)
        return envelope(Refused("malformed", str(exc)))


def read_json(max_bytes: int | None = None) -> tuple[Any, bytes]:
    """The request body as JSON and as sent; `Refused` "too_large" (413) beyond `max_bytes`,
    "bad_json" when it is not JSON we can read."""
    if max_bytes is not None and (request.content_length or 0) > max_bytes:
        raise Refused("too_large", f"more than {max_bytes} bytes", 413)
    raw = request.get_data(cache=True)
    if max_bytes is not None and len(raw) > max_bytes:
        raise Refused("too_large", f"more than {max_bytes} bytes", 413)
    try:
        return loads_json(raw), raw
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused("bad_json", str(exc)) from exc


def loads_json(raw: bytes) -> Any:
    """A request body as JSON, with ValueError (the caller's 400) for anything that is not
    valid UTF-8 JSON, including numbers of more than 4,300 digits, nesting deeper than
    MAX_JSON_DEPTH and NUL characters in strings or keys."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError as exc:
        raise ValueError("the JSON is nested too deeply") from exc
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            # PostgreSQL cannot store it; the packages refuse control characters too.
            raise ValueError("a string in the JSON holds a NUL character (\\u0000)")
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
            items = list(value.values()) + list(value) if isinstance(value, dict) else value
            stack.extend((v, depth + 1) for v in items)
    return data
