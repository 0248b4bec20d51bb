"""Query results and iterators: MaxReturned, and iterator="Start" / "Continue" / "Stop".

An iterator keeps the ids its Start matched (a snapshot: what is added later is not in it) and
hands them out MaxReturned at a time; iteratorRemainingCount says how many are left. Iterators
are stored (so a Continue may reach another web process) and die with the session: the
simulated Web Connector ends one with processor.end_session, after which a Continue gets 3391, as an
iterator outliving its session does in QuickBooks (PACKAGES.md's field notes; the words are
ours, unverified). A finished iterator still answers a Continue, with nothing left (unverified).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from lxml import etree

from sandboxes.quickbooks_desktop import store
from sandboxes.quickbooks_desktop.reading import text
from sandboxes.quickbooks_desktop.replies import (
    BAD_ITERATOR,
    EMPTY,
    EMPTY_WORDS,
    Refusal,
    query_error,
    rs,
)

Render = Callable[[dict[str, Any]], etree._Element]


def _max_returned(rq: etree._Element) -> int | None:
    raw = text(rq, "MaxReturned")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise query_error(f'MaxReturned "{raw}" is not a number of at least 1.')
    return int(raw)


def answer(company: str, rq: etree._Element, collection: str,
           select: Callable[[], list[dict[str, Any]]], render: Render,
           partial: Refusal | None = None) -> etree._Element:
    """The query's Rs: every match, a page of them, or an iterator's next page."""
    mode = rq.get("iterator")
    page_size = _max_returned(rq)
    if mode == "Continue":
        return _continue(company, rq, collection, page_size, render)
    if mode == "Stop":
        store.delete(company, store.ITERATORS, rq.get("iteratorID", ""))
        return rs(rq)
    matches = select()
    if mode == "Start":
        iterator_id = "{" + str(uuid.uuid4()) + "}"
        size = page_size or len(matches) or 1
        page, rest = matches[:size], [_key(m) for m in matches[size:]]
        store.put(company, store.ITERATORS, iterator_id,
                  {"request": rq.tag, "collection": collection, "ids": rest, "size": size})
        return _page(rq, page, render, len(rest), iterator_id)
    if page_size is not None:
        matches = matches[:page_size]
    if partial is not None:
        found = rs(rq, partial.code, partial.severity, partial.message)
        for match in matches:
            found.append(render(match))
        return found
    return _page(rq, matches, render, None, None)


def _key(obj: dict[str, Any]) -> str:
    return str(obj.get("ListID") or obj["TxnID"])


def _page(rq: etree._Element, page: list[dict[str, Any]], render: Render,
          remaining: int | None, iterator_id: str | None) -> etree._Element:
    found = rs(rq) if page else rs(rq, EMPTY, "Info", EMPTY_WORDS)
    for match in page:
        found.append(render(match))
    if iterator_id is not None:
        found.set("iteratorRemainingCount", str(remaining))
        found.set("iteratorID", iterator_id)
    return found


def _continue(company: str, rq: etree._Element, collection: str, page_size: int | None,
              render: Render) -> etree._Element:
    iterator_id = rq.get("iteratorID", "")
    kept = store.get_data(company, store.ITERATORS, iterator_id)
    # unverified: 3391 and its words (PACKAGES.md's field notes give the code only).
    if kept is None or kept["request"] != rq.tag:
        raise Refusal(BAD_ITERATOR, f'The iterator "{iterator_id}" is not valid: it is unknown '
                                    "or its session has ended.")
    size = page_size or int(kept["size"])
    ids, rest = kept["ids"][:size], kept["ids"][size:]
    store.put(company, store.ITERATORS, iterator_id, kept | {"ids": rest})
    page = [found for found in (store.get_data(company, collection, i) for i in ids) if found]
    return _page(rq, page, render, len(rest), iterator_id)


def end_session(company: str) -> int:
    """Every open iterator of the company dies (not committed: processor.end_session commits).
    How many did."""
    gone = store.ids(company, store.ITERATORS)
    for iterator_id in gone:
        store.delete(company, store.ITERATORS, iterator_id)
    return len(gone)
