"""Xero's `where` and `order` query parameters, for the sandbox's GET endpoints.

Supports what clients use: `Field=="text"`, `Field!=...`, `<`, `>`, `<=`, `>=`, `Guid("...")`,
`true`/`false`/`null`, numbers, `DateTime(2024,01,31)`, dotted paths (`Contact.ContactID`),
`Field.Contains("x")` / `StartsWith` / `EndsWith`, joined by AND / OR (no parentheses).
String comparisons ignore case, as Xero's do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sandboxes.xero.store import parse_date


class QueryError(ValueError):
    """A `where` or `order` Xero would not parse."""


_CLAUSE = re.compile(r"^\s*([A-Za-z][\w.]*)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$")
_METHOD = re.compile(r'^\s*([A-Za-z][\w.]*)\.(Contains|StartsWith|EndsWith)\(\s*"(.*)"\s*\)\s*$')
_DATETIME = re.compile(r"^DateTime\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)$")
_GUID = re.compile(r'^Guid\(\s*"([^"]*)"\s*\)$', re.IGNORECASE)


def _value(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    match = _GUID.match(text)
    if match:
        return match.group(1)
    match = _DATETIME.match(text)
    if match:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    lowered = text.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered == "null":
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise QueryError(f"cannot understand the value {text}") from None


def _field(obj: dict[str, Any], path: str) -> Any:
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        match = next((k for k in current if k.lower() == part.lower()), None)
        current = current.get(match) if match else None
    return current


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if isinstance(expected, date):
        try:
            actual = parse_date(actual) if actual is not None else None
        except ValueError:
            actual = None
    elif isinstance(expected, Decimal):
        try:
            actual = Decimal(str(actual)) if actual is not None else None
        except InvalidOperation:
            actual = None
    elif isinstance(expected, str):
        actual = None if actual is None else str(actual).lower()
        expected = expected.lower()
    if op == "==":
        return actual == expected
    if op == "!=":
        return actual != expected
    if actual is None or expected is None:
        return False
    try:
        return {">": actual > expected, "<": actual < expected,
                ">=": actual >= expected, "<=": actual <= expected}[op]
    except TypeError:
        return False


def _clause(text: str) -> Callable[[dict[str, Any]], bool]:
    match = _METHOD.match(text)
    if match:
        path, method, needle = match.group(1), match.group(2), match.group(3).lower()

        def _text_test(obj: dict[str, Any]) -> bool:
            value = str(_field(obj, path) or "").lower()
            if method == "Contains":
                return needle in value
            if method == "StartsWith":
                return value.startswith(needle)
            return value.endswith(needle)

        return _text_test
    match = _CLAUSE.match(text)
    if not match:
        raise QueryError(f"cannot parse the where clause {text.strip()}")
    path, op, expected = match.group(1), match.group(2), _value(match.group(3))
    return lambda obj: _compare(_field(obj, path), op, expected)


def where_filter(where: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate for a Xero `where` expression (AND binds tighter than OR)."""
    alternatives = []
    for part in re.split(r"\s+OR\s+|\s*\|\|\s*", where, flags=re.IGNORECASE):
        clauses = [_clause(c) for c in re.split(r"\s+AND\s+|\s*&&\s*", part, flags=re.IGNORECASE)]
        alternatives.append(clauses)
    return lambda obj: any(all(c(obj) for c in clauses) for clauses in alternatives)


def order_objects(objects: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """`order=Name ASC` / `order=Date DESC` (one field)."""
    match = re.match(r"^\s*([A-Za-z][\w.]*)\s*(ASC|DESC)?\s*$", order, re.IGNORECASE)
    if not match:
        raise QueryError(f"cannot parse the order {order}")
    path, direction = match.group(1), (match.group(2) or "ASC").upper()

    def key(obj: dict[str, Any]) -> tuple[int, Any]:
        value = _field(obj, path)
        if isinstance(value, str) and value.startswith("/Date("):
            return (0, parse_date(value).isoformat())
        if isinstance(value, int | float):
            return (0, f"{value:030.6f}")
        return (1 if value is None else 0, str(value).lower() if value is not None else "")

    return sorted(objects, key=key, reverse=direction == "DESC")
