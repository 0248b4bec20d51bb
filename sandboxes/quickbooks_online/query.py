"""QBO's query language, the part clients use:

    SELECT * [, Field ...] | COUNT(*) | Field, Field FROM Entity
      [WHERE Field op value [AND Field op value ...]]
      [ORDERBY Field [ASC|DESC][, ...]] [STARTPOSITION n] [MAXRESULTS n]

op is =, !=, <, >, <=, >=, LIKE ('%' wildcards) or IN ('a', 'b'). Values are 'quoted' (\\'
escapes a quote), numbers, or true/false. A reference field (CustomerRef) compares its "value".
Like QBO, name lists (Customer, Vendor, Item, Account, TaxCode...) answer only active objects
unless the WHERE clause mentions Active. No OR, no joins: QBO has neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

DEFAULT_MAX = 100
MAX_RESULTS = 1000
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|=|<|>)"
    r"|(?P<punct>[(),*])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)


class QueryError(ValueError):
    pass


@dataclass
class Query:
    entity: str
    count: bool = False
    fields: list[str] | None = None
    conditions: list[tuple[str, str, Any]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    start: int = 1
    max_results: int = DEFAULT_MAX


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"Encountered \"{text[pos:pos + 10]}\" at column {pos + 1}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _literal(kind: str, raw: str) -> Any:
    if kind == "str":
        return raw[1:-1].replace("\\'", "'").replace("\\\\", "\\")
    if kind == "num":
        return Decimal(raw)
    if kind == "word" and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise QueryError(f"Expected a value, found \"{raw}\"")


def parse(text: str) -> Query:
    toks = _tokens(text)
    pos = 0

    def peek(word: str | None = None) -> bool:
        if pos >= len(toks):
            return False
        return word is None or toks[pos][1].lower() == word

    def take(word: str | None = None) -> tuple[str, str]:
        nonlocal pos
        if pos >= len(toks):
            raise QueryError(f"Unexpected end of query{f', expected {word}' if word else ''}")
        tok = toks[pos]
        if word is not None and tok[1].lower() != word:
            raise QueryError(f"Encountered \"{tok[1]}\", expected \"{word}\"")
        pos += 1
        return tok

    take("select")
    query = Query(entity="")
    if peek("count"):
        take("count"), take("("), take("*"), take(")")
        query.count = True
    elif peek("*"):
        take("*")
        # "SELECT *, Sku FROM Item" (python-quickbooks' Item.all): QBO accepts fields named
        # beside the star and answers with every field (PACKAGES.md, field notes).
        while peek(","):
            take(",")
            kind, name = take()
            if kind != "word":
                raise QueryError(f"Encountered \"{name}\", expected a field name")
    else:
        query.fields = [take()[1]]
        while peek(","):
            take(",")
            query.fields.append(take()[1])
    take("from")
    kind, entity = take()
    if kind != "word":
        raise QueryError(f"Encountered \"{entity}\", expected an entity name")
    query.entity = entity
    if peek("where"):
        take("where")
        while True:
            kind, name = take()
            if kind != "word":
                raise QueryError(f"Encountered \"{name}\", expected a field name")
            op_kind, op = take()
            if op_kind == "word" and op.lower() in ("like", "in"):
                op = op.lower()
            elif op_kind != "op":
                raise QueryError(f"Encountered \"{op}\", expected an operator")
            if op == "in":
                take("(")
                values = [_literal(*take())]
                while peek(","):
                    take(",")
                    values.append(_literal(*take()))
                take(")")
                query.conditions.append((name, op, values))
            else:
                query.conditions.append((name, op, _literal(*take())))
            if not peek("and"):
                break
            take("and")
    if peek("orderby") or peek("order"):
        if take()[1].lower() == "order":
            take("by")
        while True:
            name = take()[1]
            descending = False
            if peek("asc") or peek("desc"):
                descending = take()[1].lower() == "desc"
            query.order.append((name, descending))
            if not peek(","):
                break
            take(",")
    for keyword in ("startposition", "maxresults"):
        if peek(keyword):
            take(keyword)
            kind, raw = take()
            if kind != "num" or "." in raw or int(raw) < 1:
                raise QueryError(f"{keyword.upper()} must be a positive whole number")
            if keyword == "startposition":
                query.start = int(raw)
            else:
                query.max_results = min(int(raw), MAX_RESULTS)
    if pos < len(toks):
        raise QueryError(f"Encountered \"{toks[pos][1]}\" at the end of the query")
    return query


def _value(obj: dict[str, Any], name: str) -> Any:
    current: Any = obj
    for part in name.split("."):
        if not isinstance(current, dict):
            return None
        current = next((v for k, v in current.items() if k.lower() == part.lower()), None)
    if isinstance(current, dict) and "value" in current:
        current = current["value"]
    return current


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(right, bool):
        return bool(left), right
    if isinstance(right, Decimal):
        try:
            return Decimal(str(left)), right
        except (InvalidOperation, ValueError):
            return None, right
    return ("" if left is None else str(left)).lower(), right.lower()


def _matches(obj: dict[str, Any], name: str, op: str, want: Any) -> bool:
    have = _value(obj, name)
    if op == "in":
        return any(_matches(obj, name, "=", item) for item in want)
    if op == "like":
        pattern = "^" + ".*".join(re.escape(p) for p in str(want).lower().split("%")) + "$"
        return re.match(pattern, str(have or "").lower(), re.DOTALL) is not None
    left, right = _comparable(have, want)
    if left is None:
        return False
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
    }
    try:
        return ops[op](left, right)
    except TypeError:
        return False


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers (Ids are numeric strings) sort as numbers, before text."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is not None and number.is_finite():
        return (0, number)
    return (1, str(value or "").lower())


def run(query: Query, objects: list[dict[str, Any]], name_list: bool) -> list[dict[str, Any]]:
    """The objects the query selects, ordered and paged (1-based STARTPOSITION)."""
    mentions_active = any(name.lower() == "active" for name, _op, _v in query.conditions)
    if name_list and not mentions_active:
        objects = [o for o in objects if o.get("Active", True)]
    for name, op, want in query.conditions:
        objects = [o for o in objects if _matches(o, name, op, want)]
    for name, descending in reversed(query.order):
        objects = sorted(objects, key=lambda o, n=name: _sort_key(_value(o, n)),
                         reverse=descending)
    if query.count:
        return objects
    page = objects[query.start - 1: query.start - 1 + query.max_results]
    if query.fields:
        wanted = {f.lower() for f in query.fields} | {"id", "synctoken", "domain", "sparse"}
        page = [{k: v for k, v in o.items() if k.lower() in wanted} for o in page]
    return page
