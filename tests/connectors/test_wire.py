"""Money on the wire (connectors/wire.py): Decimal digits go out exactly, and a package's reply
comes back with its amounts as Decimal, read over real HTTP from a local server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from connectors.http import json_or_none
from connectors.quickbooks_online import payloads as qbo_payloads
from connectors.xero import payloads as xero_payloads

# 17 significant digits: a float keeps only about 15-16, so a float parse cannot round-trip it.
REPLY = b'{"Invoices":[{"Total":123456789012345.67,"SubTotal":70.10,"Count":3}]}'


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = REPLY if self.path == "/json" else b"\xff\xfe not json"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_reply_is_read_with_its_amounts_as_exact_decimals(server: str) -> None:
    parsed = json_or_none(requests.get(f"{server}/json", timeout=10))
    invoice = parsed["Invoices"][0]
    assert invoice["Total"] == Decimal("123456789012345.67")
    assert isinstance(invoice["Total"], Decimal)
    assert str(invoice["SubTotal"]) == "70.10"
    assert invoice["Count"] == 3 and isinstance(invoice["Count"], int)


def test_a_reply_that_is_not_json_is_none(server: str) -> None:
    assert json_or_none(requests.get(f"{server}/garbage", timeout=10)) is None


@pytest.mark.parametrize("dumps", [xero_payloads.dumps, qbo_payloads.dumps])
def test_a_body_carries_the_decimal_digits_exactly(dumps: Any) -> None:
    body = {"Total": Decimal("123456789012345.67"), "Rate": Decimal("12.30"), "Qty": 2,
            "Lines": [{"UnitAmount": Decimal("0.10")}], "Name": "Ann's £ boiler"}
    text = dumps(body)
    assert text.startswith('{"Total":123456789012345.67,"Rate":12.30,"Qty":2,')
    assert '"Lines":[{"UnitAmount":0.10}]' in text
