"""FreeAgent's lists (docs, introduction): `page` from 1, `per_page` (25 unless told, at most
100), the page's items under the collection's name, and a `Link` header of absolute URLs with
rel first, prev, next and last, the other query parameters kept in each."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request

from sandboxes.freeagent.replies import api_base

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
_PAGING = ("page", "per_page")


def _whole(name: str, default: int) -> int:
    # unverified: FreeAgent's answer to a page parameter that is not a number; the sandbox
    # takes the default, as Rails' to_i of garbage would give nothing useful either.
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return default
    return value if value >= 1 else default


def _link(path: str, page: int, per_page: int) -> str:
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in _PAGING]
    query = urlencode([*kept, ("page", page), ("per_page", per_page)])
    return f"{api_base()}{path}?{query}"


def page(path: str, objects: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                              dict[str, str]]:
    """The page of `objects` (already filtered) the request asks for, and its headers.
    `path` is the list's own (/v2/contacts)."""
    # unverified: more than 100 is taken as 100 rather than refused.
    per_page = min(_whole("per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    number = _whole("page", 1)
    last = max(1, -(-len(objects) // per_page))
    start = (number - 1) * per_page
    links = [f'<{_link(path, 1, per_page)}>; rel="first"']
    if number > 1:
        links.append(f'<{_link(path, min(number - 1, last), per_page)}>; rel="prev"')
    if number < last:
        links.append(f'<{_link(path, number + 1, per_page)}>; rel="next"')
    links.append(f'<{_link(path, last, per_page)}>; rel="last"')
    headers = {"Link": ", ".join(links), "X-Total-Count": str(len(objects))}
    return objects[start:start + per_page], headers
