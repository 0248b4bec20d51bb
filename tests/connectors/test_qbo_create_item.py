"""The mapping page's "Create a new item" against the QuickBooks Online sandbox: QBO numbers its
items and its accounts separately, so item "1" and income account "1" are different things and
the income account chosen must be found among the accounts, not the items."""

from __future__ import annotations

import re

import requests

from tests.mapping.conftest import HX, add_member, code_of, run_in
from tests.sync.conftest import connected_books  # noqa: F401  (fixture used here)
from tests.ui import sign_in


def _qbo_query(app, connection_id: int, query: str) -> dict:  # type: ignore[no-untyped-def]
    with app.app_context():
        from app.extensions import db
        from app.models import Connection
        from app.sync.tokens import fresh_credentials

        creds = fresh_credentials(db.session.get(Connection, connection_id))
        base = app.config["QBO_API_URL"]
        db.session.remove()
    answer = requests.get(f"{base}/v3/company/{creds.tenant_id}/query", timeout=30,
                          params={"query": query},
                          headers={"Authorization": f"Bearer {creds.access_token}",
                                   "Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.json()["QueryResponse"]


def test_create_a_new_item_bound_to_income_account_one(app, client, connected_books) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    books = connected_books(package="quickbooks_online")
    email, password = add_member(app, books.company_id, "bookkeeper")
    sign_in(client, email, password)
    url = f"/connections/{books.connection_id}/mapping"
    page = client.get(url).get_data(as_text=True)
    tables = client.get(url, headers=HX).get_data(as_text=True)  # the pickers, as HTMX loads them
    # The page offers the income account "Sales" (account id 1) in the item form's picker.
    picker = tables[tables.index('name="income_account"'):]
    picker = picker[:picker.index("</select>")]
    options = dict(re.findall(r'<option value="([^"]+)">([^<]+)</option>', picker))
    assert options.get("1") == "Sales", options  # QuickBooks shows no id beside the name
    assert not any(label.startswith("Item") for label in options.values())

    from tests.ui import csrf_from

    answer = client.post(f"{url}/accounts/sales/item",
                         data={"name": "Boiler servicing", "income_account": "1"},
                         headers={"X-CSRFToken": csrf_from(page), **HX})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200, text
    assert "no income account" not in text

    items = _qbo_query(app, books.connection_id, "select * from Item")["Item"]
    made = [i for i in items if i["Name"] == "Boiler servicing"]
    assert len(made) == 1
    assert made[0]["Type"] == "Service"
    assert made[0]["IncomeAccountRef"]["value"] == "1"
    assert run_in(app, code_of, books.connection_id, books.company_id, "sales") == made[0]["Id"]


def test_a_bank_account_whose_id_an_item_also_has_can_be_mapped(
        app, client, connected_books) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    books = connected_books(package="quickbooks_online")
    with app.app_context():
        from app.extensions import db
        from app.models import Connection
        from app.sync.tokens import fresh_credentials

        creds = fresh_credentials(db.session.get(Connection, books.connection_id))
        base = app.config["QBO_API_URL"]
        db.session.remove()
    # QBO numbers items on their own: make items until one has the bank account's id, 35.
    made = ""
    for n in range(60):
        answer = requests.post(
            f"{base}/v3/company/{creds.tenant_id}/item", timeout=30,
            json={"Name": f"Job type {n}", "Type": "Service", "IncomeAccountRef": {"value": "1"}},
            headers={"Authorization": f"Bearer {creds.access_token}",
                     "Accept": "application/json"})
        assert answer.status_code == 200, answer.text
        made = answer.json()["Item"]["Id"]
        if int(made) >= 35:
            break
    assert made == "35"
    email, password = add_member(app, books.company_id, "bookkeeper")
    sign_in(client, email, password)
    url = f"/connections/{books.connection_id}/mapping"
    page = client.get(url).get_data(as_text=True)
    from tests.ui import csrf_from

    client.post(f"{url}/refresh", headers={"X-CSRFToken": csrf_from(page), **HX})
    saved = client.post(f"{url}/accounts/bank", data={"code": "35"},
                        headers={"X-CSRFToken": csrf_from(page), **HX})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert run_in(app, code_of, books.connection_id, books.company_id, "bank") == "35"
