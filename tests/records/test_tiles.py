"""The dashboard's count tiles open the records list filtered to what they count."""

from __future__ import annotations

import re
from html import unescape as html_unescape

from tests.ui import add_connection, add_invoice, add_transfer, tile


def _titles(html: str) -> list[str]:
    return re.findall(r'class="record-link" href="/records/\d+">([^<]+)</a>', html)


def _tile_href(html: str, state: str, nth: int = 0) -> str:
    found = re.findall(rf'<a href="([^"]+)" class="tile tile-{state}[ "]', html)[nth]
    return html_unescape(found)


def test_each_tile_opens_the_list_of_what_it_counts(books, data):
    cid, conn = books.company_id, books.connection_id
    for n, state in enumerate(("failed", "failed", "sent", "pending")):
        data(add_transfer, cid, conn, data(add_invoice, cid, f"INV-T{n}", "Tile Co"), state)
    html = books.client.get("/").get_data(as_text=True)
    assert tile(html, "failed") == 2  # the shared helper still reads the tiles
    for state, expected in (("failed", 2), ("sent", 1), ("pending", 1), ("do_not_send", 0)):
        href = _tile_href(html, state)
        assert href == f"/records?state={state}"
        listed = books.client.get(href).get_data(as_text=True)
        assert len(_titles(listed)) == expected, state
        assert f'<option value="{state}" selected>' in listed  # the filter shows what it is


def test_with_two_connections_each_tile_keeps_to_its_connection(books, data):
    cid, first = books.company_id, books.connection_id
    second = data(add_connection, cid, tenant_name="Second Org")
    inv = data(add_invoice, cid, "INV-TWO", "Two Co")
    data(add_transfer, cid, first, inv, "failed")
    data(add_transfer, cid, second, inv, "sent")
    html = books.client.get("/").get_data(as_text=True)
    hrefs = [_tile_href(html, "failed", 0), _tile_href(html, "failed", 1)]
    assert hrefs == [f"/records?state=failed&connection={first}",
                     f"/records?state=failed&connection={second}"]
    assert len(_titles(books.client.get(hrefs[0]).get_data(as_text=True))) == 1
    assert _titles(books.client.get(hrefs[1]).get_data(as_text=True)) == []
