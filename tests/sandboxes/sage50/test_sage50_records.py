"""The simulated SDO objects against the Sage 50 company simulator over real HTTP: logging in,
customers and suppliers (Sage's rules for their records, and their words), finding by
reference, and reading the lists the agent sends to Ledgerlink."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandboxes.sage50 import sdo
from tests.sandboxes.sage50.sdo_helpers import add_customer, books


def test_a_new_company_is_seeded_with_uk_nominals_and_tax_codes(ws: Any) -> None:
    nominal = ws.CreateObject("NominalRecord")
    codes = []
    more = nominal.MoveFirst()
    while more:
        codes.append((nominal.Fields.Item("ACCOUNT_REF").Value,
                      nominal.Fields.Item("NAME").Value))
        more = nominal.MoveNext()
    for wanted in (("1200", "Bank Current Account"), ("1100", "Debtors Control Account"),
                   ("2100", "Creditors Control Account"), ("4000", "Sales Type A"),
                   ("5000", "Materials Purchased"), ("7100", "Rent and Rates")):
        assert wanted in codes
    assert [c for c, _ in codes] == sorted(c for c, _ in codes)

    tax = ws.CreateObject("TaxCodeRecord")
    rates = {}
    more = tax.MoveFirst()
    while more:
        rates[tax.Fields.Item("TAX_CODE").Value] = tax.Fields.Item("RATE").Value
        more = tax.MoveNext()
    assert rates == {0: 0.0, 1: 20.0, 2: 0.0, 5: 5.0, 9: 0.0}

    setup = ws.CreateObject("SetupData")
    assert setup.Read(1) is True
    assert setup.Fields.Item("NAME").Value == "Acme Heating Ltd"


def test_connect_refuses_a_wrong_password_and_an_unknown_company(
        engine: sdo.SDOEngine, company: dict[str, Any]) -> None:
    workspace = engine.Workspaces.Add("ledgerlink")
    with pytest.raises(sdo.SDOError, match="Invalid username or password"):
        workspace.Connect(company["data_path"], "manager", "wrong", "ledgerlink")
    assert engine.LastError.Text == "Invalid username or password"
    unknown = company["data_path"].rsplit("/", 1)[0] + "/0000000000000000"
    with pytest.raises(sdo.SDOError, match="Invalid data path"):
        workspace.Connect(unknown, "manager", company["password"], "ledgerlink")
    with pytest.raises(sdo.SDOError, match="Invalid data path"):
        workspace.Connect(r"C:\ProgramData\Sage\Accounts\2024\Company.000\ACCDATA",
                          "manager", company["password"], "ledgerlink")
    with pytest.raises(sdo.SDOError, match="Not connected"):
        workspace.CreateObject("SalesRecord")
    # Sage's user names are not case sensitive (MANAGER)
    workspace.Connect(company["data_path"], "MANAGER", company["password"], "ledgerlink")
    assert workspace.CreateObject("salesrecord") is not None
    workspace.Disconnect()
    rec = workspace.CreateObject("SalesRecord")
    with pytest.raises(sdo.SDOError, match="Not connected"):
        rec.MoveFirst()


def test_a_customer_is_added_and_found_by_its_reference(ws: Any, company: dict[str, Any]) -> None:
    done, _ = add_customer(ws, ADDRESS_1="1 High St", ADDRESS_2="Leeds", ADDRESS_5="LS1 1AA",
                           TELEPHONE="0113 000000", E_MAIL="a@b.c")
    assert done is True
    found = ws.CreateObject("SalesRecord")
    found.Fields.Item("ACCOUNT_REF").Value = "ACMEHEAT"
    assert found.Find(False) is True
    assert found.Fields.Item("NAME").Value == "Acme Heating Ltd"
    assert found.Fields.Item("ADDRESS_5").Value == "LS1 1AA"
    assert found.Fields.Item("BALANCE").Value == 0.0

    missing = ws.CreateObject("SalesRecord")
    missing.Fields.Item("ACCOUNT_REF").Value = "NOSUCH"
    assert missing.Find(False) is False
    partial = ws.CreateObject("SalesRecord")
    partial.Fields.Item("ACCOUNT_REF").Value = "ACME"
    assert partial.Find(False) is False
    assert partial.Find(True) is True
    assert partial.Fields.Item("ACCOUNT_REF").Value == "ACMEHEAT"
    # a customer is not a supplier
    supplier = ws.CreateObject("PurchaseRecord")
    supplier.Fields.Item("ACCOUNT_REF").Value = "ACMEHEAT"
    assert supplier.Find(False) is False

    shown = books(company)
    assert [c["ACCOUNT_REF"] for c in shown["customers"]] == ["ACMEHEAT"]
    assert shown["customers"][0]["TELEPHONE"] == "0113 000000"
    assert shown["suppliers"] == []


@pytest.mark.parametrize(("ref", "name", "words", "field"), [
    ("ACMEHEATX", "Acme", "Account reference ACMEHEATX is too long (maximum 8 characters)",
     "ACCOUNT_REF"),
    ("acmeheat", "Acme", "Account reference acmeheat must be upper case with no spaces",
     "ACCOUNT_REF"),
    ("ACME HT", "Acme", "Account reference ACME HT must be upper case with no spaces",
     "ACCOUNT_REF"),
    ("", "Acme", "Account reference is required", "ACCOUNT_REF"),
    ("ACME", "A" * 61, "Name is too long (maximum 60 characters)", "NAME"),
    ("ACME", "", "Name is required", "NAME"),
])
def test_sage_refuses_a_bad_record_and_writes_nothing(
        ws: Any, engine: sdo.SDOEngine, company: dict[str, Any],
        ref: str, name: str, words: str, field: str) -> None:
    done, _ = add_customer(ws, ref=ref, name=name)
    assert done is False
    assert engine.LastError.Text == words
    assert engine.LastError.Field == field
    assert engine.LastError.Code == sdo.SDO_ERR_REFUSED
    assert books(company)["customers"] == []


def test_long_address_lines_and_contact_details_are_refused(ws: Any,
                                                           engine: sdo.SDOEngine) -> None:
    assert add_customer(ws, ADDRESS_3="x" * 61)[0] is False
    assert engine.LastError.Text == "Address 3 is too long (maximum 60 characters)"
    assert add_customer(ws, TELEPHONE="0" * 31)[0] is False
    assert engine.LastError.Text == "Telephone is too long (maximum 30 characters)"
    assert add_customer(ws, ADDRESS_3="x" * 60, TELEPHONE="0" * 30)[0] is True
    assert engine.LastError.Text == ""


def test_account_references_are_unique_per_ledger(ws: Any, engine: sdo.SDOEngine,
                                                  company: dict[str, Any]) -> None:
    assert add_customer(ws)[0] is True
    assert add_customer(ws, name="Another Acme")[0] is False
    assert engine.LastError.Text == "The account reference ACMEHEAT already exists"
    supplier = ws.CreateObject("PurchaseRecord")
    supplier.AddNew()
    supplier.Fields.Item("ACCOUNT_REF").Value = "ACMEHEAT"
    supplier.Fields.Item("NAME").Value = "Acme Heating (supplier)"
    assert supplier.Update() is True
    shown = books(company)
    assert [c["NAME"] for c in shown["customers"]] == ["Acme Heating Ltd"]
    assert [s["NAME"] for s in shown["suppliers"]] == ["Acme Heating (supplier)"]


def test_a_found_record_is_edited_but_its_reference_cannot_change(
        ws: Any, engine: sdo.SDOEngine, company: dict[str, Any]) -> None:
    add_customer(ws)
    rec = ws.CreateObject("SalesRecord")
    rec.Fields.Item("ACCOUNT_REF").Value = "ACMEHEAT"
    assert rec.Find(False)
    rec.Edit()
    rec.Fields.Item("E_MAIL").Value = "accounts@acme.example"
    assert rec.Update() is True
    rec.Edit()
    rec.Fields.Item("ACCOUNT_REF").Value = "OTHER"
    assert rec.Update() is False
    assert engine.LastError.Text == "The account reference cannot be changed"
    assert [(c["ACCOUNT_REF"], c["E_MAIL"]) for c in books(company)["customers"]] == [
        ("ACMEHEAT", "accounts@acme.example")]
    with pytest.raises(sdo.SDOError, match="Update without AddNew or Edit"):
        ws.CreateObject("SalesRecord").Update()
    with pytest.raises(sdo.SDOError, match="read only"):
        ws.CreateObject("NominalRecord").AddNew()


def test_customers_are_listed_in_reference_order(ws: Any) -> None:
    for ref, name in (("ZETA01", "Zeta Ltd"), ("ALPHA01", "Alpha Ltd"), ("MID01", "Mid Ltd")):
        assert add_customer(ws, ref=ref, name=name)[0]
    rec = ws.CreateObject("SalesRecord")
    seen = []
    more = rec.MoveFirst()
    while more:
        seen.append(rec.Fields.Item("ACCOUNT_REF").Value)
        more = rec.MoveNext()
    assert seen == ["ALPHA01", "MID01", "ZETA01"]
    assert ws.CreateObject("PurchaseRecord").MoveFirst() is False


def test_unknown_objects_and_fields_raise(ws: Any) -> None:
    with pytest.raises(sdo.SDOError, match="Unknown object type"):
        ws.CreateObject("StockRecord")
    with pytest.raises(sdo.SDOError, match="Field SHOE_SIZE not found"):
        ws.CreateObject("SalesRecord").Fields.Item("SHOE_SIZE")


def test_the_http_side_refuses_bad_input_naming_the_problem(sim: str,
                                                           company: dict[str, Any]) -> None:
    auth = (company["username"], company["password"])
    path = company["data_path"]
    assert requests.post(f"{sim}/companies", json={"name": ""}, timeout=10).json()["error"] \
        == "bad_name"
    bad = requests.post(f"{path}/ledgers/sales", data=b"{not json", auth=auth, timeout=10,
                        headers={"Content-Type": "application/json"})
    assert (bad.status_code, bad.json()["error"]) == (400, "bad_json")
    odd = requests.post(f"{path}/ledgers/sales", json={"mode": "add", "fields": {"X": 1}},
                        auth=auth, timeout=10)
    assert (odd.status_code, odd.json()["error"]) == (400, "malformed")
    assert "X" in odd.json()["detail"]
    nobody = requests.post(f"{path}/ledgers/sales", json={}, timeout=10)
    assert (nobody.status_code, nobody.json()["error"]) == (401, "bad_login")
    unknown = requests.get(f"{sim}/companies/ffffffffffffffff/books", timeout=10)
    assert (unknown.status_code, unknown.json()) == (404, {"error": "unknown_company"})
    assert requests.post(f"{path}/lock_date", json={"date": "30/11/2026"},
                         timeout=10).json()["error"] == "bad_date"


def test_the_simulator_serves_on_its_own_for_an_agent_without_the_app(app: Any) -> None:
    from sandboxes.sage50.standalone import serve_in_thread

    url, stop = serve_in_thread()
    try:
        made = requests.post(f"{url}/sandbox/sage50/companies", json={"name": "Solo Ltd"},
                             timeout=10).json()
        assert made["data_path"] == f"{url}/sandbox/sage50/companies/{made['company_id']}"
        engine = sdo.SDOEngine()
        workspace = engine.Workspaces.Add("solo")
        workspace.Connect(made["data_path"], made["username"], made["password"], "solo")
        assert workspace.CompanyName == "Solo Ltd"
        assert add_customer(workspace)[0] is True
    finally:
        stop()
