"""Sage's lists: pages of `$items` with `$total`, `$page`, `$next`, `$back` and `$itemsPerPage`,
`items_per_page` (default 20, at most 200), `attributes` (all, or named fields besides the base
ones: id, displayed_as, $path) and the `search` match (case-insensitive substring).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from flask import request

from sandboxes.sage_accounting.replies import Invalid
from sandboxes.sage_accounting.store import public

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200
BASE_FIELDS = ("id", "displayed_as", "$path")
_PAGING = ("page", "items_per_page")


def _whole(name: str, default: int, low: int, high: int | None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"{name} must be a whole number", name) from None
    if value < low or (high is not None and value > high):
        # unverified: Sage's words for an out-of-range page size.
        limit = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise Invalid(f"{name} must be {limit}", name)
    return value


def shown(obj: dict[str, Any]) -> dict[str, Any]:
    """One item as `attributes` asks for it."""
    full = public(obj)
    wanted = request.args.get("attributes", "").strip()
    if wanted == "all":
        return full
    names = [*BASE_FIELDS, *(n.strip() for n in wanted.split(",") if n.strip())]
    return {name: full[name] for name in names if name in full}


def search_matches(obj: dict[str, Any], fields: Iterable[str]) -> bool:
    """The `search` parameter's match: a substring of any of `fields`, ignoring case."""
    term = request.args.get("search", "").strip().lower()
    return not term or any(term in str(obj.get(f) or "").lower() for f in fields)


def _page_path(collection: str, page: int, per_page: int) -> str:
    # The other parameters ride along, so following $next keeps the same filter and fields.
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in _PAGING]
    query = urlencode([("page", page), ("items_per_page", per_page), *kept])
    return f"/{collection}?{query}"


def page(collection: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The page of `objects` (already filtered) the request asks for."""
    per_page = _whole("items_per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    number = _whole("page", 1, 1, None)
    start = (number - 1) * per_page
    items = objects[start:start + per_page]
    return {
        "$total": len(objects),
        "$page": number,
        "$next": (_page_path(collection, number + 1, per_page)
                  if start + per_page < len(objects) else None),
        "$back": _page_path(collection, number - 1, per_page) if number > 1 else None,
        "$itemsPerPage": per_page,
        "$items": [shown(obj) for obj in items],
    }
