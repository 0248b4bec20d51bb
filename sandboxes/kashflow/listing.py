"""KashFlow's lists (wire contract; unverified): `{"Data": [...], "MetaData": {"NextPageUrl":
absolute URL | null, "TotalRecords": n}}`, query `page` from 1 and `perpage` (at most 100, more
refused), the other query parameters kept in the next page's URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request

from sandboxes.kashflow.replies import api_base, validation

DEFAULT_PER_PAGE = 25  # unverified: KashFlow's page when none is asked for
MAX_PER_PAGE = 100
_PAGING = ("page", "perpage")


def _whole(name: str, default: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation(f"{name} must be a whole number.") from None
    if value < 1:
        raise validation(f"{name} must be 1 or more.")
    return value


def page(path: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The page of `objects` (already filtered) the request asks for, in KashFlow's list
    shape. `path` is the list's own below /v2 (/customers)."""
    per_page = _whole("perpage", DEFAULT_PER_PAGE)
    if per_page > MAX_PER_PAGE:
        raise validation(f"perpage must be {MAX_PER_PAGE} or fewer.")
    number = _whole("page", 1)
    start = (number - 1) * per_page
    following = None
    if start + per_page < len(objects):
        kept = [(k, v) for k, v in request.args.items(multi=True) if k not in _PAGING]
        query = urlencode([*kept, ("page", number + 1), ("perpage", per_page)])
        following = f"{api_base()}{path}?{query}"
    return {"Data": objects[start:start + per_page],
            "MetaData": {"NextPageUrl": following, "TotalRecords": len(objects)}}
