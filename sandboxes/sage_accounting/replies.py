"""Sage Accounting's answers: JSON written as Sage writes it (amounts as numbers with two
decimals) and its error envelope, a JSON array of {"$severity", "$dataCode", "$message",
"$source"}.

The wordings are our best guess of Sage's (wire contract, /work/brief/wire.md), shared with the
connector that classifies them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import simplejson
from flask import Response

from sandboxes.kit.errors import Refused
from sandboxes.kit.money import round_money

# Fields that hold money: answered with exactly two decimals (10.50, not 10.5).
MONEY_FIELDS = frozenset({
    "net_amount", "tax_amount", "total_amount", "outstanding_amount", "total_paid",
    "discount_amount", "amount", "balance", "payments_allocations_total_amount",
})

# unverified: the wordings below follow the wire contract, itself a guess from Sage's docs.
UNAUTHORISED = "The access token is invalid or has expired"
FORBIDDEN = "You do not have access to this business"
NOT_FOUND = "Resource not found"


def _as_decimals(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _as_decimals(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_decimals(v, key) for v in value]
    if isinstance(value, float | int) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return round_money(number) if key in MONEY_FIELDS else number
    return value


def dumps(data: Any) -> str:
    """JSON as the sandbox answers it: money to two decimals, other numbers as stored."""
    return simplejson.dumps(_as_decimals(data), use_decimal=True)


def answer(data: Any, status: int = 200, headers: dict[str, str] | None = None
           ) -> tuple[Response, int]:
    response = Response(dumps(data), status=status, mimetype="application/json")
    response.headers.update(headers or {})
    return response, status


def error_item(code: str, message: str, source: str = "") -> dict[str, str]:
    return {"$severity": "error", "$dataCode": code, "$message": message, "$source": source}


def errors(status: int, items: list[dict[str, str]],
           headers: dict[str, str] | None = None) -> tuple[Response, int]:
    return answer(items, status, headers)


def unauthorised() -> tuple[Response, int]:
    return errors(401, [error_item("AuthenticationFailed", UNAUTHORISED)],
                  {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def forbidden() -> tuple[Response, int]:
    return errors(403, [error_item("Forbidden", FORBIDDEN)])


def not_found() -> tuple[Response, int]:
    return errors(404, [error_item("RecordNotFound", NOT_FOUND)])


def too_many(retry_after: int) -> tuple[Response, int]:
    # unverified: the v3.0 docs' limit; the wording is the wire contract's.
    message = f"Rate limit exceeded. Retry after {retry_after} seconds"
    return errors(429, [error_item("TooManyRequests", message)],
                  {"Retry-After": str(retry_after)})


class Invalid(Refused):
    """Sage refuses the record: 422 with one or more RecordInvalid items. Raised before the
    first write of the refused request, or the caller rolls back."""

    def __init__(self, message: str, source: str = "", code: str = "RecordInvalid") -> None:
        super().__init__("record_invalid", message, 422)
        self.items = [error_item(code, message, source)]

    @classmethod
    def of(cls, items: list[dict[str, str]]) -> Invalid:
        refused = cls(items[0]["$message"], items[0]["$source"], items[0]["$dataCode"])
        refused.items = list(items)
        return refused


def envelope(refused: Refused) -> tuple[Response, int]:
    """Sage's answer to a refused request: the kit's refusals (malformed JSON, garbage that
    slipped past the checks) and our own `Invalid`."""
    if isinstance(refused, Invalid):
        return errors(422, refused.items)
    if refused.problem == "bad_json":
        # unverified: Sage's words for a body it cannot parse.
        return errors(400, [error_item("InvalidJSON", "The request body is not valid JSON")])
    if refused.problem == "too_large":
        return errors(413, [error_item("RequestTooLarge", "The request body is too large")])
    return errors(422, [error_item("RecordInvalid", f"The record is not valid: {refused.detail}")])
