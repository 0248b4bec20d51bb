"""The SDO writer against the simulated Sage Data Objects (sandboxes/sage50) over real HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ledgerlink_agent.api import AgentApi
from ledgerlink_agent.journal import Journal
from ledgerlink_agent.loop import AgentLoop
from ledgerlink_agent.writers.base import WriterUnavailable
from ledgerlink_agent.writers.sdo import SdoWriter

from tests.agent_program.agent_api_server import AgentApiServer
from tests.agent_program.payloads import customer, invoice, receipt
from tests.agent_program.sage50_sim import ENGINE, books, sage50_base, sage_company, sim_hook

__all__ = ["sage50_base", "sage_company"]  # fixtures, used by name


@pytest.fixture
def writer(sage_company: dict[str, Any]) -> Any:
    w = SdoWriter(sage_company["data_path"], sage_company["username"], sage_company["password"],
                  ENGINE)
    w.open()
    yield w
    w.close()


def _outstanding(writer: SdoWriter, reference: str) -> float:
    header = writer.ws.CreateObject("HeaderData")
    header.Fields.Item("INV_REF").Value = reference
    assert header.Find(False)
    return header.Fields.Item("OUTSTANDING").Value


def test_a_wrong_password_or_path_is_writer_unavailable(sage_company: dict[str, Any]) -> None:
    wrong = SdoWriter(sage_company["data_path"], "manager", "not-it", ENGINE)
    with pytest.raises(WriterUnavailable, match="Invalid username or password"):
        wrong.open()
    nowhere = SdoWriter("C:\\Sage\\ACCDATA", "manager", "", ENGINE)
    with pytest.raises(WriterUnavailable, match="Invalid data path"):
        nowhere.open()
    with pytest.raises(WriterUnavailable, match="cannot load the SDO engine"):
        SdoWriter("x", "u", "p", "no.such.module:Engine").open()


def test_it_describes_the_company_and_reads_sages_lists(writer: SdoWriter) -> None:
    assert writer.describe() == {"sage_version": "30.1", "company_name": "Acme Heating Ltd"}
    assert writer.write("customer", customer()).status == "created"
    assert writer.write("supplier", customer("PIPES01", name="Pipes Ltd")).status == "created"
    lists = writer.lists()
    accounts = {a["code"]: a for a in lists["accounts"]}
    assert accounts["4000"] == {"code": "4000", "name": "Sales Type A", "type": "sales"}
    assert accounts["1200"]["type"] == "bank" and accounts["7100"]["type"] == "expense"
    assert accounts["2200"]["type"] == "other"
    taxes = {t["code"]: t for t in lists["tax_codes"]}
    assert taxes["T1"]["rate"] == "20.00" and taxes["T5"]["rate"] == "5.00"
    contacts = {c["reference"]: c for c in lists["contacts"]}
    assert contacts["ACMEHEAT"]["kind"] == "customer" and contacts["PIPES01"]["kind"] == "supplier"
    assert contacts["ACMEHEAT"]["address"] == ["1 High St", "Leeds", "", "", "LS1 1AA"]
    assert contacts["ACMEHEAT"]["email"] == "a@b.c"


def test_a_customer_is_written_found_and_not_written_twice(writer: SdoWriter) -> None:
    assert writer.find("customer", customer()) is None
    result = writer.write("customer", customer())
    assert (result.status, result.reference) == ("created", "ACMEHEAT")
    assert writer.find("customer", customer()) == "ACMEHEAT"
    assert writer.find("supplier", customer()) is None
    again = writer.write("customer", customer())
    assert again.status == "rejected" and "already exists" in again.message
    assert again.field == "ACCOUNT_REF"
    long_name = writer.write("customer", customer("NEW01", name="N" * 61))
    assert long_name.status == "rejected" and long_name.field == "NAME"


def test_an_invoice_posts_its_splits_and_is_found_by_reference(
        writer: SdoWriter, sage_company: dict[str, Any]) -> None:
    writer.write("customer", customer())
    result = writer.write("invoice", invoice())
    assert result.status == "created" and result.reference.isdigit()
    assert writer.find("invoice", invoice()) == result.reference
    assert writer.find("credit_note", invoice()) is None
    assert _outstanding(writer, "INV-1001") == pytest.approx(135.50)
    header = writer.ws.CreateObject("HeaderData")
    header.Fields.Item("INV_REF").Value = "INV-1001"
    assert header.Find(False)
    assert header.Fields.Item("DATE").Value == date(2026, 11, 30)
    assert header.Fields.Item("NET_AMOUNT").Value == pytest.approx(115.50)
    assert header.Fields.Item("TAX_AMOUNT").Value == pytest.approx(20.00)
    assert header.Fields.Item("ACCOUNT_REF").Value == "ACMEHEAT"
    assert "INV-1001" in str(books(sage_company))
    # Each split reached its own nominal code with its own net (credits are negative).
    for code, balance in (("4000", -100.00), ("4010", -15.50), ("2200", -20.00),
                          ("1100", 135.50)):
        nominal = writer.ws.CreateObject("NominalRecord")
        nominal.Fields.Item("ACCOUNT_REF").Value = code
        assert nominal.Find(False)
        assert nominal.Fields.Item("BALANCE").Value == pytest.approx(balance), code

    credit = invoice("CN-5", type="SC", invoice_reference="INV-1001",
                     lines=[{"nominal_code": "4000", "tax_code": "T1", "net": "10.00",
                             "tax": "2.00", "details": "Refund", "department": 0}],
                     net="10.00", tax="2.00", gross="12.00")
    made = writer.write("credit_note", credit)
    assert made.status == "created" and int(made.reference) > int(result.reference)
    assert writer.find("credit_note", credit) == made.reference


@pytest.mark.parametrize(("line", "field", "words"), [
    ({"nominal_code": "4999"}, "NOMINAL_CODE", "Invalid nominal code 4999"),
    ({"tax_code": "T7"}, "TAX_CODE", "Invalid tax code T7"),
    ({"tax_code": "VAT"}, "TAX_CODE", "Invalid tax code VAT"),
    ({"net": "100000000.00"}, "NET_AMOUNT", ""),
])
def test_sages_refusals_come_back_with_its_words_and_field(
        writer: SdoWriter, line: dict[str, str], field: str, words: str) -> None:
    writer.write("customer", customer())
    bad = {"nominal_code": "4000", "tax_code": "T1", "net": "100.00", "tax": "20.00",
           "details": "x", "department": 0, **line}
    result = writer.write("invoice", invoice(lines=[bad], net=bad["net"], tax="20.00"))
    assert result.status == "rejected" and result.field == field, result
    assert words in result.message
    assert writer.find("invoice", invoice()) is None


def test_totals_that_do_not_match_the_lines_are_refused(writer: SdoWriter) -> None:
    writer.write("customer", customer())
    result = writer.write("invoice", invoice(net="999.00"))
    assert result.status == "rejected"
    assert writer.find("invoice", invoice()) is None


def test_an_unknown_account_and_a_locked_period_are_rejected(
        writer: SdoWriter, sage_company: dict[str, Any]) -> None:
    unknown = writer.write("invoice", invoice(account_ref="NOBODY"))
    assert unknown.status == "rejected" and "does not exist" in unknown.message
    writer.write("customer", customer())
    sim_hook(sage_company, "lock_date", {"date": "2026-12-31"})
    locked = writer.write("invoice", invoice())
    assert locked.status == "rejected" and "lock" in locked.message.lower()


def test_a_busy_company_is_retry_not_rejected(writer: SdoWriter,
                                              sage_company: dict[str, Any]) -> None:
    sim_hook(sage_company, "busy", {"busy": True})
    result = writer.write("customer", customer())
    assert result.status == "retry" and "locked by another user" in result.message
    sim_hook(sage_company, "busy", {"busy": False})
    assert writer.write("customer", customer()).status == "created"


def test_a_receipt_is_allocated_to_its_invoices(writer: SdoWriter) -> None:
    writer.write("customer", customer())
    writer.write("invoice", invoice())
    writer.write("invoice", invoice("INV-1002"))
    paid = writer.write("payment", receipt())
    assert paid.status == "created" and paid.note == ""
    assert _outstanding(writer, "INV-1001") == pytest.approx(0.0)
    assert writer.find("payment", receipt()) == paid.reference
    part = writer.write("payment", receipt(
        "PAY-78", amount="200.00",
        allocations=[{"invoice_reference": "INV-1002", "amount": "35.50"}]))
    assert part.status == "created"
    assert part.note == "164.50 of it is on account; allocate it in Sage"
    assert _outstanding(writer, "INV-1002") == pytest.approx(100.0)
    too_much = writer.write("payment", receipt(
        "PAY-79", amount="10.00", allocations=[{"invoice_reference": "INV-1002",
                                                "amount": "20.00"}]))
    assert too_much.status == "rejected" and too_much.field == "NET_AMOUNT"
    wrong_invoice = writer.write("payment", receipt(
        "PAY-80", allocations=[{"invoice_reference": "INV-404", "amount": "135.50"}]))
    assert wrong_invoice.status == "rejected" and "INV-404" in wrong_invoice.message


def test_the_loop_sends_lists_then_writes_through_sdo(
        sage_company: dict[str, Any], tmp_path: Any) -> None:
    server = AgentApiServer(lists_due=["accounts", "tax_codes", "contacts"]).start()
    try:
        server.queue("k-sdo-cust-000000000000000000000001", "customer", customer())
        server.queue("k-sdo-inv-0000000000000000000000001", "invoice", invoice())
        writer = SdoWriter(sage_company["data_path"], sage_company["username"],
                           sage_company["password"], ENGINE)
        loop = AgentLoop(AgentApi(server.url, server.token, timeout=5), writer,
                         Journal(tmp_path / "j.sqlite3"))
        assert loop.run(once=True).written == 1
        assert loop.run(once=True).written == 1
        assert server.heartbeats[0]["company_name"] == "Acme Heating Ltd"
        assert server.heartbeats[0]["package_version"] == "30.1"
        assert {a["code"] for a in server.stored_lists["accounts"]} >= {"4000", "1200"}
        assert "T1" in {t["code"] for t in server.stored_lists["tax_codes"]}
        acked = server.acked()
        assert acked["k-sdo-cust-000000000000000000000001"]["reference"] == "ACMEHEAT"
        number = acked["k-sdo-inv-0000000000000000000000001"]["reference"]
        # Handed out again with check-first by a server that lost the ack, to an agent whose
        # journal is gone: found in Sage, not posted twice.
        server.records["k-sdo-inv-0000000000000000000000001"].result = None
        server.hand_out_again("k-sdo-inv-0000000000000000000000001")
        fresh = AgentLoop(AgentApi(server.url, server.token, timeout=5), writer,
                          Journal(tmp_path / "other.sqlite3"))
        assert fresh.run(once=True).found == 1
        assert server.acked()["k-sdo-inv-0000000000000000000000001"] == {
            "key": "k-sdo-inv-0000000000000000000000001", "status": "exists",
            "reference": number}
        writer.close()
    finally:
        server.stop()


def test_a_locked_company_is_acked_retry_and_written_when_it_is_free(
        sage_company: dict[str, Any], tmp_path: Any) -> None:
    server = AgentApiServer().start()
    try:
        key = "k-sdo-busy-000000000000000000000001"
        server.queue(key, "customer", customer())
        writer = SdoWriter(sage_company["data_path"], sage_company["username"],
                           sage_company["password"], ENGINE)
        loop = AgentLoop(AgentApi(server.url, server.token, timeout=5), writer,
                         Journal(tmp_path / "j.sqlite3"))
        sim_hook(sage_company, "busy", {"busy": True})
        first = loop.run(once=True)
        assert first.retries == 1
        assert server.acks[-1]["results"] == [
            {"key": key, "status": "retry", "message": "Sage 50 is locked by another user"}]
        assert server.records[key].state == "ready"  # the server hands it out again
        sim_hook(sage_company, "busy", {"busy": False})
        second = loop.run(once=True)
        assert second.written == 1 and second.retries == 0
        assert server.acked()[key]["status"] == "created"
        writer.close()
    finally:
        server.stop()
