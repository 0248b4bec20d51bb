"""Integers from URLs, query strings and forms, bounded to what the database can hold.

Ids are 32-bit on PostgreSQL (`integer`) and 64-bit on SQLite; a bigger number reaches the
driver and fails there as a 500. Everything is bounded at PostgreSQL's limit so the app answers
the same on both: a 404 for an id in the path (no such thing can exist), a 400 for a query or
form value, naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` for the whole app: 0 to MAX_ID in ASCII digits, else the URL matches nothing
    (a 404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        # Checked before int(): a number of thousands of digits is refused by int() itself.
        if len(value) > _MAX_DIGITS:
            raise ValidationError()
        return super().to_python(value)  # type: ignore[no-any-return]


def parse_int(raw: str | None, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """`raw` as a whole number from `low` to `high`; None when it is not one (or is empty)."""
    text = (raw or "").strip()
    # isascii: str.isdigit() accepts "²" and other digits int() refuses.
    if not text or not text.isascii() or not text.isdigit() or len(text) > _MAX_DIGITS:
        return None
    value = int(text)
    return value if low <= value <= high else None


def int_value(source: Mapping[str, Any], name: str, default: int | None = None, *,
              low: int = 1, high: int = MAX_ID, label: str | None = None) -> int | None:
    """The whole number in `source[name]` (request.args, request.form, ...): `default` when
    absent or empty, a 400 naming the field when it is not a whole number in range."""
    raw = source.get(name)
    if raw is None or not str(raw).strip():
        return default
    value = parse_int(str(raw), low=low, high=high)
    if value is None:
        raise BadRequest(description=f"“{label or name}” must be a whole number from {low} "
                                     f"to {high:,}.")
    return value
