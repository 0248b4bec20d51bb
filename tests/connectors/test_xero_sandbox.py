"""The Xero sandbox over real HTTP, driven the way Xero's docs show (no connector code).

Each test connects its own fresh organisation through the consent page, so per-organisation
state and rate-limit counters never leak between tests.
"""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from sandboxes.xero import store as sandbox_store

# The app's own callback, the only one the sandbox accepts; never followed here: the code is
# read from Location.
REDIRECT_URI = os.environ["BASE_URL"] + "/connections/oauth/callback"
SCOPE = "openid offline_access accounting.contacts accounting.settings accounting.transactions"
TIMEOUT = 10


@pytest.fixture
def xero(app, live_url):  # type: ignore[no-untyped-def]
    return {
        "base": f"{live_url}/sandbox/xero",
        "client_id": app.config["XERO_CLIENT_ID"],
        "secret": app.config["XERO_CLIENT_SECRET"],
    }


def _basic(xero: dict) -> dict[str, str]:
    raw = f"{xero['client_id']}:{xero['secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def _authorize_url(xero: dict, **overrides: str) -> str:
    params = {"response_type": "code", "client_id": xero["client_id"],
              "redirect_uri": REDIRECT_URI, "scope": SCOPE, "state": "st-1"} | overrides
    return f"{xero['base']}/identity/connect/authorize?{urlencode(params)}"


