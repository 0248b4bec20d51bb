"""KashFlow's answers: PascalCase JSON, money as JSON numbers, and its one error envelope,
`{"Error": "<Code>", "Message": "<words>"}` (the wire contract's; KashFlow publishes no list of
its errors, so every code and wording here is unverified).

Figures are stored as decimal text (JSON numbers would pass through floats on the way into the
store) and written as numbers on the way out: every figure the sandbox keeps has at most 15
significant digits, so the float's shortest form is the decimal itself.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import Response, request

from sandboxes.kit.errors import Refused

# Fields held as decimal text and answered as numbers.
NUMBER_FIELDS = frozenset({"Rate", "Quantity", "VatRate", "VatAmount", "NetAmount", "VATAmount",
                           "GrossAmount", "AmountPaid", "AmountApplied", "Amount"})

INVALID_TOKEN = "The session token is invalid or has expired."  # noqa: S105 (words)
NOT_FOUND = "The requested resource was not found."
BAD_JSON = "The request body is not valid JSON."
TOO_LARGE = "The request body is too large."


def decimal_text(value: Decimal) -> str:
    """A Decimal as stored: no exponent, trailing zeros kept as computed."""
    return format(value, "f")


def api_base() -> str:
    """{KASHFLOW_API_URL} as this request reached it: the host, the prefix and /v2."""
    script = request.script_root or ""
    return f"{request.host_url.rstrip('/')}{script}/sandbox/kashflow/v2"


def _numbers(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _numbers(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v, key) for v in value]
    if key in NUMBER_FIELDS and isinstance(value, str):
        number = Decimal(value)
        # "20" (a whole number as stored) stays whole; "120.00" is answered 120.0.
        whole = "." not in value and number == number.to_integral_value()
        return int(number) if whole else float(number)
    return value


def answer(data: Any, status: int = 200, headers: dict[str, str] | None = None
           ) -> tuple[Response, int]:
    response = Response(json.dumps(_numbers(data)), status=status,
                        mimetype="application/json")
    response.headers.update(headers or {})
    return response, status


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None
          ) -> tuple[Response, int]:
    return answer({"Error": code, "Message": message}, status, headers)


def invalid_token() -> tuple[Response, int]:
    return error(401, "InvalidToken", INVALID_TOKEN)


def not_found(message: str = NOT_FOUND) -> tuple[Response, int]:
    return error(404, "NotFound", message)


def too_many(retry_after: int) -> tuple[Response, int]:
    return error(429, "TooManyRequests",
                 f"Too many requests: at most 60 a minute. Try again in {retry_after} seconds.",
                 {"Retry-After": str(retry_after)})


class Invalid(Refused):
    """KashFlow refuses the request: `{"Error": code, "Message": message}` with `status`.
    Raised before the first write of the refused request, or the caller rolls back."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code, message, status)
        self.code, self.message = code, message


def validation(message: str) -> Invalid:
    return Invalid("ValidationError", message)


def envelope(refused: Refused) -> tuple[Response, int]:
    """KashFlow's answer to a refused request: ours, and the kit's (malformed JSON, garbage
    that slipped past the checks)."""
    if isinstance(refused, Invalid):
        return error(refused.status, refused.code, refused.message)
    if refused.problem == "bad_json":
        return error(400, "ValidationError", BAD_JSON)
    if refused.problem == "too_large":
        return error(413, "RequestTooLarge", TOO_LARGE)
    return error(400, "ValidationError", f"The request is not valid: {refused.detail}")
