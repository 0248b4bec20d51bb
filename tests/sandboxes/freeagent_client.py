"""A client of the FreeAgent sandbox for its tests, written from FreeAgent's docs (no connector
code): the consent page clicked like a person, the code exchange with HTTP Basic client auth,
and API calls with a bearer token and a User-Agent."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from tests.sandboxes import consent as consent_kit

REDIRECT_URI = consent_kit.REDIRECT_URI
TIMEOUT = consent_kit.TIMEOUT
AGENT = {"User-Agent": "Ledgerlink sandbox tests"}


@pytest.fixture
def fa(app, live_url) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"base": f"{live_url}/sandbox/freeagent",
            "client_id": app.config["FREEAGENT_CLIENT_ID"],
            "secret": app.config["FREEAGENT_CLIENT_SECRET"]}


@pytest.fixture
def co(fa) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A fresh company, connected: its tokens and id."""
    return connect(fa)


def basic(fa: dict[str, str]) -> dict[str, str]:
    return consent_kit.basic(fa["client_id"], fa["secret"])


def authorize_url(fa: dict[str, str], **overrides: str) -> str:
    params = {"response_type": "code", "client_id": fa["client_id"],
              "redirect_uri": REDIRECT_URI, "state": "st-1"} | overrides
    return f"{fa['base']}/v2/approve_app?{urlencode(params)}"


def consent(fa: dict[str, str], name: str) -> dict[str, list[str]]:
    """Open the consent page, create a company on it, allow; the callback's query."""
    return consent_kit.click_consent(authorize_url(fa), "FreeAgent sandbox", name)


def token(fa: dict[str, str], headers: dict[str, str] | None = None,
          **form: str) -> requests.Response:
    return requests.post(f"{fa['base']}/v2/token_endpoint", data=form, timeout=TIMEOUT,
                         headers=basic(fa) | AGENT | (headers or {}))


def connect(fa: dict[str, str]) -> dict[str, Any]:
    name = f"FreeAgent Test {uuid.uuid4().hex[:8]}"
    code = consent(fa, name)["code"][0]
    answer = token(fa, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    made = tokens | {"name": name, "fa": fa}
    found = call(made, "GET", "/company")
    assert found.status_code == 200, found.text
    return made | {"company": found.json()["company"]}


def call(co: dict[str, Any], method: str, path: str, body: Any = None,
         **kw: Any) -> requests.Response:
    """`path` below /v2, or a full URL the sandbox gave."""
    headers = ({"Authorization": f"Bearer {co['access_token']}", "Accept": "application/json"}
               | AGENT | kw.pop("headers", {}))
    data = kw.pop("data", None)
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    url = path if path.startswith("http") else f"{co['fa']['base']}/v2{path}"
    return requests.request(method, url, data=data, headers=headers, timeout=TIMEOUT, **kw)


read = consent_kit.read


def created(co: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = call(co, "POST", path, body)
    assert answer.status_code == 201, answer.text
    return read(answer)


def category_url(co: dict[str, Any], code: str) -> str:
    return f"{co['fa']['base']}/v2/categories/{code}"


def bank_url(co: dict[str, Any], code: str = "750-1") -> str:
    """The bank account a 750-x sub-account category names (docs: categories)."""
    listed = read(call(co, "GET", "/categories"))
    return next(c["bank_account"] for c in listed["general_categories"]
                if c["nominal_code"] == code)


def contact(co: dict[str, Any], name: str = "") -> dict[str, Any]:
    return created(co, "/contacts", {"contact": {
        "organisation_name": name or f"Customer {uuid.uuid4().hex[:8]}",
        "email": "accounts@example.test"}})["contact"]


def item(co: dict[str, Any], quantity: str = "1", price: str = "100", rate: str = "20.0",
         code: str = "001", **extra: Any) -> dict[str, Any]:
    return {"item_type": "-no unit-", "description": "Work", "quantity": quantity,
            "price": price, "sales_tax_rate": rate, "category": category_url(co, code)} | extra


def invoice_body(contact_url: str, items: list[dict[str, Any]], reference: str = "",
                 **extra: Any) -> dict[str, Any]:
    return {"invoice": {"contact": contact_url, "dated_on": "2024-05-01",
                        "payment_terms_in_days": 30,
                        "reference": reference or f"INV-{uuid.uuid4().hex[:8]}",
                        "invoice_items": items} | extra}


def credit_body(contact_url: str, items: list[dict[str, Any]], reference: str = "",
                **extra: Any) -> dict[str, Any]:
    return {"credit_note": {"contact": contact_url, "dated_on": "2024-05-02",
                            "payment_terms_in_days": 0,
                            "reference": reference or f"CN-{uuid.uuid4().hex[:8]}",
                            "credit_note_items": items} | extra}


def sent(co: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A document made and marked as sent; the document as it then is."""
    root = next(iter(body))
    made = created(co, path, body)[root]
    answer = call(co, "PUT", f"{made['url']}/transitions/mark_as_sent")
    assert answer.status_code == 200, answer.text
    return read(call(co, "GET", made["url"]))[root]


def refusal(answer: requests.Response) -> tuple[int, list[str]]:
    """(status, the messages) of a refusal in either of FreeAgent's envelopes."""
    errors = answer.json()["errors"]
    if isinstance(errors, list):
        return answer.status_code, [e["message"] for e in errors]
    return answer.status_code, [errors["error"]["message"]]
