"""Helpers for the inbound API tests: an authenticated company and record payloads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Api:
    """A company's view of the API through the Flask test client."""

    client: Any
    api_key: str
    company_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers)

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def make_api(client, make_company) -> Callable[[], Api]:  # type: ignore[no-untyped-def]
    def _make() -> Api:
        made = make_company()
        return Api(client=client, api_key=made.api_key, company_id=made.company_id)

    return _make


@pytest.fixture
def api(make_api) -> Api:  # type: ignore[no-untyped-def]
    return make_api()


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def customer(source_id: str | None = None, **changes: Any) -> dict[str, Any]:
    body = {
        "source_id": source_id or uid("C"),
        "name": "A. Smith Plumbing",
        "email": "a.smith@example.test",
        "phone": "01632 960001",
        "address": {"line1": "1 High Street", "city": "Leeds", "postcode": "LS1 1AA",
                    "country": "GB"},
    }
    return body | changes


def invoice(customer_source_id: str, source_id: str | None = None, **changes: Any
            ) -> dict[str, Any]:
    body = {
        "source_id": source_id or uid("I"),
        "number": uid("INV"),
        "customer_source_id": customer_source_id,
        "date": "2026-03-01",
        "due_date": "2026-03-31",
        "amounts_are": "exclusive",
        "lines": [
            {"description": "Boiler service", "quantity": 1, "unit_price": 45.00,
             "account": "sales", "tax_rate": "standard"},
            {"description": "Valve", "quantity": 2, "unit_price": 22.5,
             "account": "materials_sales", "tax_rate": "standard"},
        ],
    }
    return body | changes


def payment(customer_source_id: str, allocations: list[tuple[str, Any]],
            source_id: str | None = None, **changes: Any) -> dict[str, Any]:
    from decimal import Decimal

    total = sum((Decimal(str(a)) for _, a in allocations), Decimal(0))
    body = {
        "source_id": source_id or uid("P"),
        "customer_source_id": customer_source_id,
        "date": "2026-03-10",
        "amount": float(total),
        "bank_account": "bank",
        "allocations": [{"invoice_source_id": i, "amount": a} for i, a in allocations],
    }
    return body | changes
