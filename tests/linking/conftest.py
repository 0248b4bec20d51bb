"""Fixtures for the Linking page: a company connected to its own sandbox Xero organisation,
contacts made in that organisation through Xero's API, and a signed-in member."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from app.extensions import db
from app.models import Transfer
from tests.helpers import add_member as shared_add_member
from tests.sync.conftest import connected_books  # noqa: F401  (fixture used by these tests)
from tests.ui import csrf_from, sign_in

HX = {"HX-Request": "true"}


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def add_member(app: Any, company_id: int, role: str) -> tuple[str, str]:
    return shared_add_member(app, company_id, role, name="Linker", prefix="l",
                             password="pw-linking-long-enough")


def make_xero_contacts(books: Any, contacts: list[dict]) -> dict[str, str]:
    """Create contacts in the sandbox organisation through Xero's API; name -> ContactID."""
    answer = books.package_api("PUT", "Contacts", json={"Contacts": contacts})
    assert answer.status_code == 200, answer.text
    return {c["Name"]: c["ContactID"] for c in answer.json()["Contacts"]}


@dataclass
class Linker:
    """A signed-in member of the connected company, on the Linking page."""

    app: Any
    books: Any
    client: Any

    @property
    def url(self) -> str:
        return f"/connections/{self.books.connection_id}/linking"

    def page(self, hx: bool = True, **params: Any) -> Any:
        return self.client.get(self.url, query_string=params, headers=HX if hx else {})

    def token(self) -> str:
        return csrf_from(self.client.get(self.url).get_data(as_text=True))

    def post(self, path: str, data: Any = None, hx: bool = True) -> Any:
        headers = {"X-CSRFToken": self.token(), **(HX if hx else {})}
        return self.client.post(f"{self.url}{path}", data=data or {}, headers=headers)

    def transfer(self, source_id: str, kind: str = "customer") -> Transfer:
        with self.app.app_context():
            from app.models import Contact

            contact = db.session.execute(db.select(Contact).filter_by(
                company_id=self.books.company_id, kind=kind, source_id=source_id)).scalar_one()
            row = db.session.execute(db.select(Transfer).filter_by(
                connection_id=self.books.connection_id, record_type=kind,
                record_id=contact.id)).scalar_one()
            db.session.expunge(row)
            db.session.remove()
            return row


@pytest.fixture
def linker(app, connected_books):  # type: ignore[no-untyped-def]  # noqa: F811
    def _make(books: Any = None, role: str = "bookkeeper") -> Linker:
        books = books or connected_books()
        email, password = add_member(app, books.company_id, role)
        client = app.test_client()
        answer = sign_in(client, email, password)
        assert answer.status_code in (302, 303), answer.status_code
        return Linker(app, books, client)

    return _make
