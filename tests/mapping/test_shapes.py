"""Packages without lists get typed codes; packages that sell through items offer to create
one. Nothing in the templates names a package."""

from __future__ import annotations

import re

import pytest

import connectors
from app.extensions import db
from app.models import Connection
from tests.mapping.conftest import HX, code_of, run_in, tax_code_of, unmap


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def _repackage(app, connection_id: int, key: str) -> None:
    with app.app_context():
        db.session.get(Connection, connection_id).package = key
        db.session.commit()
        db.session.remove()


@pytest.fixture
def shapes(monkeypatch):
    monkeypatch.setitem(connectors._REGISTRY, "xero_listless",
                        "tests.mapping.packages:ListlessXero")
    monkeypatch.setitem(connectors._REGISTRY, "xero_items",
                        "tests.mapping.packages:ItemSellingXero")


def test_package_without_lists_takes_typed_codes(app, mapped, shapes):
    books = mapped.books
    _repackage(app, books.connection_id, "xero_listless")
    run_in(app, unmap, books.connection_id, books.company_id, "expenses")
    body = squash(mapped.client.get(mapped.url, headers=HX).get_data(as_text=True))
    assert "<select" not in body
    assert 'name="code" id="code-map-account-sales" value="200"' in body
    assert "Listless Books gives no list of its codes: type the code exactly as in " \
           "Listless Books." in body
    saved = mapped.post("/accounts/expenses", {"code": "  7500 "})
    assert saved.status_code == 200 and "goes to Listless Books as 7500" in saved.get_data(
        as_text=True)
    assert run_in(app, code_of, books.connection_id, books.company_id, "expenses") == "7500"
    assert mapped.post("/tax-rates/standard", {"code": "T1"}).status_code == 200
    assert run_in(app, tax_code_of, books.connection_id, books.company_id, "standard") == "T1"
    # Still checked for what can be checked without a list.
    refused = mapped.post("/accounts/expenses", {"code": ""})
    assert refused.status_code == 422
    assert run_in(app, code_of, books.connection_id, books.company_id, "expenses") == "7500"


def test_create_item_offered_only_where_the_package_can(app, mapped, shapes):
    books = mapped.books
    xero = squash(mapped.client.get(mapped.url, headers=HX).get_data(as_text=True))
    assert "Create a new item" not in xero

    _repackage(app, books.connection_id, "xero_items")
    mapped.post("/refresh")
    body = squash(mapped.client.get(mapped.url, headers=HX).get_data(as_text=True))
    assert body.count("Create a new item in Item Books") == 3  # the three sales accounts
    assert '<option value="200">200 Sales</option>' in body  # income accounts to post to
    assert "Create a new item" not in body[body.index('id="map-account-bank"'):]

    refused = mapped.post("/accounts/sales/item", {"name": "Boiler service",
                                                    "income_account": "090"})
    assert refused.status_code == 422
    assert "Item Books has no income account with the code “090”" in squash(
        refused.get_data(as_text=True))
    failed = mapped.post("/accounts/sales/item", {"name": "Boiler service",
                                                   "income_account": "200"})
    text = squash(failed.get_data(as_text=True))
    assert failed.status_code == 422
    assert "Item Books did not create the item." in text
    assert run_in(app, code_of, books.connection_id, books.company_id, "sales") == "200"
    # Not for a bank account, whatever is posted.
    assert mapped.post("/accounts/bank/item", {"name": "x", "income_account": "200"}) \
        .status_code == 404
