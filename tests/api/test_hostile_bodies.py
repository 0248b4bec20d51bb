"""What fuzzing found in the inbound API, over real HTTP: each answers a clear 4xx and writes
nothing. Run against PostgreSQL too (DATABASE_URL=postgresql://...): ids are 32-bit there, and
text cannot hold a NUL byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from app.extensions import db
from app.models import Contact, Document, DocumentLine, Payment, PaymentAllocation, Transfer
from tests.api.conftest import customer, invoice, payment

TABLES = (Contact, Document, DocumentLine, Payment, PaymentAllocation, Transfer)
HUGE_IDS = [str(2**31), str(2**63), str(10**30), "9" * 5000]


class Http:
    def __init__(self, base: str, key: str) -> None:
        self.base = f"{base}/api/v1"
        self.headers = {"Authorization": f"Bearer {key}"}

    def post_raw(self, path: str, data: Any) -> requests.Response:
        return requests.post(f"{self.base}{path}", data=data, timeout=60,
                             headers={**self.headers, "Content-Type": "application/json"})

    def post(self, path: str, body: Any) -> requests.Response:
        return self.post_raw(path, json.dumps(body))

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.base}{path}", headers=self.headers, timeout=60)


@pytest.fixture
def http(live_url, make_company) -> Iterator[Http]:  # type: ignore[no-untyped-def]
    yield Http(live_url, make_company().api_key)


def _counts(app) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with app.app_context():
        counts = tuple(db.session.execute(db.select(db.func.count(t.id))).scalar()
                       for t in TABLES)
        db.session.remove()
        return counts


def _bodies() -> dict[str, dict[str, Any]]:
    return {"/customers": customer(source_id="H-C"),
            "/suppliers": customer(source_id="H-S"),
            "/invoices": invoice("H-C", source_id="H-I"),
            "/credit-notes": invoice("H-C", source_id="H-CN"),
            "/payments": payment("H-C", [("H-I", 10)], source_id="H-P")}


@pytest.mark.parametrize("path", list(_bodies()))
def test_an_integer_of_more_than_4300_digits_is_400(app, http, path):  # type: ignore[no-untyped-def]
    before = _counts(app)
    valid = json.dumps(_bodies()[path])
    huge = "9" * 4301
    raws = ['{"x": ' + huge + ", " + valid[1:],  # at the top
            re.sub(r'("(?:quantity|amount)": )[0-9.]+', rf"\g<1>{huge}", valid)]  # deep in it
    if path in ("/customers", "/suppliers"):
        raws[1] = valid.replace('"address": {', '"address": {"n": ' + huge + ", ")
    for raw in raws:
        assert huge in raw
        answer = http.post_raw(path, raw)
        assert answer.status_code == 400, (answer.status_code, answer.text[:200])
        assert "too many digits" in answer.json()["message"]
    assert _counts(app) == before


@pytest.mark.parametrize("depth", [30, 5000, 100_000])
def test_deeply_nested_json_is_400(app, http, depth):  # type: ignore[no-untyped-def]
    before = _counts(app)
    body = json.dumps(customer(source_id="H-N"))[:-1] + ', "address": ' + "[" * depth \
        + "]" * depth + "}"
    answer = http.post_raw("/customers", body)
    assert answer.status_code == 400, answer.text[:200]
    assert "nested too deeply" in answer.json()["message"]
    assert _counts(app) == before


@pytest.mark.parametrize("path, where, field", [
    ("/customers", ("name",), "name"),
    ("/customers", ("source_id",), "source_id"),
    ("/customers", ("address", "postcode"), "address.postcode"),
    ("/invoices", ("lines", 1, "description"), "lines[1].description"),
    ("/invoices", ("customer_source_id",), "customer_source_id"),
    ("/payments", ("allocations", 0, "invoice_source_id"), "allocations[0].invoice_source_id"),
])
def test_a_nul_byte_in_any_field_is_422_naming_it(app, http, path, where, field):  # type: ignore[no-untyped-def]
    http.post("/customers", customer(source_id="H-C"))
    before = _counts(app)
    body = _bodies()[path]
    parent = body
    for part in where[:-1]:
        parent = parent[part]
    parent[where[-1]] = f"A\x00{parent[where[-1]]}"
    answer = http.post(path, body)
    assert answer.status_code == 422, answer.text[:300]
    problems = {p["field"]: p["message"] for p in answer.json()["problems"]}
    assert "NUL" in problems[field]
    assert _counts(app) == before


def test_a_nul_byte_in_a_field_name_is_422(app, http):  # type: ignore[no-untyped-def]
    body = customer(source_id="H-K")
    body["na\x00me"] = "x"
    answer = http.post("/customers", body)
    assert answer.status_code == 422, answer.text[:300]
    assert any("NUL" in p["message"] for p in answer.json()["problems"])


@pytest.mark.parametrize("kind", ["customers", "suppliers", "invoices", "credit-notes",
                                  "payments"])
def test_a_nul_byte_in_a_source_id_in_the_address_is_a_4xx(http, kind):  # type: ignore[no-untyped-def]
    answer = http.get(f"/{kind}/A%00B")
    assert answer.status_code == 400, answer.text[:200]
    assert "NUL" in answer.json()["message"]


@pytest.mark.parametrize("huge", HUGE_IDS, ids=["2^31", "2^63", "10^30", "5000-digits"])
def test_ids_too_big_for_the_database_are_404(http, huge):  # type: ignore[no-untyped-def]
    answer = http.get(f"/runs/{huge}")
    assert answer.status_code == 404, answer.text[:200]
    answer = http.post(f"/connections/{huge}/send", {})
    assert answer.status_code == 404, answer.text[:200]


def test_a_chunked_body_over_the_limit_is_413(app, http):  # type: ignore[no-untyped-def]
    before = _counts(app)
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = customer(source_id="H-BIG", name="x" * 100)
    body["phone"] = " " * (3 * 1024 * 1024)  # 3 MB, past the 2 MB limit

    def chunks() -> Iterator[bytes]:  # a generator: requests sends it chunked, no length
        raw = json.dumps(body).encode()
        for i in range(0, len(raw), 64 * 1024):
            yield raw[i:i + 64 * 1024]

    assert len(json.dumps(body)) > limit
    answer = http.post_raw("/customers", chunks())
    assert answer.status_code == 413, answer.text[:200]
    assert answer.json()["error"] == "payload_too_large"
    assert _counts(app) == before


def test_a_chunked_body_within_the_limit_is_read_whole(http):  # type: ignore[no-untyped-def]
    raw = json.dumps(customer(source_id="H-CHUNK")).encode()
    answer = http.post_raw("/customers", iter([raw[:10], raw[10:]]))
    assert answer.status_code == 201, answer.text[:200]


def test_timestamps_in_answers_carry_a_utc_offset(http, app):  # type: ignore[no-untyped-def]
    http.post("/customers", customer(source_id="H-T"))
    answers = [http.post("/invoices", invoice("H-T", source_id="H-TI")).json(),
               http.get("/customers/H-T").json()]
    stamps = [a[k] for a in answers for k in ("created_at", "updated_at")]
    for stamp in stamps:
        parsed = datetime.fromisoformat(stamp)
        assert parsed.utcoffset() == timedelta(0), stamp


@pytest.mark.parametrize("literal", ["1e9999999999999999999", "-1E-9999999999999999999"])
def test_a_number_whose_exponent_decimal_cannot_hold_is_400(app, http, literal):  # type: ignore[no-untyped-def]
    http.post("/customers", customer(source_id="H-C"))
    before = _counts(app)
    raw = re.sub(r'("unit_price": )[0-9.]+', rf"\g<1>{literal}",
                 json.dumps(invoice("H-C", source_id="H-EXP")), count=1)
    assert literal in raw
    answer = http.post_raw("/invoices", raw)
    assert answer.status_code == 400, answer.text[:200]
    assert "too large or too small" in answer.json()["message"]
    assert _counts(app) == before


def test_length_limits_apply_to_what_was_sent_as_the_document_says(app, http):  # type: ignore[no-untyped-def]
    """maxLength in the OpenAPI document counts the characters sent; stripping comes after."""
    before = _counts(app)
    answer = http.post("/customers", customer(source_id="H-L", name="\f" + "x" * 255))
    assert answer.status_code == 422, answer.text[:200]
    assert answer.json()["problems"][0]["field"] == "name"
    answer = http.post("/customers", customer(source_id="H-L", name=" \t "))
    assert answer.status_code == 422, answer.text[:200]
    assert answer.json()["problems"] == [{"field": "name", "message": "must not be blank"}]
    assert _counts(app) == before
    answer = http.post("/customers", customer(source_id=" H-L ", name=" Bob ",
                                              email=" bob@example.test "))
    assert answer.status_code == 201, answer.text[:200]
    assert (answer.json()["source_id"], answer.json()["name"], answer.json()["email"]) == \
        ("H-L", "Bob", "bob@example.test")
