"""Fixtures for the Records pages: a signed-in company with a connection, records sent in
through the inbound API, and states set directly where a test needs a particular one."""

from __future__ import annotations

from typing import Any

import pytest

from app.extensions import db
from app.models import Transfer
from tests.api.conftest import customer, invoice
from tests.ui import add_connection, page_token, sign_in

HX = {"HX-Request": "true"}


class Books:
    """A signed-in company with one Xero connection, fed through the inbound API."""

    def __init__(self, client: Any, made: Any, connection_id: int, data: Any) -> None:
        self.client, self.made, self.connection_id, self.data = client, made, connection_id, data
        self.company_id = made.company_id

    def api(self, path: str, body: dict) -> dict:
        answer = self.client.post(f"/api/v1{path}", json=body,
                                  headers={"Authorization": f"Bearer {self.made.api_key}"})
        assert answer.status_code in (200, 201), answer.get_data(as_text=True)
        return answer.get_json()

    def customer(self, **fields: Any) -> str:
        body = customer(**fields)
        self.api("/customers", body)
        return body["source_id"]

    def invoice(self, customer_source_id: str, **fields: Any) -> dict:
        body = invoice(customer_source_id, **fields)
        self.api("/invoices", body)
        return body

    def transfer_id(self, record_type: str, source_id: str) -> int:
        def _find() -> int:
            from app.records.lookup import find_record

            record = find_record(self.company_id, record_type, source_id)
            return db.session.execute(db.select(Transfer.id).filter_by(
                connection_id=self.connection_id, record_type=record_type,
                record_id=record.id)).scalar_one()
        return self.data(_find)

    def set_state(self, transfer_id: int, state: str, **fields: Any) -> None:
        def _set() -> None:
            t = db.session.get(Transfer, transfer_id)
            t.state = state
            for key, value in fields.items():
                setattr(t, key, value)
            db.session.commit()
        self.data(_set)

    def state(self, transfer_id: int) -> str:
        return self.data(lambda: db.session.get(Transfer, transfer_id).state)

    def token(self, path: str = "/records") -> str:
        return page_token(self.client, path)


@pytest.fixture
def books(client, make_company, data) -> Books:  # type: ignore[no-untyped-def]
    made = make_company(name="Acme Heating Ltd")
    conn = data(add_connection, made.company_id, tenant_name="Acme Heating Ltd (UK)")
    sign_in(client, made.email, made.password)
    return Books(client, made, conn, data)
