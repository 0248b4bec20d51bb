"""The sandboxes, over real HTTP, refuse hostile JSON with a 400 in the package's own error
shape, never a 500: nesting deep enough to exhaust the stack, and integers Python will not
read (more than 4,300 digits)."""

from __future__ import annotations

import pytest

from tests.connectors import test_qbo_sandbox as qbo_tests
from tests.connectors import test_xero_sandbox as xero_tests
from tests.connectors.test_qbo_sandbox import company, qbo  # noqa: F401  (fixtures)
from tests.connectors.test_xero_sandbox import org, xero  # noqa: F401  (fixtures)


def _nested(depth: int, wrapper: str) -> str:
    return wrapper.replace("@", "[" * depth + "]" * depth)


HOSTILE = [("deep-100000", lambda w: _nested(100_000, w)),
           ("deep-900", lambda w: _nested(900, w)),
           ("deep-40", lambda w: _nested(40, w)),
           ("4301-digits", lambda w: w.replace("@", "9" * 4301))]


@pytest.mark.parametrize("name, make", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_xero_sandbox_refuses_hostile_json(xero, org, name, make):  # noqa: F811  # type: ignore[no-untyped-def]
    for path in ("/Contacts", "/Invoices"):
        body = make('{"Contacts": [{"Name": "A", "Extra": @}]}')
        answer = xero_tests.call(xero, org, "PUT", path, data=body,
                                 headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, (path, answer.status_code, answer.text[:200])
        assert "Invalid Json" in answer.text
    # Nothing was created.
    listed = xero_tests.call(xero, org, "GET", "/Contacts").json()["Contacts"]
    assert not [c for c in listed if c.get("Name") == "A"]


@pytest.mark.parametrize("name, make", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_qbo_sandbox_refuses_hostile_json(qbo, company, name, make):  # noqa: F811  # type: ignore[no-untyped-def]
    for path, wrapper in (("customer", '{"DisplayName": "A", "Extra": @}'),
                          ("batch", '{"BatchItemRequest": [{"bId": "1", "operation": "create",'
                                    ' "Customer": {"DisplayName": "A", "Extra": @}}]}')):
        answer = qbo_tests.call(qbo, company, "POST", path, make(wrapper))
        error = qbo_tests.fault(answer)
        assert "not valid JSON" in error["Detail"], error
    assert not qbo_tests.query(qbo, company, "select * from Customer where DisplayName = 'A'")


def test_xero_sandbox_refuses_nul_bytes(xero, org):  # noqa: F811  # type: ignore[no-untyped-def]
    answer = xero_tests.call(xero, org, "PUT", "/Contacts",
                             {"Contacts": [{"Name": "A\x00B", "ContactNumber": "N\x00"}]})
    assert answer.status_code == 400, answer.text[:300]


def test_qbo_sandbox_refuses_nul_bytes(qbo, company):  # noqa: F811  # type: ignore[no-untyped-def]
    answer = qbo_tests.call(qbo, company, "POST", "customer", {"DisplayName": "A\x00B"})
    qbo_tests.fault(answer)


def test_sandbox_token_endpoints_refuse_nul_bytes(xero, qbo):  # noqa: F811  # type: ignore[no-untyped-def]
    answer = xero_tests._token(xero, grant_type="authorization_code", code="a\x00b",
                               redirect_uri=xero_tests.REDIRECT_URI)
    assert answer.status_code == 400, answer.text[:300]
    answer = qbo_tests._token(qbo, grant_type="refresh_token", refresh_token="a\x00b")
    assert answer.status_code == 400, answer.text[:300]