def _consent(xero: dict, org_name: str, decision: str = "allow") -> dict[str, list[str]]:
    """Open the consent page, fill its form like a person, return the redirect's query."""
    url = _authorize_url(xero)
    page = requests.get(url, timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Ledgerlink wants to access" in page.text
    form = {name: unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)}
    form |= {"new_organisation": org_name, "decision": decision}
    answer = requests.post(url, data=form, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code in (302, 303), answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"http://{location.netloc}{location.path}" == REDIRECT_URI
    return parse_qs(location.query)


def _token(xero: dict, **form: str) -> requests.Response:
    return requests.post(f"{xero['base']}/identity/connect/token", data=form,
                         headers=_basic(xero), timeout=TIMEOUT)


def _connect(xero: dict) -> dict:
    """A fresh organisation: its tokens and tenant id."""
    name = f"Sandbox Test {uuid.uuid4().hex[:8]}"
    code = _consent(xero, name)["code"][0]
    tokens = _token(xero, grant_type="authorization_code", code=code,
                    redirect_uri=REDIRECT_URI).json()
    conns = requests.get(f"{xero['base']}/connections", timeout=TIMEOUT,
                         headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    return tokens | {"tenant": conns[0]["tenantId"], "name": name}


@pytest.fixture
def org(xero):  # type: ignore[no-untyped-def]
    return _connect(xero)


def call(xero: dict, org: dict, method: str, path: str, body: object = None,
         **kw: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {org['access_token']}",
               "xero-tenant-id": org["tenant"], "Accept": "application/json"}
    headers |= kw.pop("headers", {})  # type: ignore[arg-type]
    data = kw.pop("data", None)
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    return requests.request(method, f"{xero['base']}/api.xro/2.0{path}", data=data,
                            headers=headers, timeout=TIMEOUT, **kw)  # type: ignore[arg-type]


def _contact(xero: dict, org: dict, name: str, number: str = "") -> dict:
    body = {"Contacts": [{"Name": name} | ({"ContactNumber": number} if number else {})]}
    answer = call(xero, org, "PUT", "/Contacts", body)
    assert answer.status_code == 200, answer.text
    return answer.json()["Contacts"][0]


def _invoice(contact_id: str, lines: list[dict], **fields: object) -> dict:
    return {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Date": "2024-05-01",
            "DueDate": "2024-05-31", "Status": "AUTHORISED", "LineItems": lines} | fields


def _line(qty: str, unit: str, tax: str = "OUTPUT2", account: str = "200") -> dict:
    return {"Description": "Work", "Quantity": float(qty), "UnitAmount": float(unit),
            "AccountCode": account, "TaxType": tax}


# --------------------------------------------------------------------------- identity


def test_code_flow_connections_and_tokens(xero) -> None:  # type: ignore[no-untyped-def]
    org = _connect(xero)
    assert org["token_type"] == "Bearer" and org["expires_in"] == 1800
    assert org["refresh_token"] and "offline_access" in org["scope"]
    conns = requests.get(f"{xero['base']}/connections", timeout=TIMEOUT,
                         headers={"Authorization": f"Bearer {org['access_token']}"}).json()
    assert [c["tenantName"] for c in conns] == [org["name"]]
    assert conns[0]["tenantType"] == "ORGANISATION" and conns[0]["authEventId"]
    accounts = call(xero, org, "GET", "/Accounts").json()["Accounts"]
    by_code = {a["Code"]: a for a in accounts}
    assert by_code["090"]["Type"] == "BANK" and by_code["205"]["Status"] == "ARCHIVED"
    rates = {r["TaxType"]: r["EffectiveRate"] for r in
             call(xero, org, "GET", "/TaxRates").json()["TaxRates"]}
    assert rates["OUTPUT2"] == 20 and rates["RROUTPUT"] == 5 and rates["NONE"] == 0


def test_codes_are_single_use_and_checked(xero) -> None:  # type: ignore[no-untyped-def]
    code = _consent(xero, "Single Use Ltd")["code"][0]
    wrong_uri = _token(xero, grant_type="authorization_code", code=code,
                       redirect_uri="http://127.0.0.1:9/other")
    assert wrong_uri.status_code == 400 and wrong_uri.json()["error"] == "invalid_grant"
    first = _token(xero, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert first.status_code == 200
    again = _token(xero, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    bad_secret = requests.post(f"{xero['base']}/identity/connect/token", timeout=TIMEOUT, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "client_id": xero["client_id"], "client_secret": "wrong"})
    assert bad_secret.json()["error"] == "invalid_client"


def test_deny_and_bad_requests(xero) -> None:  # type: ignore[no-untyped-def]
    denied = _consent(xero, "Denied Ltd", decision="deny")
    assert denied == {"error": ["access_denied"], "state": ["st-1"]}
    bad_client = requests.get(_authorize_url(xero, client_id="nobody"), timeout=TIMEOUT)
    assert bad_client.status_code == 400 and "client_id" in bad_client.text
    bad_type = requests.get(_authorize_url(xero, response_type="token"), timeout=TIMEOUT)
    assert bad_type.status_code == 400 and "response_type" in bad_type.text


def test_refresh_rotates_with_grace_then_expires(xero, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    org = _connect(xero)
    first = _token(xero, grant_type="refresh_token", refresh_token=org["refresh_token"]).json()
    assert first["refresh_token"] != org["refresh_token"]
    # The old refresh token still answers during the grace period, with the same new pair.
    replay = _token(xero, grant_type="refresh_token", refresh_token=org["refresh_token"]).json()
    assert replay["refresh_token"] == first["refresh_token"]
    assert call(xero, org | first, "GET", "/Organisation").status_code == 200
    clock = sandbox_store.now()
    monkeypatch.setattr(sandbox_store, "now", lambda: clock + 31 * 60)
    late = _token(xero, grant_type="refresh_token", refresh_token=org["refresh_token"])
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}
    expired = call(xero, org | first, "GET", "/Organisation")
    assert expired.status_code == 401 and "TokenExpired" in expired.json()["Detail"]
    second = _token(xero, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    monkeypatch.setattr(sandbox_store, "now", lambda: clock + 61 * 24 * 3600)
    unused = _token(xero, grant_type="refresh_token",
                    refresh_token=second.json()["refresh_token"])
    assert unused.json() == {"error": "invalid_grant"}


def test_revoke_ends_the_grant(xero) -> None:  # type: ignore[no-untyped-def]
    org = _connect(xero)
    answer = requests.post(f"{xero['base']}/identity/connect/revocation", timeout=TIMEOUT,
                           data={"token": org["refresh_token"]}, headers=_basic(xero))
    assert answer.status_code == 200
    again = _token(xero, grant_type="refresh_token", refresh_token=org["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    denied = call(xero, org, "GET", "/Contacts")
    assert denied.status_code == 401
    assert denied.json()["Title"] == "Unauthorized"
    assert denied.json()["Detail"] == "AuthenticationUnsuccessful"


def test_api_needs_token_and_a_granted_tenant(xero, org) -> None:  # type: ignore[no-untyped-def]
    no_token = requests.get(f"{xero['base']}/api.xro/2.0/Contacts", timeout=TIMEOUT,
                            headers={"xero-tenant-id": org["tenant"]})
    assert no_token.status_code == 401 and no_token.json()["Status"] == 401
    other = _connect(xero)
    foreign = call(xero, org, "GET", "/Contacts", headers={"xero-tenant-id": other["tenant"]})
    assert foreign.status_code == 403


# --------------------------------------------------------------------------- contacts


def test_contact_rules_and_archived_contact_refused(xero, org) -> None:  # type: ignore[no-untyped-def]
    made = _contact(xero, org, "A. Smith Plumbing", "CUST-1")
    dup = call(xero, org, "PUT", "/Contacts", {"Contacts": [{"Name": "a. smith plumbing "}]})
    assert dup.status_code == 400
    body = dup.json()
    assert body["ErrorNumber"] == 10 and body["Type"] == "ValidationException"
    assert body["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "The contact name a. smith plumbing is already assigned to another contact. The contact "
        "name must be unique across all active contacts.")
    found = call(xero, org, "GET", "/Contacts", params={"where": 'ContactNumber=="CUST-1"'})
    assert [c["ContactID"] for c in found.json()["Contacts"]] == [made["ContactID"]]

    archived = call(xero, org, "POST", f"/Contacts/{made['ContactID']}",
                    {"Contacts": [{"ContactStatus": "ARCHIVED"}]})
    assert archived.status_code == 200, archived.text
    assert archived.json()["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    refused = call(xero, org, "PUT", "/Invoices",
                   {"Invoices": [_invoice(made["ContactID"], [_line("1", "10")])]})
    assert refused.status_code == 400
    assert refused.json()["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "The contact with the specified contact details has been archived. The contact must be "
        "un-archived before creating new invoices or credit notes.")
    # Archived contacts drop out of lists, and free their name for a new active contact.
    listed = call(xero, org, "GET", "/Contacts").json()["Contacts"]
    assert made["ContactID"] not in [c["ContactID"] for c in listed]
    _contact(xero, org, "A. Smith Plumbing")
    assert call(xero, org, "GET", f"/Contacts/{made['ContactID']}").status_code == 200


def test_contacts_paging(xero, org) -> None:  # type: ignore[no-untyped-def]
    body = {"Contacts": [{"Name": f"Customer {i:03d}"} for i in range(105)]}
    assert call(xero, org, "PUT", "/Contacts", body).status_code == 200
    page2 = call(xero, org, "GET", "/Contacts", params={"page": 2}).json()
    assert len(page2["Contacts"]) == 5
    assert page2["pagination"] == {"page": 2, "pageSize": 100, "pageCount": 2, "itemCount": 105}


# --------------------------------------------------------------------------- invoices


@pytest.mark.parametrize(("amounts", "lines", "sub", "tax", "total"), [
    # 3 × 33.33 = 99.99; tax 19.998 → 20.00
    ("Exclusive", [("3", "33.33", "OUTPUT2")], "99.99", "20.00", "119.99"),
    # tax per line: 0.125 → 0.13 (half up) twice = 0.26, not round(0.25) of the sum
    ("Exclusive", [("1", "0.625", "OUTPUT2"), ("1", "0.625", "OUTPUT2")], "1.26", "0.26", "1.52"),
    # 5% reduced rate and zero-rated on one invoice
    ("Exclusive", [("7", "1.99", "RROUTPUT"), ("2", "10", "ZERORATEDOUTPUT")],
     "33.93", "0.70", "34.63"),
    # inclusive: 100 gross at 20% → tax 16.67, net 83.33
    ("Inclusive", [("1", "100", "OUTPUT2")], "83.33", "16.67", "100.00"),
    # inclusive per line: 10.01 → 1.67 each (1.668), 2 lines → 3.34
    ("Inclusive", [("1", "10.01", "OUTPUT2"), ("1", "10.01", "OUTPUT2")],
     "16.68", "3.34", "20.02"),
    ("NoTax", [("2", "12.345", "OUTPUT2")], "24.69", "0.00", "24.69"),
])
def test_invoice_totals_to_the_penny(xero, org, amounts, lines, sub, tax, total) -> None:  # type: ignore[no-untyped-def]
    contact = _contact(xero, org, "Totals Ltd")
    body = _invoice(contact["ContactID"], [_line(q, u, t) for q, u, t in lines],
                    LineAmountTypes=amounts)
    # unitdp=4, as our connector sends it: unit amounts are kept to 4 places.
    answer = call(xero, org, "PUT", "/Invoices", {"Invoices": [body]}, params={"unitdp": "4"})
    assert answer.status_code == 200, answer.text
    inv = answer.json()["Invoices"][0]
    got = {k: Decimal(str(inv[k])).quantize(Decimal("0.01"))
           for k in ("SubTotal", "TotalTax", "Total", "AmountDue")}
    assert got == {"SubTotal": Decimal(sub), "TotalTax": Decimal(tax),
                   "Total": Decimal(total), "AmountDue": Decimal(total)}
    assert inv["Date"] == "/Date(1714521600000+0000)/"
    assert inv["DateString"].startswith("2024-05-01")
    fetched = call(xero, org, "GET", f"/Invoices/{inv['InvoiceID']}").json()["Invoices"][0]
    assert fetched["Total"] == inv["Total"]


@pytest.mark.parametrize(("query", "unit", "total"), [
    ({}, 12.35, "29.64"),  # Xero keeps 2 dp of a unit amount unless asked for 4
    ({"unitdp": "4"}, 12.345, "29.63"),
])
def test_unit_amounts_keep_two_places_unless_unitdp_4(xero, org, query, unit, total) -> None:  # type: ignore[no-untyped-def]
    contact = _contact(xero, org, f"Unit Places {len(query)} Ltd")
    for path in ("/Invoices", "/CreditNotes"):
        body = _invoice(contact["ContactID"], [_line("2", "12.345")])
        if path == "/CreditNotes":
            body = body | {"Type": "ACCRECCREDIT"}
        answer = call(xero, org, "PUT", path, {path[1:]: [body]}, params=query)
        assert answer.status_code == 200, answer.text
        made = answer.json()[path[1:]][0]
        assert made["LineItems"][0]["UnitAmount"] == unit
        assert Decimal(str(made["Total"])).quantize(Decimal("0.01")) == Decimal(total)


def test_invoice_rules(xero, org) -> None:  # type: ignore[no-untyped-def]
    contact = _contact(xero, org, "Rules Ltd")
    cid = contact["ContactID"]
    cases = [
        (_invoice(cid, [_line("1", "10", account="999")]),
         "Account code '999' is not a valid code for this document."),
        (_invoice(cid, [_line("1", "10", account="205")]),
         "Account code '205' has been archived or deleted. Each line item must reference a valid "
         "account code."),
        (_invoice(cid, [_line("1", "10", tax="BOGUS")]),
         "The TaxType code BOGUS does not exist or cannot be used for this type of transaction."),
        (_invoice(str(uuid.uuid4()), [_line("1", "10")]),
         "The contact with the specified contact details could not be found."),
    ]
    for body, message in cases:
        answer = call(xero, org, "PUT", "/Invoices", {"Invoices": [body]})
        assert answer.status_code == 400, body
        assert answer.json()["Elements"][0]["ValidationErrors"][0]["Message"] == message
    ok = call(xero, org, "PUT", "/Invoices",
              {"Invoices": [_invoice(cid, [_line("1", "10")], InvoiceNumber="J-1")]})
    assert ok.status_code == 200
    dup = call(xero, org, "PUT", "/Invoices",
               {"Invoices": [_invoice(cid, [_line("1", "10")], InvoiceNumber="J-1")]})
    message = dup.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    assert message == "Invoice # must be unique."
    by_number = call(xero, org, "GET", "/Invoices", params={"InvoiceNumbers": "J-1,J-2"})
    assert [i["InvoiceNumber"] for i in by_number.json()["Invoices"]] == ["J-1"]


def test_summarize_errors_false_gives_a_verdict_per_item(xero, org) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(xero, org, "Batch Ltd")["ContactID"]
    batch = {"Invoices": [
        _invoice(cid, [_line("1", "10")], InvoiceNumber="B-1"),
        _invoice(cid, [_line("1", "10", account="999")], InvoiceNumber="B-2"),
        _invoice(cid, [_line("2", "5")], InvoiceNumber="B-3"),
    ]}
    summarized = call(xero, org, "PUT", "/Invoices", batch)
    assert summarized.status_code == 400
    assert call(xero, org, "GET", "/Invoices").json()["Invoices"] == []  # nothing saved
    answer = call(xero, org, "PUT", "/Invoices", batch, params={"summarizeErrors": "false"})
    assert answer.status_code == 200
    items = answer.json()["Invoices"]
    assert [i["StatusAttributeString"] for i in items] == ["OK", "ERROR", "OK"]
    assert items[1]["HasErrors"] is True and items[1]["ValidationErrors"][0]["Message"]
    saved = call(xero, org, "GET", "/Invoices").json()["Invoices"]
    assert sorted(i["InvoiceNumber"] for i in saved) == ["B-1", "B-3"]


def test_payments_and_credit_note_allocation(xero, org) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(xero, org, "Payer Ltd")["ContactID"]
    inv = call(xero, org, "PUT", "/Invoices", {"Invoices": [
        _invoice(cid, [_line("1", "100")], InvoiceNumber="P-1")]}).json()["Invoices"][0]
    assert inv["AmountDue"] == 120

    def pay(amount: float, code: str = "090") -> requests.Response:
        return call(xero, org, "PUT", "/Payments", {"Payments": [{
            "Invoice": {"InvoiceID": inv["InvoiceID"]}, "Account": {"Code": code},
            "Date": "2024-05-10", "Amount": amount, "Reference": "R-1"}]})

    assert pay(20, code="200").json()["Elements"][0]["ValidationErrors"][0]["Message"].startswith(
        "Account type is invalid")
    assert pay(120.01).json()["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "Payment amount exceeds the amount outstanding on this document.")
    assert pay(20).status_code == 200
    found = call(xero, org, "GET", "/Payments", params={"where": 'Reference=="R-1"'})
    assert [p["Amount"] for p in found.json()["Payments"]] == [20]

    note = call(xero, org, "PUT", "/CreditNotes", {"CreditNotes": [{
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": cid}, "Date": "2024-05-11",
        "Status": "AUTHORISED", "LineItems": [_line("1", "50")]}]}).json()["CreditNotes"][0]
    assert note["Total"] == 60 and note["RemainingCredit"] == 60
    alloc = call(xero, org, "PUT", f"/CreditNotes/{note['CreditNoteID']}/Allocations", {
        "Allocations": [{"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Amount": 60,
                         "Date": "2024-05-11"}]})
    assert alloc.status_code == 200, alloc.text
    assert pay(40).status_code == 200
    after = call(xero, org, "GET", f"/Invoices/{inv['InvoiceID']}").json()["Invoices"][0]
    assert (after["AmountDue"], after["AmountPaid"], after["AmountCredited"]) == (0, 60, 60)
    assert after["Status"] == "PAID"
    assert pay(1).json()["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "Payments can only be made against Authorised documents.")


# --------------------------------------------------------------------------- protocol


def test_idempotency_key_replays_and_refuses_reuse(xero, org) -> None:  # type: ignore[no-untyped-def]
    key = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    body = {"Contacts": [{"Name": "Once Only Ltd"}]}
    first = call(xero, org, "PUT", "/Contacts", body, headers=key)
    second = call(xero, org, "PUT", "/Contacts", body, headers=key)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    listed = call(xero, org, "GET", "/Contacts", params={"where": 'Name=="Once Only Ltd"'})
    assert len(listed.json()["Contacts"]) == 1
    other = call(xero, org, "PUT", "/Contacts", {"Contacts": [{"Name": "Other"}]}, headers=key)
    assert other.status_code == 400 and "Idempotency-Key" in other.json()["Detail"]
    long_key = call(xero, org, "PUT", "/Contacts", body, headers={"Idempotency-Key": "k" * 129})
    assert long_key.status_code == 400


def test_rate_limit_minute_window(xero, org, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", True)
    clock = [sandbox_store.now()]
    monkeypatch.setattr(sandbox_store, "now", lambda: clock[0])
    for i in range(60):
        answer = call(xero, org, "GET", "/Organisation")
        assert answer.status_code == 200
        assert answer.headers["X-MinLimit-Remaining"] == str(59 - i)
        assert "X-DayLimit-Remaining" in answer.headers
        assert "X-AppMinLimit-Remaining" in answer.headers
    clock[0] += 15
    refused = call(xero, org, "GET", "/Organisation")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert refused.headers["Retry-After"] == "45"
    clock[0] += 45.5
    assert call(xero, org, "GET", "/Organisation").status_code == 200


def test_spec_violation_bad_json_and_size(xero, org, app) -> None:  # type: ignore[no-untyped-def]
    assert app.config.get("XERO_SANDBOX_SPEC") or __import__("os").environ["XERO_SANDBOX_SPEC"]
    cid = _contact(xero, org, "Spec Ltd")["ContactID"]
    wrong = _invoice(cid, [{"Description": "x", "Quantity": "two", "UnitAmount": 10,
                            "AccountCode": "200"}])
    answer = call(xero, org, "PUT", "/Invoices", {"Invoices": [wrong]})
    assert answer.status_code == 400
    assert answer.json()["Type"] == "SpecViolation"
    assert "Invoices[0].LineItems[0].Quantity" in answer.json()["Message"]
    garbage = call(xero, org, "PUT", "/Contacts", data="{not json",
                   headers={"Content-Type": "application/json"})
    assert garbage.status_code == 400 and garbage.json()["Type"] == "PostDataInvalidException"
    # Larger than the app's own 2 MB limit, within Xero's 3.5 MB: accepted.
    big = call(xero, org, "PUT", "/Contacts",
               {"Contacts": [{"Name": "Big", "Notes": "y" * 2_500_000}]})
    assert big.status_code == 200, big.text[:200]
    huge = call(xero, org, "PUT", "/Contacts",
                {"Contacts": [{"Name": "x" * 200, "Notes": "y" * 3_600_000}]})
    assert huge.status_code == 413


def test_garbage_is_a_400_even_without_the_spec(xero, org, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "XERO_SANDBOX_SPEC", "")
    monkeypatch.delenv("XERO_SANDBOX_SPEC", raising=False)
    cid = _contact(xero, org, "Garbage Ltd")["ContactID"]
    bodies = [
        ("/Contacts", [1, 2]), ("/Contacts", {"Contacts": "x"}), ("/Contacts", "text"),
        ("/Contacts", {"Contacts": [{"Name": 5}]}), ("/Contacts", {"Contacts": [None]}),
        ("/Invoices", {"Invoices": [_invoice(cid, [{"Quantity": "two", "UnitAmount": 1,
                                                    "AccountCode": "200"}])]}),
        ("/Invoices", {"Invoices": [_invoice(cid, "lines")]}),
        ("/Invoices", {"Invoices": [_invoice(cid, [_line("1", "1")], Date=12)]}),
        ("/Invoices", {"Invoices": [{"Type": "ACCREC", "Contact": "me"}]}),
        ("/Invoices", {"Invoices": [_invoice(cid, [_line("1", "1")], InvoiceNumber=[1])]}),
        ("/Payments", {"Payments": [{"Invoice": "x", "Amount": "lots"}]}),
        ("/Payments", {"Payments": [{"Invoice": {"InvoiceID": 3}, "Account": {"Code": 90},
                                     "Amount": 1}]}),
        ("/CreditNotes", {"CreditNotes": [{"Type": "ACCRECCREDIT", "Contact": {"ContactID": cid},
                                           "LineItems": [{"UnitAmount": None}]}]}),
        ("/Contacts/not-a-contact", {"ContactStatus": "ARCHIVED"}),
    ]
    for path, body in bodies:
        answer = call(xero, org, "PUT" if "/Contacts/" not in path else "POST", path, body)
        assert 400 <= answer.status_code < 500, (path, body, answer.status_code, answer.text)
        assert answer.json()


def test_batch_payment_pays_several_invoices_or_none(xero, org) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(xero, org, "Batch Payer Ltd")["ContactID"]
    invoices = call(xero, org, "PUT", "/Invoices", {"Invoices": [
        _invoice(cid, [_line("1", "10")]), _invoice(cid, [_line("1", "20")])]}).json()["Invoices"]

    def batch(amounts: list[float]) -> requests.Response:
        return call(xero, org, "PUT", "/BatchPayments", {"BatchPayments": [{
            "Account": {"Code": "090"}, "Date": "2024-05-10", "Reference": "BP-1",
            "Payments": [{"Invoice": {"InvoiceID": i["InvoiceID"]}, "Amount": a}
                         for i, a in zip(invoices, amounts, strict=True)]}]})

    assert batch([12, 24.01]).status_code == 400  # the second is over: neither is paid
    dues = [i["AmountDue"] for i in call(xero, org, "GET", "/Invoices").json()["Invoices"]]
    assert sorted(dues) == [12, 24]
    made = batch([12, 4])
    assert made.status_code == 200, made.text
    assert made.json()["BatchPayments"][0]["TotalAmount"] == 16
    statuses = {i["InvoiceID"]: (i["Status"], i["AmountDue"])
                for i in call(xero, org, "GET", "/Invoices").json()["Invoices"]}
    assert statuses[invoices[0]["InvoiceID"]] == ("PAID", 0)
    assert statuses[invoices[1]["InvoiceID"]] == ("AUTHORISED", 20)


def test_concurrent_and_day_limits(ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.xero import limits as sandbox_limits

    tenant = f"limits-{uuid.uuid4()}"
    held = [sandbox_limits.RateLimit(tenant).acquire() for _ in range(5)]
    assert all(h.refused is None for h in held)
    sixth = sandbox_limits.RateLimit(tenant).acquire()
    assert sixth.refused is not None
    assert sixth.refused[0].headers["X-Rate-Limit-Problem"] == "concurrent"
    held[0].release()
    assert sandbox_limits.RateLimit(tenant).acquire().refused is None

    monkeypatch.setattr(sandbox_limits, "DAY_LIMIT", 7)  # 6 calls so far; one more fits
    for h in held[1:]:
        h.release()
    assert sandbox_limits.RateLimit(tenant).acquire().refused is None
    over = sandbox_limits.RateLimit(tenant).acquire()
    assert over.refused is not None
    assert over.refused[0].headers["X-Rate-Limit-Problem"] == "day"
    assert int(over.refused[0].headers["Retry-After"]) <= 24 * 3600
