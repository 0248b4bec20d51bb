"""The QuickBooks Online sandbox over real HTTP, driven the way Intuit's docs show (no connector
code). Each test connects its own fresh company through the consent page, so per-realm state and
throttle counters never leak between tests."""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from sandboxes.quickbooks_online import limits as sandbox_limits
from sandboxes.quickbooks_online import store as sandbox_store

# The app's own callback, the only one the sandbox accepts; never followed here: the code is
# read from Location.
REDIRECT_URI = os.environ["BASE_URL"] + "/connections/oauth/callback"
SCOPE = "com.intuit.quickbooks.accounting"
XSD = Path(__file__).resolve().parents[3] / "shared" / "specs" / "quickbooks-online" / "Finance.xsd"
TIMEOUT = 10


@pytest.fixture
def qbo(app, live_url):  # type: ignore[no-untyped-def]
    return {"base": f"{live_url}/sandbox/quickbooks_online",
            "client_id": app.config["QBO_CLIENT_ID"], "secret": app.config["QBO_CLIENT_SECRET"]}


def _basic(qbo: dict) -> dict[str, str]:
    raw = f"{qbo['client_id']}:{qbo['secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode(),
            "Accept": "application/json"}


def _consent(qbo: dict, name: str, decision: str = "allow") -> dict[str, list[str]]:
    params = {"client_id": qbo["client_id"], "redirect_uri": REDIRECT_URI,
              "response_type": "code", "scope": SCOPE, "state": "st-9"}
    url = f"{qbo['base']}/connect/oauth2?{urlencode(params)}"
    page = requests.get(url, timeout=TIMEOUT)
    assert page.status_code == 200 and "Ledgerlink wants to access" in page.text
    form = {n: unescape(v) for n, v in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)}
    form |= {"new_organisation": name, "decision": decision}
    answer = requests.post(url, data=form, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code in (302, 303), answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"http://{location.netloc}{location.path}" == REDIRECT_URI
    return parse_qs(location.query)


def _token(qbo: dict, **form: str) -> requests.Response:
    return requests.post(f"{qbo['base']}/oauth2/v1/tokens/bearer", data=form,
                         headers=_basic(qbo), timeout=TIMEOUT)


def _connect(qbo: dict) -> dict:
    name = f"QBO Test {uuid.uuid4().hex[:8]}"
    callback = _consent(qbo, name)
    assert callback["state"] == ["st-9"]
    tokens = _token(qbo, grant_type="authorization_code", code=callback["code"][0],
                    redirect_uri=REDIRECT_URI)
    assert tokens.status_code == 200, tokens.text
    return tokens.json() | {"realm": callback["realmId"][0], "name": name}


@pytest.fixture
def company(qbo):  # type: ignore[no-untyped-def]
    return _connect(qbo)


def call(qbo: dict, company: dict, method: str, path: str, body: object = None,
         **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {company['access_token']}", "Accept": "application/json"}
    data = None
    if body is not None:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        headers["Content-Type"] = "application/json"
    return requests.request(
        method, f"{qbo['base']}/v3/company/{company['realm']}/{path}", data=data,
        headers=headers, params={"minorversion": "75"} | params, timeout=TIMEOUT)


def query(qbo: dict, company: dict, text: str) -> dict:
    answer = call(qbo, company, "GET", "query", query=text)
    assert answer.status_code == 200, answer.text
    return answer.json()["QueryResponse"]


def fault(answer: requests.Response, status: int = 400) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()["Fault"]["Error"][0]


def _customer(qbo: dict, company: dict, name: str) -> dict:
    answer = call(qbo, company, "POST", "customer", {"DisplayName": name})
    assert answer.status_code == 200, answer.text
    return answer.json()["Customer"]


def _invoice(customer_id: str, lines: list[tuple[str, str, str | None]], **extra: object) -> dict:
    built = []
    for qty, price, tax in lines:
        detail: dict = {"ItemRef": {"value": "1"}, "Qty": float(qty), "UnitPrice": float(price)}
        if tax:
            detail["TaxCodeRef"] = {"value": tax}
        built.append({"DetailType": "SalesItemLineDetail", "Amount": round(
            float(qty) * float(price), 2), "SalesItemLineDetail": detail})
    return {"CustomerRef": {"value": customer_id}, "Line": built, "TxnDate": "2024-05-01"} | extra


# --------------------------------------------------------------------------- OAuth


def test_consent_code_token_and_realm(qbo, company) -> None:  # type: ignore[no-untyped-def]
    assert company["token_type"] == "bearer" and company["expires_in"] == 3600
    assert company["x_refresh_token_expires_in"] == 8726400 and company["refresh_token"]
    assert company["realm"].isdigit()
    info = query(qbo, company, "select * from CompanyInfo")["CompanyInfo"][0]
    assert info["CompanyName"] == company["name"] and info["Country"] == "GB"
    accounts = {a["Id"]: a for a in query(qbo, company, "select * from Account")["Account"]}
    assert accounts["1"]["Name"] == "Sales" and accounts["35"]["AccountType"] == "Bank"
    assert "4" not in accounts  # inactive: hidden unless asked for
    old = query(qbo, company, "select * from Account where Active = false")["Account"]
    assert [a["Name"] for a in old] == ["Old sales"]
    items = query(qbo, company, "select * from Item where Name = 'Call-out'")["Item"]
    assert items[0]["IncomeAccountRef"]["value"] == "2"
    codes = {c["Id"]: c for c in query(qbo, company, "select * from TaxCode")["TaxCode"]}
    assert codes["2"]["Name"] == "20.0% S" and codes["5"]["Name"] == "Exempt"
    other = _connect(qbo)
    foreign = call(qbo, company | {"realm": other["realm"]}, "GET", "customer/1")
    assert foreign.status_code == 403
    no_token = requests.get(f"{qbo['base']}/v3/company/{company['realm']}/customer/1",
                            timeout=TIMEOUT)
    assert no_token.status_code == 401
    assert no_token.json()["fault"]["error"][0]["code"] == "3200"


def test_codes_deny_and_bad_requests(qbo) -> None:  # type: ignore[no-untyped-def]
    code = _consent(qbo, "Once Ltd")["code"][0]
    assert _token(qbo, grant_type="authorization_code", code=code,
                  redirect_uri="http://127.0.0.1:9/x").json() == {"error": "invalid_grant"}
    assert _token(qbo, grant_type="authorization_code", code=code,
                  redirect_uri=REDIRECT_URI).status_code == 200
    assert _token(qbo, grant_type="authorization_code", code=code,
                  redirect_uri=REDIRECT_URI).json() == {"error": "invalid_grant"}
    assert _consent(qbo, "No Ltd", "deny") == {"error": ["access_denied"], "state": ["st-9"]}
    bad_scope = requests.get(f"{qbo['base']}/connect/oauth2", timeout=TIMEOUT, params={
        "client_id": qbo["client_id"], "redirect_uri": REDIRECT_URI, "response_type": "code",
        "scope": "openid", "state": "s"})
    assert bad_scope.status_code == 400 and "com.intuit.quickbooks.accounting" in bad_scope.text


def test_refresh_rotates_and_revoke_ends_the_grant(qbo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    company = _connect(qbo)
    first = _token(qbo, grant_type="refresh_token", refresh_token=company["refresh_token"])
    assert first.status_code == 200 and first.json()["refresh_token"] != company["refresh_token"]
    reused = _token(qbo, grant_type="refresh_token", refresh_token=company["refresh_token"])
    assert reused.status_code == 400 and reused.json() == {"error": "invalid_grant"}
    fresh = company | first.json()
    assert call(qbo, fresh, "GET", "companyinfo/1").status_code == 200
    clock = sandbox_store.now()
    monkeypatch.setattr(sandbox_store, "now", lambda: clock + 3601)
    expired = call(qbo, fresh, "GET", "companyinfo/1")
    assert expired.status_code == 401
    assert expired.json()["fault"]["error"][0]["detail"].startswith("Token expired")
    monkeypatch.undo()
    revoked = requests.post(f"{qbo['base']}/oauth2/v1/tokens/revoke", timeout=TIMEOUT,
                            headers=_basic(qbo) | {"Content-Type": "application/json"},
                            data=json.dumps({"token": fresh["refresh_token"]}))
    assert revoked.status_code == 200
    assert call(qbo, fresh, "GET", "companyinfo/1").status_code == 401
    after = _token(qbo, grant_type="refresh_token", refresh_token=fresh["refresh_token"])
    assert after.json() == {"error": "invalid_grant"}


# --------------------------------------------------------------------------- documents


def test_customer_invoice_payment_and_query_back(qbo, company) -> None:  # type: ignore[no-untyped-def]
    customer = _customer(qbo, company, "Acme Plumbing")
    assert customer["SyncToken"] == "0" and customer["Id"] and customer["Active"] is True
    body = _invoice(customer["Id"], [("3", "33.33", "2"), ("1", "9.99", "3"), ("2", "5", "4")],
                    DocNumber="INV-1")
    answer = call(qbo, company, "POST", "invoice", body)
    assert answer.status_code == 200, answer.text
    invoice = answer.json()["Invoice"]
    # 99.99 @20% = 20.00 (19.998), 9.99 @5% = 0.50 (0.4995), 10.00 @0% = 0
    assert invoice["TxnTaxDetail"]["TotalTax"] == 20.50
    assert invoice["TotalAmt"] == 140.48 and invoice["Balance"] == 140.48
    assert invoice["CustomerRef"] == {"value": customer["Id"], "name": "Acme Plumbing"}
    assert invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]["name"] == "Services"
    inclusive_body = _invoice(customer["Id"], [("1", "100", "2")],
                              GlobalTaxCalculation="TaxInclusive")
    inclusive_body["Line"][0]["SalesItemLineDetail"]["TaxInclusiveAmt"] = 120
    inclusive = call(qbo, company, "POST", "invoice", inclusive_body).json()
    assert inclusive["Invoice"]["TotalAmt"] == 120 and inclusive["Invoice"]["Line"][0][
        "Amount"] == 100
    paid = call(qbo, company, "POST", "payment", {
        "CustomerRef": {"value": customer["Id"]}, "TotalAmt": 100.00,
        "Line": [{"Amount": 100.00, "LinkedTxn": [{"TxnId": invoice["Id"],
                                                   "TxnType": "Invoice"}]}]})
    assert paid.status_code == 200, paid.text
    memo = call(qbo, company, "POST", "creditmemo", _invoice(customer["Id"], [("1", "10", "4")]))
    assert memo.status_code == 200, memo.text
    memo_id = memo.json()["CreditMemo"]["Id"]
    applied = call(qbo, company, "POST", "payment", {
        "CustomerRef": {"value": customer["Id"]}, "TotalAmt": 30.48,
        "Line": [{"Amount": 40.48, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]},
                 {"Amount": 10, "LinkedTxn": [{"TxnId": memo_id, "TxnType": "CreditMemo"}]}]})
    assert applied.status_code == 200, applied.text
    back = query(qbo, company, "select * from Invoice where DocNumber = 'INV-1'")
    assert back["Invoice"][0]["Balance"] == 0 and back["startPosition"] == 1
    assert call(qbo, company, "GET", f"creditmemo/{memo_id}").json()["CreditMemo"][
        "Balance"] == 0
    by_customer = f"select * from Payment where CustomerRef = '{customer['Id']}'"  # noqa: S608
    payments = query(qbo, company, by_customer)
    assert [p["TotalAmt"] for p in payments["Payment"]] == [100, 30.48]
    assert query(qbo, company, "select count(*) from Customer")["totalCount"] == 1
    assert query(qbo, company, "select * from Invoice where DocNumber = 'nope'") == {}
    page = query(qbo, company, "select * from Invoice startposition 2 maxresults 1")
    assert page["Invoice"][0]["Id"] == inclusive["Invoice"]["Id"]
    over = call(qbo, company, "POST", "payment", {
        "CustomerRef": {"value": customer["Id"]}, "TotalAmt": 5,
        "Line": [{"Amount": 5, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    assert fault(over)["code"] == "6000"
    bad_query = call(qbo, company, "GET", "query", query="select * form Customer")
    assert fault(bad_query)["code"] == "4000"


def test_business_rules(qbo, company) -> None:  # type: ignore[no-untyped-def]
    customer = _customer(qbo, company, "Bob's Builders")
    vendor = call(qbo, company, "POST", "vendor", {"DisplayName": "bob's  builders"})
    assert fault(vendor)["code"] == "6240"
    assert "customer, vendor or employee" in fault(vendor)["Detail"]
    employee = call(qbo, company, "POST", "customer", {"DisplayName": "Sam Employee"})
    assert fault(employee)["code"] == "6240"
    untaxed = call(qbo, company, "POST", "invoice", _invoice(customer["Id"], [("1", "5", None)]))
    error = fault(untaxed)
    assert error["code"] == "6000" and "VAT rate" in error["Detail"]
    first = call(qbo, company, "POST", "invoice", _invoice(customer["Id"], [("1", "5", "2")],
                                                           DocNumber="D-1"))
    assert first.status_code == 200
    again = call(qbo, company, "POST", "invoice", _invoice(customer["Id"], [("1", "5", "2")],
                                                           DocNumber="D-1"))
    assert fault(again)["code"] == "6140"
    unknown = call(qbo, company, "POST", "invoice", _invoice("999", [("1", "5", "2")]))
    assert fault(unknown)["code"] == "2500"
    old_item = _invoice(customer["Id"], [("1", "5", "2")])
    old_item["Line"][0]["SalesItemLineDetail"]["ItemRef"] = {"value": "4"}
    assert fault(call(qbo, company, "POST", "invoice", old_item))["code"] == "610"
    stale = call(qbo, company, "POST", "customer", {"Id": customer["Id"], "SyncToken": "7",
                                                    "sparse": True, "Active": False})
    assert fault(stale)["code"] == "5010"
    off = call(qbo, company, "POST", "customer", {"Id": customer["Id"], "SyncToken": "0",
                                                  "sparse": True, "Active": False})
    assert off.status_code == 200 and off.json()["Customer"]["SyncToken"] == "1"
    assert off.json()["Customer"]["DisplayName"] == "Bob's Builders"
    for path, body in (("invoice", _invoice(customer["Id"], [("1", "5", "2")])),
                       ("payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 1})):
        error = fault(call(qbo, company, "POST", path, body))
        assert error["code"] == "610" and "made inactive" in error["Detail"]
    extra = call(qbo, company, "POST", "customer", {"DisplayName": "X", "Colour": "red"})
    assert fault(extra)["code"] == "2010" and "Colour" in fault(extra)["Detail"]
    item = call(qbo, company, "POST", "item", {"Name": "Plumbing", "Type": "Service",
                                               "IncomeAccountRef": {"value": "2"}})
    assert item.status_code == 200 and item.json()["Item"]["IncomeAccountRef"]["name"] == \
        "Services"
    assert query(qbo, company, "select * from Invoice where DocNumber = 'D-1'")["Invoice"]
    assert len(query(qbo, company, "select * from Invoice")["Invoice"]) == 1  # nothing half-saved


def test_batch_items_cannot_see_each_other(qbo, company) -> None:  # type: ignore[no-untyped-def]
    existing = _customer(qbo, company, "Existing Ltd")
    first = call(qbo, company, "POST", "batch", {"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Customer": {"DisplayName": "New Ltd"}}]})
    new_id = str(int(first.json()["BatchItemResponse"][0]["Customer"]["Id"]) + 1)
    answer = call(qbo, company, "POST", "batch", {"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Newer Ltd"}},
        {"bId": "2", "operation": "create", "Invoice": _invoice(new_id, [("1", "5", "2")])},
        {"bId": "3", "operation": "create", "Invoice": _invoice(existing["Id"],
                                                               [("1", "5", "2")])},
        {"bId": "4", "operation": "create", "Customer": {"DisplayName": "Existing Ltd"}},
        {"bId": "5", "Query": "select * from Customer where DisplayName = 'Existing Ltd'"},
    ]})
    assert answer.status_code == 200, answer.text
    results = {r["bId"]: r for r in answer.json()["BatchItemResponse"]}
    assert results["1"]["Customer"]["Id"] == new_id
    assert results["2"]["Fault"]["Error"][0]["code"] == "2500"
    assert results["3"]["Invoice"]["TotalAmt"] == 6.0
    assert results["4"]["Fault"]["Error"][0]["code"] == "6240"
    assert results["5"]["QueryResponse"]["Customer"][0]["Id"] == existing["Id"]
    later = call(qbo, company, "POST", "invoice", _invoice(new_id, [("1", "5", "2")]))
    assert later.status_code == 200  # visible once the batch is over
    too_many = call(qbo, company, "POST", "batch", {"BatchItemRequest": [
        {"bId": str(i), "Query": "select * from Item"} for i in range(31)]})
    assert too_many.status_code == 400


def test_requestid_replays_the_first_answer(qbo, company) -> None:  # type: ignore[no-untyped-def]
    first = call(qbo, company, "POST", "customer", {"DisplayName": "Once Only"}, requestid="r-1")
    assert first.status_code == 200
    again = call(qbo, company, "POST", "customer", {"DisplayName": "Once Only"}, requestid="r-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert query(qbo, company, "select count(*) from Customer")["totalCount"] == 1
    refused = call(qbo, company, "POST", "customer", {"DisplayName": "Once Only"},
                   requestid="r-2")
    assert fault(refused)["code"] == "6240"
    replayed = call(qbo, company, "POST", "customer", {"DisplayName": "Different"},
                    requestid="r-2")
    assert replayed.status_code == 400 and replayed.json() == refused.json()


def test_throttles_with_an_injected_clock(qbo, company, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert (sandbox_limits.MINUTE_LIMIT, sandbox_limits.CONCURRENT_LIMIT,
            sandbox_limits.BATCH_MINUTE_LIMIT) == (500, 10, 40)
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", True)
    monkeypatch.setattr(sandbox_limits, "MINUTE_LIMIT", 6)
    monkeypatch.setattr(sandbox_limits, "BATCH_MINUTE_LIMIT", 2)
    clock = [sandbox_store.now()]
    monkeypatch.setattr(sandbox_store, "now", lambda: clock[0])
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Item"}]}
    assert call(qbo, company, "POST", "batch", batch).status_code == 200
    assert call(qbo, company, "POST", "batch", batch).status_code == 200
    refused = call(qbo, company, "POST", "batch", batch)
    assert fault(refused, 429)["code"] == "3001"
    assert refused.json()["Fault"]["type"] == "SERVICE"
    for _ in range(4):  # 2 batches counted (the refused one is not) + 4 calls = 6
        assert call(qbo, company, "GET", "companyinfo/1").status_code == 200
    throttled = call(qbo, company, "GET", "companyinfo/1")
    assert fault(throttled, 429)["Message"].startswith("message=ThrottleExceeded")
    clock[0] += 30  # still inside the minute
    assert call(qbo, company, "GET", "companyinfo/1").status_code == 429
    clock[0] += 61
    assert call(qbo, company, "GET", "companyinfo/1").status_code == 200
    assert call(qbo, company, "POST", "batch", batch).status_code == 200


def test_xsd_violations_and_garbage_are_400s(qbo, company, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if not XSD.exists():
        pytest.skip(f"Intuit's XSD is not at {XSD}")
    monkeypatch.setitem(app.config, "QBO_SANDBOX_XSD", str(XSD))
    nested = call(qbo, company, "POST", "customer", {
        "DisplayName": "Schema Ltd", "BillAddr": {"Line1": "1 Road", "Planet": "Mars"}})
    error = fault(nested)
    assert error["code"] == "2010" and "Customer.BillAddr.Planet" in error["Detail"]
    ok = call(qbo, company, "POST", "customer", {
        "DisplayName": "Schema Ltd", "BillAddr": {"Line1": "1 Road"},
        "PrimaryEmailAddr": {"Address": "a@example.test"}})
    assert ok.status_code == 200, ok.text
    bad_line = _invoice(ok.json()["Customer"]["Id"], [("1", "5", "2")])
    bad_line["Line"][0]["SalesItemLineDetail"]["VatCode"] = "S"
    in_batch = call(qbo, company, "POST", "batch", {"BatchItemRequest": [
        {"bId": "x", "operation": "create", "Invoice": bad_line}]})
    assert in_batch.status_code == 200
    assert "VatCode" in in_batch.json()["BatchItemResponse"][0]["Fault"]["Error"][0]["Detail"]
    for garbage in ("{not json", "[1, 2]", '"text"', "\xff\xfe", json.dumps(
            {"DisplayName": 7}), json.dumps({"CustomerRef": "1", "Line": "x"})):
        path = "invoice" if "CustomerRef" in garbage else "customer"
        answer = call(qbo, company, "POST", path, garbage.encode("latin-1"))
        assert answer.status_code == 400, (garbage, answer.text)
        assert answer.json()["Fault"]["type"] == "ValidationFault"
    assert fault(call(qbo, company, "POST", "batch", {"Nope": []}))["code"] == "2010"


def test_companyinfo_by_realm_id(qbo, company) -> None:  # type: ignore[no-untyped-def]
    """Intuit documents GET companyinfo/{realmId}: the path carries the realm, not the Id."""
    answer = call(qbo, company, "GET", f"companyinfo/{company['realm']}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["CompanyInfo"]["CompanyName"] == company["name"]
    assert fault(call(qbo, company, "GET", "companyinfo/999"))["code"] == "610"


def test_tax_inclusive_lines_are_net_with_the_gross_beside_them(qbo, company) -> None:  # type: ignore[no-untyped-def]
    customer = _customer(qbo, company, "Inclusive Ltd")

    def inclusive(*lines: tuple[str, str, str, str]) -> requests.Response:
        body = _invoice(customer["Id"], [(q, u, t) for q, u, _g, t in lines],
                        GlobalTaxCalculation="TaxInclusive")
        for sent, (_q, _u, gross, _t) in zip(body["Line"], lines, strict=True):
            sent["SalesItemLineDetail"]["TaxInclusiveAmt"] = float(gross)
        return call(qbo, company, "POST", "invoice", body)

    # 30.00 gross @20%: VAT 5.00, net 25.00 sent as 3 x 8.3333333 (QBO keeps 7 places);
    # 10.50 gross @5%: VAT 0.50 (0.5); 7.00 zero-rated: no VAT.
    made = inclusive(("3", "8.3333333", "30.00", "2"), ("1", "10.00", "10.50", "3"),
                     ("1", "7.00", "7.00", "4"))
    assert made.status_code == 200, made.text
    invoice = made.json()["Invoice"]
    assert invoice["TotalAmt"] == 47.5 and invoice["TxnTaxDetail"]["TotalTax"] == 5.5
    assert [ln["Amount"] for ln in invoice["Line"][:3]] == [25, 10, 7]
    assert invoice["Line"][0]["SalesItemLineDetail"]["TaxInclusiveAmt"] == 30
    # Half-up, not half-even: 0.75 gross @20% has VAT 0.125 -> 0.13 (banker's: 0.12).
    half = inclusive(("1", "0.62", "0.75", "2"))
    assert half.status_code == 200, half.text
    assert half.json()["Invoice"]["TxnTaxDetail"]["TotalTax"] == 0.13
    # A net amount that is not the gross less its VAT is refused, not silently re-totalled.
    wrong = inclusive(("1", "26.00", "30.00", "2"))
    assert fault(wrong)["code"] == "6000"
    # Gross as the unit price (the old mistake) disagrees with the net Amount: refused too.
    gross_as_unit = _invoice(customer["Id"], [("1", "30", "2")],
                             GlobalTaxCalculation="TaxInclusive")
    gross_as_unit["Line"][0]["Amount"] = 25
    assert fault(call(qbo, company, "POST", "invoice", gross_as_unit))["code"] == "6070"
    # Exclusive lines round half-up too: 0.625 @20% = 0.125 VAT -> 0.13.
    half_up = _invoice(customer["Id"], [("1", "0.625", "2")])
    half_up["Line"][0]["Amount"] = 0.63  # Python's round() is half-even: spell it out
    exclusive = call(qbo, company, "POST", "invoice", half_up)
    assert exclusive.status_code == 200, exclusive.text
    body = exclusive.json()["Invoice"]
    assert body["Line"][0]["Amount"] == 0.63 and body["TxnTaxDetail"]["TotalTax"] == 0.13
