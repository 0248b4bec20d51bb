"""FreeAgent's answers: JSON with references as full URLs on the host the request came to,
Decimals as strings in FreeAgent's style ("100.0", "16.67", "-24.0"), and its two error
envelopes: a 422 is `{"errors": [{"message": ...}, ...]}`, every other error
`{"errors": {"error": {"message": ...}}}`.

The shapes and wordings are the wire contract's (/work/brief/freeagent-wire.md), shared with the
connector that classifies them; FreeAgent publishes no list of its errors.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import Response, request

from sandboxes.kit.errors import Refused

# Fields holding a reference to another object (stored as a path, answered as a URL).
URL_FIELDS = frozenset({"url", "contact", "category", "bank_account", "bank_transaction",
                        "paid_invoice", "invoice", "credit_note"})

# unverified (all): the wire contract's wordings, from FreeAgent's forum where it quotes them.
UNAUTHORISED = "Access token not recognised"
NOT_FOUND = "Resource not found"
NO_USER_AGENT = "A User-Agent header is required"
BAD_JSON = "The request body is not valid JSON"
TOO_LARGE = "The request body is too large"


def decimal_text(value: Decimal) -> str:
    """A Decimal as FreeAgent writes one: trailing zeros dropped, at least one decimal place."""
    if value == 0:
        return "0.0"
    text = format(value.normalize(), "f")
    return text if "." in text else f"{text}.0"


def api_base() -> str:
    """{FREEAGENT_API_URL} as this request reached it: the host and the sandbox's prefix."""
    script = request.script_root or ""
    return f"{request.host_url.rstrip('/')}{script}/sandbox/freeagent"


def _expanded(value: Any, base: str, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _expanded(v, base, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_expanded(v, base, key) for v in value]
    if key in URL_FIELDS and isinstance(value, str) and value.startswith("/v2/"):
        return f"{base}{value}"
    return value


def dumps(data: Any) -> str:
    return json.dumps(_expanded(data, api_base()))


def answer(data: Any, status: int = 200, headers: dict[str, str] | None = None
           ) -> tuple[Response, int]:
    response = Response(dumps(data), status=status, mimetype="application/json")
    response.headers.update(headers or {})
    return response, status


def error(status: int, message: str, headers: dict[str, str] | None = None
          ) -> tuple[Response, int]:
    """Any refusal but a 422: FreeAgent's object-shaped envelope."""
    return answer({"errors": {"error": {"message": message}}}, status, headers)


def unauthorised() -> tuple[Response, int]:
    return error(401, UNAUTHORISED, {"WWW-Authenticate": "Bearer"})


def not_found() -> tuple[Response, int]:
    return error(404, NOT_FOUND)


def too_many(limit: int, seconds: int, retry_after: int) -> tuple[Response, int]:
    # The wording FreeAgent's forum quotes for its minute window.
    return error(429, f"You must not exceed {limit} requests per {seconds} seconds",
                 {"Retry-After": str(retry_after)})


class Invalid(Refused):
    """FreeAgent refuses the record: 422 with one or more messages. Raised before the first
    write of the refused request, or the caller rolls back."""

    def __init__(self, message: str) -> None:
        super().__init__("record_invalid", message, 422)
        self.messages = [message]


class Problem(Refused):
    """A refusal in the other envelope (400 "Invalid nominal code", a missing parameter)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__("problem", message, status)
        self.message = message


def envelope(refused: Refused) -> tuple[Response, int]:
    """FreeAgent's answer to a refused request: ours, and the kit's (malformed JSON, garbage
    that slipped past the checks)."""
    if isinstance(refused, Invalid):
        return answer({"errors": [{"message": m} for m in refused.messages]}, 422)
    if isinstance(refused, Problem):
        return error(refused.status, refused.message)
    if refused.problem == "bad_json":
        return error(400, BAD_JSON)
    if refused.problem == "too_large":
        return error(413, TOO_LARGE)
    # unverified: what FreeAgent says of a body of the wrong shape inside.
    return answer({"errors": [{"message": f"The record is not valid: {refused.detail}"}]}, 422)
