"""A client of the Sage Accounting sandbox for its tests, written from Sage's docs (no connector
code): the consent page clicked like a person, the code exchange, and API calls with
Authorization and X-Business."""

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


@pytest.fixture
def sage(app, live_url) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"base": f"{live_url}/sandbox/sage_accounting",
            "client_id": app.config["SAGE_CLIENT_ID"],
            "secret": app.config["SAGE_CLIENT_SECRET"]}


@pytest.fixture
def biz(sage) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A fresh business, connected: its tokens and id."""
    return connect(sage)


def basic(sage: dict[str, str]) -> dict[str, str]:
    return consent_kit.basic(sage["client_id"], sage["secret"])


def authorize_url(sage: dict[str, str], **overrides: str) -> str:
    params = {"response_type": "code", "client_id": sage["client_id"],
              "redirect_uri": REDIRECT_URI, "scope": "full_access", "state": "st-1"} | overrides
    # The authorisation URL already carries ?filter=apiv3.1, as Sage's own does.
    return f"{sage['base']}/oauth2/auth/central?filter=apiv3.1&{urlencode(params)}"


def consent(sage: dict[str, str], name: str) -> dict[str, list[str]]:
    """Open the consent page, create a business on it, allow; the callback's query."""
    return consent_kit.click_consent(authorize_url(sage), "Sage Accounting sandbox", name)


def token(sage: dict[str, str], **form: str) -> requests.Response:
    return requests.post(f"{sage['base']}/token", data=form, headers=basic(sage),
                         timeout=TIMEOUT)


def connect(sage: dict[str, str]) -> dict[str, Any]:
    name = f"Sage Test {uuid.uuid4().hex[:8]}"
    code = consent(sage, name)["code"][0]
    answer = token(sage, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    listed = requests.get(f"{sage['base']}/v3.1/businesses", timeout=TIMEOUT,
                          headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert listed.status_code == 200, listed.text
    return tokens | {"business": listed.json()[0]["id"], "name": name, "sage": sage}


def call(biz: dict[str, Any], method: str, path: str, body: Any = None,
         **kw: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {biz['access_token']}", "X-Business": biz["business"],
               "Accept": "application/json"} | kw.pop("headers", {})
    data = kw.pop("data", None)
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    return requests.request(method, f"{biz['sage']['base']}/v3.1{path}", data=data,
                            headers=headers, timeout=TIMEOUT, **kw)


read = consent_kit.read


def created(biz: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = call(biz, "POST", path, body)
    assert answer.status_code == 201, answer.text
    return read(answer)


def ids_by_code(biz: dict[str, Any], collection: str, **params: str) -> dict[str, str]:
    """Ledger or bank accounts' ids by nominal code."""
    listed = read(call(biz, "GET", f"/{collection}", params={"attributes": "all",
                                                              "items_per_page": "200"} | params))
    return {str(item["nominal_code"]): item["id"] for item in listed["$items"]}


def customer(biz: dict[str, Any], name: str = "", reference: str = "") -> dict[str, Any]:
    reference = reference or f"C{uuid.uuid4().hex[:8].upper()}"
    return created(biz, "/contacts", {"contact": {
        "name": name or f"Customer {reference}", "contact_type_ids": ["CUSTOMER"],
        "reference": reference, "main_contact_person": {"email": "accounts@example.test"}}})


def line(account_id: str, quantity: str = "1", unit_price: str = "100", rate: str = "GB_STANDARD",
         **extra: Any) -> dict[str, Any]:
    return {"description": "Work", "ledger_account_id": account_id, "quantity": float(quantity),
            "unit_price": float(unit_price), "tax_rate_id": rate} | extra


def invoice_body(contact_id: str, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"sales_invoice": {"contact_id": contact_id, "date": "2024-05-01",
                              "due_date": "2024-05-31", "reference": "INV-1",
                              "invoice_lines": lines} | extra}


def credit_body(contact_id: str, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"sales_credit_note": {"contact_id": contact_id, "date": "2024-05-02",
                                  "reference": "CN-1", "credit_note_lines": lines} | extra}


def refusal(answer: requests.Response) -> tuple[int, str, str, str]:
    """(status, $dataCode, $message, $source) of a refusal's first item."""
    body = answer.json()
    assert isinstance(body, list) and body, answer.text
    assert body[0]["$severity"] == "error"
    return answer.status_code, body[0]["$dataCode"], body[0]["$message"], body[0]["$source"]
