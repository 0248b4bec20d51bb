"""connectors.http's JSON client against a real local server: the headers of the last reply are
kept (a package may say the next page of a list only there), and a Link header's next page is
read as RFC 8288 writes it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from connectors import wire
from connectors.base import Credentials
from connectors.http import JsonApiClient, UnavailableError, next_link


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        page = int(self.path.rsplit("page=", 1)[-1]) if "page=" in self.path else 1
        body = json.dumps({"items": [page]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if page < 3:
            host = f"http://{self.headers['Host']}"
            self.send_header("Link", f'<{host}/items?page={page + 1}>; rel="next", '
                                     f'<{host}/items?page=3>; rel="last"')
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


def _accept_all(status: int, headers: Mapping[str, str], body: Any, text: str) -> None:
    return None


class _Client(JsonApiClient):
    package = "Acme Books"
    unavailable = UnavailableError
    dumps = staticmethod(wire.dumps)
    raise_for_status = staticmethod(_accept_all)


def test_the_last_replys_headers_are_kept_and_its_next_page_followed(server: str) -> None:
    client = _Client({}, Credentials(access_token="t"), lambda batch=False: None,
                     requests.Session())
    assert client.last_headers == {}
    pages, url = [], f"{server}/items"
    while url:
        pages += client.send("GET", url, {})["items"]
        url = next_link(client.last_headers)
    assert pages == [1, 2, 3]
    assert client.calls == 3
    assert client.last_headers["Content-Type"] == "application/json"


def test_next_link_reads_rfc_8288() -> None:
    assert next_link({}) is None
    assert next_link({"Link": '<https://x.test/a?page=2>; rel="next"'}) == (
        "https://x.test/a?page=2")
    assert next_link({"Link": '<https://x.test/a?page=1>; rel="prev first", '
                              '<https://x.test/a?page=3>; rel="next last"'}) == (
        "https://x.test/a?page=3")
    assert next_link({"Link": '<https://x.test/a?page=1>; rel="prev"'}) is None
