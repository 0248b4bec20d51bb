"""What the OAuth sandboxes' test clients share (freeagent_client.py, sage_accounting_client.py):
the consent page clicked like a person, HTTP Basic client auth, and replies read with amounts as
Decimals. Written from the packages' docs, no connector code."""

from __future__ import annotations

import base64
import json
import os
import re
from decimal import Decimal
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

REDIRECT_URI = os.environ["BASE_URL"] + "/connections/oauth/callback"
TIMEOUT = 10


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def click_consent(url: str, brand: str, name: str) -> dict[str, list[str]]:
    """Open the consent page at `url` (it must name `brand`), create a tenant called `name` on
    it, allow; the callback's query."""
    page = requests.get(url, timeout=TIMEOUT)
    assert page.status_code == 200, page.text
    assert brand in page.text
    form = {name_: unescape(value) for name_, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)}
    form |= {"new_organisation": name, "decision": "allow"}
    answer = requests.post(url, data=form, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code in (302, 303), answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"http://{location.netloc}{location.path}" == REDIRECT_URI
    return parse_qs(location.query)


def read(answer: requests.Response) -> Any:
    """A reply's JSON with amounts as Decimals, as a careful client reads it."""
    return json.loads(answer.text, parse_float=Decimal)
