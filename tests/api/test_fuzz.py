"""Property test: whatever the job system sends, the answer is a 2xx or a 4xx naming the
problem; never a 500, and a refused request writes nothing."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Contact, Document, DocumentLine, Payment, PaymentAllocation, Transfer
from tests.api.conftest import customer, invoice, payment

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=10,
)
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, prefix + (i,))
    return out


@st.composite
def mutated(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(valid)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(body)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = body
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(JSON)
    return body


def _count(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return sum(db.session.execute(db.select(db.func.count(t.id))).scalar()
                   for t in (Contact, Document, DocumentLine, Payment, PaymentAllocation,
                             Transfer))


def _check(app, api, path: str, body: Any) -> None:  # type: ignore[no-untyped-def]
    before = _count(app)
    # TESTING propagates exceptions, so a crash fails here instead of becoming a 500.
    response = api.post(path, body)
    assert response.status_code in (200, 201, 400, 422), (response.status_code, response.json)
    if response.status_code in (400, 422):
        assert _count(app) == before
        if response.status_code == 422:
            assert response.json["problems"]
            assert all(p["field"] and p["message"] for p in response.json["problems"])


def test_fuzz_invoices(app, api):  # type: ignore[no-untyped-def]
    c = customer(source_id="FUZZ-C")
    api.post("/customers", c)
    valid = invoice("FUZZ-C", source_id="FUZZ-I", number="FUZZ-1")

    @FUZZ
    @given(mutated(valid))
    def run(body: dict[str, Any]) -> None:
        _check(app, api, "/invoices", body)

    run()


def test_fuzz_payments(app, api):  # type: ignore[no-untyped-def]
    api.post("/customers", customer(source_id="FUZZ-C"))
    api.post("/invoices", invoice("FUZZ-C", source_id="FUZZ-I", number="FUZZ-1"))
    valid = payment("FUZZ-C", [("FUZZ-I", 50)], source_id="FUZZ-P")

    @FUZZ
    @given(mutated(valid))
    def run(body: dict[str, Any]) -> None:
        _check(app, api, "/payments", body)

    run()


def test_fuzz_contacts_and_whole_bodies(app, api):  # type: ignore[no-untyped-def]
    @FUZZ
    @given(mutated(customer(source_id="FUZZ-C")) | JSON)
    def run(body: Any) -> None:
        _check(app, api, "/customers", body)

    run()
