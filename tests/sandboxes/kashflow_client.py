"""A client of the KashFlow sandbox for its tests, written from the wire contract
(/work/brief/kashflow-wire.md), not from connector code: a user signed up through the sandbox's
admin route, the two-step sign-in (password, then three characters of the memorable word), and
API calls with `Authorization: KfToken <token>`."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
import requests

TIMEOUT = 10
PASSWORD = "correct horse battery"
WORD = "Plumbline"


@pytest.fixture
def kf(live_url) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"base": f"{live_url}/sandbox/kashflow"}


@pytest.fixture
def co(kf) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A fresh user (one company), signed in: its names and session token."""
    return signed_in(kf, signup(kf))


def signup(kf: dict[str, str], **overrides: str) -> dict[str, Any]:
    body = {"UserName": f"user{uuid.uuid4().hex[:10]}", "Password": PASSWORD,
            "MemorableWord": WORD, "CompanyName": f"KashFlow Test {uuid.uuid4().hex[:6]}"}
    body |= overrides
    answer = admin(kf, "/signup", body)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"UserName": body["UserName"], "CompanyName": body["CompanyName"]}
    return {"kf": kf, "username": body["UserName"], "password": body["Password"],
            "word": body["MemorableWord"], "company_name": body["CompanyName"]}


def admin(kf: dict[str, str], path: str, body: Any = None) -> requests.Response:
    return requests.post(f"{kf['base']}/sandbox{path}", json=body, timeout=TIMEOUT)


def begin(user: dict[str, Any], password: str = "") -> requests.Response:
    return requests.post(f"{user['kf']['base']}/v2/sessiontoken", timeout=TIMEOUT,
                         json={"UserName": user["username"],
                               "Password": password or user["password"]})


def characters(word: str, asked: list[dict[str, int]]) -> list[dict[str, Any]]:
    return [{"Position": a["Position"], "Value": word[a["Position"] - 1]} for a in asked]


def complete(user: dict[str, Any], temporary: str, answered: list[dict[str, Any]]
             ) -> requests.Response:
    return requests.put(f"{user['kf']['base']}/v2/sessiontoken", timeout=TIMEOUT,
                        json={"TemporaryToken": temporary, "MemorableWordList": answered})


def signed_in(kf: dict[str, str], user: dict[str, Any]) -> dict[str, Any]:
    first = begin(user)
    assert first.status_code == 200, first.text
    asked = first.json()
    second = complete(user, asked["TemporaryToken"],
                      characters(user["word"], asked["MemorableWordList"]))
    assert second.status_code == 200, second.text
    return user | {"token": second.json()["SessionToken"]}


def call(co: dict[str, Any], method: str, path: str, body: Any = None,
         **kw: Any) -> requests.Response:
    """`path` below /v2, or a full URL the sandbox gave."""
    headers = {"Authorization": f"KfToken {co['token']}", "Accept": "application/json"}
    headers |= kw.pop("headers", {})
    data = kw.pop("data", None)
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    url = path if path.startswith("http") else f"{co['kf']['base']}/v2{path}"
    return requests.request(method, url, data=data, headers=headers, timeout=TIMEOUT, **kw)


def read(answer: requests.Response) -> Any:
    """A reply's JSON, numbers as Decimals."""
    return json.loads(answer.text, parse_float=Decimal)


def created(co: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = call(co, "POST", path, body)
    assert answer.status_code == 201, answer.text
    return read(answer)


def refusal(answer: requests.Response) -> tuple[int, str]:
    """(status, Error) of a refusal, checking the envelope's shape."""
    body = answer.json()
    assert set(body) == {"Error", "Message"} and body["Message"], body
    return answer.status_code, body["Error"]


def customer(co: dict[str, Any], code: str = "", name: str = "", path: str = "/customers",
             **extra: Any) -> dict[str, Any]:
    return created(co, path, {"Code": code or f"C{uuid.uuid4().hex[:8].upper()}",
                              "Name": name or f"Customer {uuid.uuid4().hex[:6]}",
                              "Email": "accounts@example.test"} | extra)


def line(quantity: Any = 1, rate: Any = 100, vat_rate: Any = 20, code: str = "STANDARD",
         nominal: int = 4000, **extra: Any) -> dict[str, Any]:
    """A line whose VatAmount is worked out as KashFlow wants it (unless given)."""
    vat = (Decimal(str(quantity)) * Decimal(str(rate)) * Decimal(str(vat_rate)) / 100
           ).quantize(Decimal("0.01"))
    return {"Description": "Work", "Quantity": quantity, "Rate": rate, "NominalCode": nominal,
            "VatRate": vat_rate, "VatAmount": float(vat), "VatCode": code} | extra


def invoice_body(code: str, lines: list[dict[str, Any]] | None = None, **extra: Any
                 ) -> dict[str, Any]:
    return {"CustomerCode": code, "IssuedDate": "2024-05-01", "DueDate": "2024-05-31",
            "CustomerReference": f"INV-{uuid.uuid4().hex[:8]}", "Currency": "GBP",
            "LineItems": lines if lines is not None else [line()]} | extra


def invoice(co: dict[str, Any], code: str = "", **extra: Any) -> dict[str, Any]:
    return created(co, "/invoices", invoice_body(code or customer(co)["Code"], **extra))


def payment_body(lines: list[tuple[int, Any]], **extra: Any) -> dict[str, Any]:
    return {"PaymentDate": "2024-05-10", "BankAccount": 1200,
            "Reference": f"PAY-{uuid.uuid4().hex[:6]}", "PaymentMethod": "BACS",
            "PaymentLines": [{"InvoiceNumber": n, "Amount": a} for n, a in lines]} | extra
