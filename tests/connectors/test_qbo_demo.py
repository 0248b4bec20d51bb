"""`flask --app wsgi demo --json` connects a sandbox QuickBooks Online company through the OAuth
code path, maps it, and prints how to reach it; a rerun reuses everything."""

from __future__ import annotations

import json

import requests

from connectors import package_keys


def _demo(app) -> dict:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_demo_connects_and_maps_quickbooks_online(app, live_url) -> None:  # type: ignore[no-untyped-def]
    from connectors.quickbooks_online.demo import DEMO

    DEMO_QBO_COMPANY, QBO_ACCOUNTS, QBO_TAX_RATES = DEMO.tenant_name, DEMO.accounts, DEMO.tax_rates

    first = _demo(app)
    assert set(first["connections"]) == set(package_keys())  # one per registered package
    qbo = first["sandbox"]["quickbooks_online"]
    assert set(qbo) == {"api_url", "realm_id", "access_token"}
    assert set(first["sandbox"]["xero"]) == {"api_url", "tenant_id", "access_token"}

    # The printed base, realm and token reach QBO's own API, as a script would use them.
    def get(path: str, **params: str) -> dict:
        answer = requests.get(f"{qbo['api_url']}/v3/company/{qbo['realm_id']}/{path}",
                              params=params, timeout=10,
                              headers={"Authorization": f"Bearer {qbo['access_token']}",
                                       "Accept": "application/json"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert get(f"companyinfo/{qbo['realm_id']}")["CompanyInfo"]["CompanyName"] == (
        DEMO_QBO_COMPANY)
    items = {i["Id"]: i["Name"] for i in get("query", query="select * from Item")[
        "QueryResponse"]["Item"]}
    assert [items[QBO_ACCOUNTS[k]] for k in ("sales", "materials_sales", "callout_fees")] == [
        "Services", "Materials", "Call-out"]
    accounts = {a["Id"]: a["AccountType"] for a in get(
        "query", query="select * from Account")["QueryResponse"]["Account"]}
    assert accounts[QBO_ACCOUNTS["bank"]] == "Bank"
    assert accounts[QBO_ACCOUNTS["expenses"]] == "Expense"
    codes = {c["Id"]: c["Name"] for c in get("query", query="select * from TaxCode")[
        "QueryResponse"]["TaxCode"]}
    assert [codes[QBO_TAX_RATES[k]] for k in ("standard", "reduced", "zero", "exempt")] == [
        "20.0% S", "5.0% R", "0.0% Z", "Exempt"]

    with app.app_context():
        from app.extensions import db
        from app.models import AccountMapping, Connection, TaxMapping

        connection = db.session.get(Connection, first["connections"]["quickbooks_online"])
        assert connection.package == "quickbooks_online" and connection.status == "connected"
        assert connection.credentials.tenant_id == qbo["realm_id"]
        mapped = db.session.execute(db.select(AccountMapping).filter_by(
            connection_id=connection.id)).scalars().all()
        assert sorted(m.package_code for m in mapped) == sorted(QBO_ACCOUNTS.values())
        taxes = db.session.execute(db.select(TaxMapping).filter_by(
            connection_id=connection.id)).scalars().all()
        assert sorted(m.package_code for m in taxes) == sorted(QBO_TAX_RATES.values())
        db.session.remove()

    again = _demo(app)  # idempotent: the same company and connections
    assert again["company_id"] == first["company_id"]
    assert again["connections"] == first["connections"]
    assert again["sandbox"]["quickbooks_online"]["realm_id"] == qbo["realm_id"]
    with app.app_context():  # keep later tests' cron ticks from sending the demo's records
        from app.extensions import db
        from app.models import Connection

        for connection_id in again["connections"].values():
            db.session.get(Connection, connection_id).schedule = "manual"
        db.session.commit()
        db.session.remove()
