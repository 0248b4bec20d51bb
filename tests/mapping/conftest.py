"""Fixtures for the mapping page: a company connected to its own sandbox Xero organisation,
with a signed-in member, and helpers to read and change its mapping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.extensions import db
from app.models import Account, AccountMapping, PackageList, TaxMapping, TaxRate
from tests.helpers import add_member as shared_add_member
from tests.sync.conftest import connected_books  # noqa: F401  (fixture used by these tests)
from tests.ui import sign_in

HX = {"HX-Request": "true"}


@dataclass
class Mapped:
    books: Any
    client: Any
    url: str

    def token(self) -> str:
        from tests.ui import csrf_from

        return csrf_from(self.client.get(self.url).get_data(as_text=True))

    def post(self, path: str, data: dict | None = None, hx: bool = True) -> Any:
        headers = {"X-CSRFToken": self.token(), **(HX if hx else {})}
        return self.client.post(f"{self.url}{path}", data=data or {}, headers=headers)


def add_member(app: Any, company_id: int, role: str) -> tuple[str, str]:
    return shared_add_member(app, company_id, role, name="Mapper", prefix="m",
                             password="pw-mapping-long-enough")


def run_in(app: Any, fn: Any, *args: Any) -> Any:
    with app.app_context():
        try:
            return fn(*args)
        finally:
            db.session.remove()


def unmap(connection_id: int, company_id: int, key: str, kind: str = "account") -> None:
    if kind == "account":
        account = db.session.execute(
            db.select(Account).filter_by(company_id=company_id, key=key)).scalar_one()
        db.session.execute(db.delete(AccountMapping).filter_by(
            connection_id=connection_id, account_id=account.id))
    else:
        rate = db.session.execute(
            db.select(TaxRate).filter_by(company_id=company_id, key=key)).scalar_one()
        db.session.execute(db.delete(TaxMapping).filter_by(
            connection_id=connection_id, tax_rate_id=rate.id))
    db.session.commit()


def code_of(connection_id: int, company_id: int, key: str) -> str | None:
    account = db.session.execute(
        db.select(Account).filter_by(company_id=company_id, key=key)).scalar_one()
    return db.session.execute(db.select(AccountMapping.package_code).filter_by(
        connection_id=connection_id, account_id=account.id)).scalar_one_or_none()


def tax_code_of(connection_id: int, company_id: int, key: str) -> str | None:
    rate = db.session.execute(
        db.select(TaxRate).filter_by(company_id=company_id, key=key)).scalar_one()
    return db.session.execute(db.select(TaxMapping.package_code).filter_by(
        connection_id=connection_id, tax_rate_id=rate.id)).scalar_one_or_none()


def fetched_at(connection_id: int) -> list:
    return sorted(db.session.execute(db.select(PackageList.kind, PackageList.fetched_at)
                                     .filter_by(connection_id=connection_id)).all())


@pytest.fixture
def mapped(app, client, connected_books):  # noqa: F811
    """A connected company (fully mapped by the demo chart) and a bookkeeper signed in."""
    books = connected_books()
    email, password = add_member(app, books.company_id, "bookkeeper")
    sign_in(client, email, password)
    return Mapped(books, client, f"/connections/{books.connection_id}/mapping")
