"""Posting invoices and credits through the simulated TransactionPost over real HTTP: Sage's
rules and their words (nothing written on a refusal), the audit trail's numbers, the books'
balances to the penny, finding a posted header by reference, a busy company, and two writers
at once."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
import requests

from sandboxes.sage50 import sdo
from sandboxes.sage50.sdo import sdoSC, sdoSI
from tests.sandboxes.sage50.sdo_helpers import add_customer, books, post, sale


@pytest.fixture
def customer(ws: Any) -> Any:
    assert add_customer(ws)[0]
    return ws


def test_an_invoice_posts_with_the_next_number_and_moves_the_balances(
        customer: Any, company: dict[str, Any]) -> None:
    done, invoice = post(customer, sdoSI, [sale("100.00", "20.00"),
                                           sale("45.50", "9.10", nominal="4010")])
    assert done is True
    assert invoice.PostingNumber == 1
    assert invoice.Header.Fields.Item("NET_AMOUNT").Value == 145.5
    done, second = post(customer, sdoSI, [sale("10.00", "0.00", tax_code=0)], INV_REF="INV-1002")
    assert (done, second.PostingNumber) == (True, 2)
    done, credit = post(customer, sdoSC, [sale("10.00", "2.00")], INV_REF="CN-1",
                        EX_REF="INV-1001")
    assert (done, credit.PostingNumber) == (True, 3)

    shown = books(company)
    assert [(t["tran_number"], t["type_name"], t["gross"]) for t in shown["transactions"]] == [
        (1, "SI", "174.60"), (2, "SI", "10.00"), (3, "SC", "12.00")]
    assert shown["transactions"][0]["splits"][1] == {
        "nominal_code": "4010", "tax_code": 1, "net": "45.50", "tax": "9.10",
        "details": "Annual service", "dept_number": 0, "inv_ref": ""}
    assert shown["customers"][0]["BALANCE"] == "172.60"
    balances = shown["nominal_balances"]
    assert balances["1100"] == "172.60"
    assert balances["4000"] == "-100.00"  # 100 + 10 sold, 10 credited
    assert balances["4010"] == "-45.50"
    assert balances["2200"] == "-27.10"
    assert sum(Decimal(v) for v in balances.values()) == 0


def test_each_company_numbers_its_own_audit_trail(customer: Any, engine: sdo.SDOEngine,
                                                  new_company: Any) -> None:
    assert post(customer, sdoSI, [sale()])[1].PostingNumber == 1
    other = new_company("Other Ltd")
    workspace = engine.Workspaces.Add("other")
    workspace.Connect(other["data_path"], other["username"], other["password"], "other")
    assert add_customer(workspace)[0]
    assert post(workspace, sdoSI, [sale()])[1].PostingNumber == 1
    assert post(customer, sdoSI, [sale()], INV_REF="INV-1002")[1].PostingNumber == 2


@pytest.mark.parametrize(("header", "line", "words", "field"), [
    ({}, {"NOMINAL_CODE": "4999"}, "Invalid nominal code 4999: it does not exist in the "
     "nominal ledger", "NOMINAL_CODE"),
    ({}, {"TAX_CODE": 7}, "Invalid tax code T7: it is not set up in this company", "TAX_CODE"),
    ({}, {"TAX_CODE": 100}, "Tax code 100 is out of range (0 to 99)", "TAX_CODE"),
    ({"ACCOUNT_REF": "NOSUCH"}, {}, "Account NOSUCH does not exist", "ACCOUNT_REF"),
    ({"INV_REF": "R" * 31}, {}, "Reference is too long (maximum 30 characters)", "INV_REF"),
    ({"DETAILS": "D" * 61}, {}, "Details is too long (maximum 60 characters)", "DETAILS"),
    ({}, {"DETAILS": "D" * 61}, "Details is too long (maximum 60 characters)", "DETAILS"),
    ({}, {"NET_AMOUNT": "100.001"}, "Net amount 100.001 has more than 2 decimal places",
     "NET_AMOUNT"),
    ({}, {"NET_AMOUNT": "100000000.00"}, "Net amount 100000000.00 is too large (maximum 8 "
     "digits and 2 decimal places)", "NET_AMOUNT"),
    ({}, {"TAX_AMOUNT": "twenty"}, "Tax amount \"twenty\" is not a number", "TAX_AMOUNT"),
    ({}, {"DEPT_NUMBER": 1000}, "Dept number 1000 is out of range (0 to 999)", "DEPT_NUMBER"),
    ({"NET_AMOUNT": "99.99"}, {}, "The header's net amount 99.99 does not equal the splits' "
     "total 100.00", "NET_AMOUNT"),
    ({"DATE": "2026-02-30"}, {}, "Date 2026-02-30 is not a valid date", "DATE"),
    ({"TYPE": 6}, {}, "Transaction type 6 is not supported (SI 1, SC 2, SR 3, SA 4)", "TYPE"),
])
def test_sage_refuses_a_bad_transaction_and_posts_nothing(
        customer: Any, engine: sdo.SDOEngine, company: dict[str, Any],
        header: dict[str, Any], line: dict[str, Any], words: str, field: str) -> None:
    kind = header.pop("TYPE", sdoSI)
    done, refused = post(customer, kind, [{**sale(), **line}], **header)
    assert done is False
    assert refused.PostingNumber == 0
    assert (engine.LastError.Text, engine.LastError.Field) == (words, field)
    assert books(company)["transactions"] == []
    # the refusal used no number: the next good posting is the first
    assert post(customer, sdoSI, [sale()])[1].PostingNumber == 1


def test_a_transaction_needs_a_split_and_posts_once(customer: Any,
                                                    engine: sdo.SDOEngine) -> None:
    assert post(customer, sdoSI, [])[0] is False
    assert engine.LastError.Text == "A transaction needs at least one split"
    done, posted = post(customer, sdoSI, [sale()])
    assert done and posted.Update() is False
    assert engine.LastError.Text == "This transaction has already been posted (number 1)"


def test_the_lock_date_refuses_earlier_postings(customer: Any, engine: sdo.SDOEngine,
                                                company: dict[str, Any]) -> None:
    answer = requests.post(f"{company['data_path']}/lock_date", json={"date": "2026-11-01"},
                           timeout=10)
    assert answer.json() == {"lock_date": "2026-11-01"}
    assert post(customer, sdoSI, [sale()], DATE="2026-10-31")[0] is False
    assert engine.LastError.Text == ("Date 31/10/2026 is before the lock date (01/11/2026): "
                                     "the period is locked")
    assert engine.LastError.Field == "DATE"
    assert post(customer, sdoSI, [sale()], DATE="2026-11-01")[0] is True
    requests.post(f"{company['data_path']}/lock_date", json={"date": None}, timeout=10)
    assert post(customer, sdoSI, [sale()], DATE="2026-10-31", INV_REF="INV-OLD")[0] is True
    assert [t["date"] for t in books(company)["transactions"]] == ["2026-11-01", "2026-10-31"]


def test_amounts_as_decimals_floats_and_dates_as_objects_are_taken(
        customer: Any, company: dict[str, Any]) -> None:
    from datetime import date, datetime

    done, _ = post(customer, sdoSI, [
        {"NOMINAL_CODE": "4000", "TAX_CODE": "1", "NET_AMOUNT": Decimal("0.10"),
         "TAX_AMOUNT": 0.1 + 0.2},
        {"NOMINAL_CODE": "4000", "TAX_CODE": 1, "NET_AMOUNT": 12, "TAX_AMOUNT": "2.40"},
    ], DATE=date(2026, 11, 30))
    assert done is True
    assert post(customer, sdoSI, [sale()], DATE=datetime(2026, 12, 1, 9, 30),
                INV_REF="INV-2")[0] is True
    first, second = books(company)["transactions"]
    assert (first["net"], first["tax"], first["gross"]) == ("12.10", "2.70", "14.80")
    assert second["date"] == "2026-12-01"


def test_a_posted_header_is_found_by_its_reference(customer: Any) -> None:
    post(customer, sdoSI, [sale()], INV_REF="INV-1001")
    post(customer, sdoSC, [sale("10.00", "2.00")], INV_REF="INV-1001")
    header = customer.CreateObject("HeaderData")
    header.Fields.Item("INV_REF").Value = "INV-1001"
    assert header.Find(False) is True
    assert header.Fields.Item("TRAN_NUMBER").Value == 1
    assert header.Fields.Item("TYPE").Value == sdoSI
    assert header.Fields.Item("GROSS_AMOUNT").Value == 120.0
    assert header.Fields.Item("OUTSTANDING").Value == 120.0
    assert str(header.Fields.Item("DATE").Value) == "2026-11-30"

    credit = customer.CreateObject("HeaderData")
    credit.Fields.Item("INV_REF").Value = "INV-1001"
    credit.Fields.Item("TYPE").Value = sdoSC
    assert credit.Find(False) is True
    assert credit.Fields.Item("TRAN_NUMBER").Value == 2

    elsewhere = customer.CreateObject("HeaderData")
    elsewhere.Fields.Item("INV_REF").Value = "INV-1001"
    elsewhere.Fields.Item("ACCOUNT_REF").Value = "OTHER"
    assert elsewhere.Find(False) is False
    never = customer.CreateObject("HeaderData")
    never.Fields.Item("INV_REF").Value = "INV-9999"
    assert never.Find(False) is False


def test_a_busy_company_asks_for_a_retry_and_writes_nothing(
        customer: Any, engine: sdo.SDOEngine, company: dict[str, Any]) -> None:
    requests.post(f"{company['data_path']}/busy", json={"busy": True}, timeout=10)
    assert post(customer, sdoSI, [sale()])[0] is False
    assert engine.LastError.Text == "Sage 50 is locked by another user"
    assert engine.LastError.Code == sdo.SDO_ERR_LOCKED
    assert add_customer(customer, ref="NEW01")[0] is False
    assert engine.LastError.Code == sdo.SDO_ERR_LOCKED
    requests.post(f"{company['data_path']}/busy", json={"busy": False}, timeout=10)
    assert post(customer, sdoSI, [sale()])[1].PostingNumber == 1
    assert len(books(company)["customers"]) == 1


def test_no_answer_from_sage_raises_rather_than_answering_false(
        customer: Any, engine: sdo.SDOEngine, company: dict[str, Any]) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    customer._link.base = f"http://127.0.0.1:{port}/sandbox/sage50/companies/x"
    with pytest.raises(sdo.SDOError, match="Sage 50 did not answer"):
        post(customer, sdoSI, [sale()])
    assert engine.LastError.Text.startswith("Sage 50 did not answer")


def test_two_writers_at_once_never_share_a_number(engine: sdo.SDOEngine, ws: Any,
                                                  company: dict[str, Any]) -> None:
    assert add_customer(ws)[0]
    numbers: list[int] = []
    failures: list[str] = []

    def writer(name: str) -> None:
        own = sdo.SDOEngine()
        workspace = own.Workspaces.Add(name)
        workspace.Connect(company["data_path"], company["username"], company["password"],
                          name)
        for n in range(8):
            done, posted = post(workspace, sdoSI, [sale()], INV_REF=f"{name}-{n}")
            if done:
                numbers.append(posted.PostingNumber)
            else:
                failures.append(own.LastError.Text)
        workspace.Disconnect()

    threads = [threading.Thread(target=writer, args=(f"W{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert sorted(numbers) == list(range(1, 25))
    shown = books(company)
    assert len(shown["transactions"]) == 24
    assert shown["customers"][0]["BALANCE"] == "2880.00"


def test_input_no_sdo_object_would_take_is_refused_naming_the_field(
        customer: Any, engine: sdo.SDOEngine, company: dict[str, Any]) -> None:
    assert post(customer, sdoSI, [{**sale(), "TAX_CODE": "T1"}])[0] is False
    assert engine.LastError.Text == "TAX_CODE must be a whole number"
    assert post(customer, sdoSI, [{**sale(), "INV_REF": "INV-1"}])[0] is False
    assert engine.LastError.Text == "INV_REF belongs on a receipt's splits only"
    assert books(company)["transactions"] == []
