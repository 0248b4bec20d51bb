"""Calling /api/v1/connections/{id}/mapping over real HTTP, checking each answer against the
OpenAPI document, and choosing codes from the package's own lists by what they are."""

from __future__ import annotations

from typing import Any

import requests
from jsonschema import Draft202012Validator, FormatChecker

from app.api.openapi import openapi_document

NO_SUCH_CODE = "NO-SUCH-CODE-7Q"


def call(books: Any, method: str, body: Any = None, query: str = "",
         connection_id: int | None = None, **kwargs: Any) -> requests.Response:
    url = (f"{books.base_url}/api/v1/connections/{connection_id or books.connection_id}"
           f"/mapping{query}")
    headers = {"Authorization": f"Bearer {books.api_key}", **kwargs.pop("headers", {})}
    if body is not None:
        kwargs["json"] = body
    return requests.request(method, url, headers=headers, timeout=60, **kwargs)


def as_documented(answer: requests.Response, method: str) -> dict[str, Any]:
    """The answer's body, after checking it against the OpenAPI document's schema for this
    operation and status (the same document /api/v1/openapi.json serves)."""
    document = openapi_document()
    operation = document["paths"]["/connections/{connection_id}/mapping"][method.lower()]
    documented = operation["responses"].get(str(answer.status_code))
    assert documented is not None, f"{method} answered {answer.status_code}, not documented"
    assert answer.headers["Content-Type"].startswith("application/json")
    schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]},
                                     format_checker=FormatChecker())
    body = answer.json()
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(body)]
    assert errors == [], errors
    return body


def mapping_of(books: Any, query: str = "") -> dict[str, Any]:
    answer = call(books, "GET", query=query)
    assert answer.status_code == 200, answer.text
    return as_documented(answer, "GET")


def suitable(lists: dict[str, Any], kind: str, active: bool = True) -> list[str]:
    return [e["code"] for e in lists["accounts"] if e["kind"] == kind and e["active"] is active]


def sales_rates(lists: dict[str, Any], rate: str | None = None) -> list[str]:
    return [e["code"] for e in lists["tax_rates"] if e["kind"] == "sales" and e["active"]
            and (rate is None or e["rate"] == rate)]


def whole_mapping(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A code for every entry of our chart, chosen from the package's lists as the page
    would offer them (active, of the right kind, VAT at the same percentage where there is
    one)."""
    lists, chart = doc["lists"], doc["chart"]
    mapping: dict[str, dict[str, str]] = {"accounts": {}, "bank_accounts": {}, "tax_rates": {}}
    for n, ours in enumerate(chart["accounts"]):
        codes = suitable(lists, ours["kind"])
        assert codes, f"{doc['package']} lists no active {ours['kind']} account"
        mapping["accounts"][ours["key"]] = codes[(n + 1) % len(codes)]
    for ours in chart["bank_accounts"]:
        mapping["bank_accounts"][ours["key"]] = suitable(lists, "bank")[-1]
    for ours in chart["tax_rates"]:
        codes = sales_rates(lists, ours["rate"]) or sales_rates(lists)
        mapping["tax_rates"][ours["key"]] = codes[-1]
    return mapping
