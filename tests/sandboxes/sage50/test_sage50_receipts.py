"""Customer receipts through the simulated TransactionPost over real HTTP: a receipt's splits
allocated to invoices (each invoice's outstanding amount goes down, to the penny), money left
on account, payments on account, and the refusals of a bad allocation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sandboxes.sage50 import sdo
from sandboxes.sage50.sdo import sdoSA, sdoSI, sdoSR
from tests.sandboxes.sage50.sdo_helpers import add_customer, books, post, sale


@pytest.fixture
def invoiced(ws: Any) -> Any:
    """ACMEHEAT owes INV-1001 (120.00) and INV-1002 (60.00)."""
    assert add_customer(ws)[0]
    assert add_customer(ws, ref="OTHER01", name="Other Ltd")[0]
    assert post(ws, sdoSI, [sale("100.00", "20.00")], INV_REF="INV-1001")[0]
    assert post(ws, sdoSI, [sale("50.00", "10.00")], INV_REF="INV-1002")[0]
    return ws


def receipt(ws: Any, parts: list[tuple[str, str]], kind: int = sdoSR,
            **header: Any) -> tuple[bool, Any]:
    """A receipt of one split per (amount, invoice reference or "")."""
    lines = [{"NET_AMOUNT": amount, **({"INV_REF": ref} if ref else {})}
             for amount, ref in parts]
    return post(ws, kind, lines, **{"INV_REF": "PAY-77", "BANK_CODE": "1200", **header})


def outstanding(ws: Any, reference: str) -> float:
    header = ws.CreateObject("HeaderData")
    header.Fields.Item("INV_REF").Value = reference
    header.Fields.Item("TYPE").Value = sdoSI
    assert header.Find(False)
    return header.Fields.Item("OUTSTANDING").Value


def test_a_receipt_allocated_to_invoices_reduces_what_they_owe(invoiced: Any,
                                                               company: dict[str, Any]) -> None:
    done, paid = receipt(invoiced, [("120.00", "INV-1001"), ("25.50", "INV-1002"),
                                    ("4.50", "")])
    assert done is True
    assert paid.PostingNumber == 3
    assert outstanding(invoiced, "INV-1001") == 0.0
    assert outstanding(invoiced, "INV-1002") == 34.5

    shown = books(company)
    pay = shown["transactions"][2]
    assert (pay["type_name"], pay["gross"], pay["tax"], pay["bank_code"]) == (
        "SR", "150.00", "0.00", "1200")
    assert pay["allocations"] == [{"tran_number": 1, "inv_ref": "INV-1001", "amount": "120.00"},
                                  {"tran_number": 2, "inv_ref": "INV-1002", "amount": "25.50"}]
    assert pay["outstanding"] == "4.50"  # left on account
    assert [s["tax_code"] for s in pay["splits"]] == [9, 9, 9]  # T9 unless told
    invoice = shown["transactions"][1]
    assert (invoice["amount_paid"], invoice["outstanding"]) == ("25.50", "34.50")
    assert invoice["allocations"] == [{"tran_number": 3, "amount": "25.50"}]
    acme = next(c for c in shown["customers"] if c["ACCOUNT_REF"] == "ACMEHEAT")
    assert acme["BALANCE"] == "30.00"  # 180.00 invoiced, 150.00 received
    balances = shown["nominal_balances"]
    assert (balances["1200"], balances["1100"]) == ("150.00", "30.00")
    assert sum(Decimal(v) for v in balances.values()) == 0


def test_two_receipts_pay_an_invoice_off_and_no_more(invoiced: Any,
                                                     engine: sdo.SDOEngine) -> None:
    assert receipt(invoiced, [("60.00", "INV-1001")], INV_REF="PAY-1")[0]
    assert receipt(invoiced, [("60.01", "INV-1001")], INV_REF="PAY-2")[0] is False
    assert engine.LastError.Text == ("Allocation of 60.01 exceeds the 60.00 outstanding on "
                                     "invoice INV-1001")
    assert engine.LastError.Field == "NET_AMOUNT"
    # two splits to one invoice add up too
    assert receipt(invoiced, [("30.00", "INV-1001"), ("30.01", "INV-1001")],
                   INV_REF="PAY-3")[0] is False
    assert outstanding(invoiced, "INV-1001") == 60.0
    assert receipt(invoiced, [("60.00", "INV-1001")], INV_REF="PAY-4")[0]
    assert outstanding(invoiced, "INV-1001") == 0.0


def test_a_refused_allocation_leaves_every_invoice_as_it_was(
        invoiced: Any, engine: sdo.SDOEngine, company: dict[str, Any]) -> None:
    before = books(company)
    assert receipt(invoiced, [("60.00", "INV-1002"), ("10.00", "INV-404")])[0] is False
    assert engine.LastError.Text == "Invoice INV-404 not found on account ACMEHEAT"
    assert books(company) == before


@pytest.mark.parametrize(("parts", "header", "words", "field"), [
    ([("10.00", "INV-1001")], {"ACCOUNT_REF": "OTHER01"},
     "Invoice INV-1001 not found on account OTHER01", "INV_REF"),
    ([("10.00", "")], {"BANK_CODE": "1299"},
     "Invalid nominal code 1299: it does not exist in the nominal ledger", "BANK_CODE"),
    ([("10.00", "")], {"BANK_CODE": ""},
     "Invalid nominal code (blank): it does not exist in the nominal ledger", "BANK_CODE"),
    ([("0.00", "")], {}, "A receipt's amount must be more than 0.00", "NET_AMOUNT"),
    ([("-5.00", "")], {}, "A receipt's amount must be more than 0.00", "NET_AMOUNT"),
])
def test_bad_receipts_are_refused(invoiced: Any, engine: sdo.SDOEngine,
                                  parts: list[tuple[str, str]], header: dict[str, Any],
                                  words: str, field: str) -> None:
    assert receipt(invoiced, parts, **header)[0] is False
    assert (engine.LastError.Text, engine.LastError.Field) == (words, field)


def test_a_receipt_carries_no_tax_and_posts_to_its_bank(invoiced: Any,
                                                        engine: sdo.SDOEngine) -> None:
    assert post(invoiced, sdoSR, [{"NET_AMOUNT": "10.00", "TAX_AMOUNT": "2.00"}],
                INV_REF="PAY-1", BANK_CODE="1200")[0] is False
    assert engine.LastError.Text == "A receipt carries no tax: tax amount must be 0.00"
    assert post(invoiced, sdoSR, [{"NET_AMOUNT": "10.00", "NOMINAL_CODE": "4000"}],
                INV_REF="PAY-1", BANK_CODE="1200")[0] is False
    assert engine.LastError.Text == "A receipt's split posts to its bank (1200), not 4000"


def test_a_payment_on_account_is_never_allocated(invoiced: Any, engine: sdo.SDOEngine,
                                                 company: dict[str, Any]) -> None:
    assert receipt(invoiced, [("50.00", "INV-1001")], kind=sdoSA)[0] is False
    assert engine.LastError.Field == "INV_REF"
    done, on_account = receipt(invoiced, [("50.00", "")], kind=sdoSA, BANK_CODE="1210")
    assert done and on_account.PostingNumber == 3
    assert outstanding(invoiced, "INV-1001") == 120.0
    shown = books(company)
    assert shown["transactions"][2]["type_name"] == "SA"
    assert shown["transactions"][2]["outstanding"] == "50.00"
    assert shown["nominal_balances"]["1210"] == "50.00"
    acme = next(c for c in shown["customers"] if c["ACCOUNT_REF"] == "ACMEHEAT")
    assert acme["BALANCE"] == "130.00"


def test_a_credit_note_naming_its_invoice_is_allocated_to_it(
        invoiced: Any, engine: sdo.SDOEngine, company: dict[str, Any]) -> None:
    from sandboxes.sage50.sdo import sdoSC

    assert post(invoiced, sdoSC, [sale("60.00", "12.00")], INV_REF="CN-1",
                INVOICE_REF="INV-1003")[0] is False
    assert engine.LastError.Text == "Invoice INV-1003 not found on account ACMEHEAT"
    assert post(invoiced, sdoSC, [sale("50.00", "10.01")], INV_REF="CN-1",
                INVOICE_REF="INV-1002")[0] is False
    assert engine.LastError.Text == ("Allocation of 60.01 exceeds the 60.00 outstanding on "
                                     "invoice INV-1002")
    assert post(invoiced, sdoSI, [sale()], INV_REF="INV-X", INVOICE_REF="INV-1001")[0] is False
    assert engine.LastError.Field == "INVOICE_REF"
    done, credit = post(invoiced, sdoSC, [sale("20.00", "4.00")], INV_REF="CN-1",
                        INVOICE_REF="INV-1001")
    assert done is True
    assert outstanding(invoiced, "INV-1001") == 96.0
    # an unallocated credit leaves the invoices alone but still comes off the balance
    assert post(invoiced, sdoSC, [sale("5.00", "1.00")], INV_REF="CN-2")[0] is True
    assert outstanding(invoiced, "INV-1002") == 60.0
    shown = books(company)
    cn1, cn2 = shown["transactions"][2:]
    assert (cn1["invoice_ref"], cn1["outstanding"], cn2["outstanding"]) == (
        "INV-1001", "0.00", "6.00")
    acme = next(c for c in shown["customers"] if c["ACCOUNT_REF"] == "ACMEHEAT")
    assert acme["BALANCE"] == "150.00"  # 180.00 - 24.00 - 6.00
    assert credit.PostingNumber == 3
