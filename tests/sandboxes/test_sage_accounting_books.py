"""The Sage Accounting sandbox's books over real HTTP, driven the way Sage's docs show (no
connector code): the seeded chart, lists and paging, each create read back to the penny,
allocations and receipts moving what is outstanding, and idempotency_id replays."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import NamedTuple

import pytest

from sandboxes.sage_accounting import totals
from sandboxes.sage_accounting.replies import Invalid
from tests.sandboxes.sage_accounting_client import (  # noqa: F401  (fixtures)
    biz,
    call,
    created,
    credit_body,
    customer,
    ids_by_code,
    invoice_body,
    line,
    read,
    refusal,
    sage,
)

D = Decimal
RATES = {"GB_STANDARD": D("20"), "GB_REDUCED": D("5"), "GB_ZERO": D("0")}


class Wire(NamedTuple):
    method: str
    path: str
    params: dict[str, str]
    body: bytes


def test_the_seeded_chart_rates_banks_and_settings(biz) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    sales = read(call(biz, "GET", "/ledger_accounts", params={
        "visible_in": "sales", "attributes": "all", "items_per_page": "200"}))["$items"]
    by_code = {a["nominal_code"]: a for a in sales}
    assert {4000, 4010, 4900} <= set(by_code) and 5000 not in by_code
    assert by_code[4000]["ledger_account_type"]["id"] == "SALES"
    assert by_code[4900]["ledger_account_type"]["id"] == "OTHER_INCOME"
    assert by_code[4000]["name"] == "Sales Type A" and by_code[4000]["included_in_chart"]
    expenses = ids_by_code(biz, "ledger_accounts", visible_in="expenses")
    assert {"5000", "7100", "8200"} <= set(expenses)
    banking = ids_by_code(biz, "ledger_accounts", visible_in="banking")
    banks = read(call(biz, "GET", "/bank_accounts", params={"attributes": "all"}))["$items"]
    assert {b["nominal_code"]: b["ledger_account"]["id"] for b in banks} == {
        1200: banking["1200"], 1210: banking["1210"]}
    assert banks[0]["bank_account_details"]["account_name"] == "Current"
    rates = read(call(biz, "GET", "/tax_rates", params={"attributes": "all"}))["$items"]
    assert {r["id"]: r["percentage"] for r in rates} == {
        "GB_STANDARD": 20, "GB_REDUCED": 5, "GB_ZERO": 0, "GB_EXEMPT": 0, "GB_NO_TAX": 0}
    settings = read(call(biz, "GET", "/financial_settings"))
    assert settings["year_end_lockdown_date"] is None and settings["$path"] == "/financial_settings"
    brief = read(call(biz, "GET", "/tax_rates"))["$items"][0]
    assert set(brief) == {"id", "displayed_as", "$path"}
    one = read(call(biz, "GET", f"/ledger_accounts/{by_code[4000]['id']}"))
    assert one["nominal_code"] == 4000 and one["visible_in_sales"] is True


def test_paging_across_450_contacts_and_search(biz, app, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    # More than Sage's 200 calls a minute: the windows are the rate-limit test's subject.
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
    for i in range(450):
        kind = "VENDOR" if i % 50 == 7 else "CUSTOMER"
        created(biz, "/contacts", {"contact": {"name": f"Person {i:03d} Ltd",
                                               "contact_type_ids": [kind],
                                               "reference": f"REF-{i:03d}"}})
    first = read(call(biz, "GET", "/contacts"))
    assert first["$total"] == 450 and first["$itemsPerPage"] == 20 and first["$back"] is None
    assert len(first["$items"]) == 20 and set(first["$items"][0]) == {"id", "displayed_as", "$path"}
    seen, path, pages = [], "/contacts?attributes=all&items_per_page=200", 0
    while path:
        listed = read(call(biz, "GET", path))
        seen += listed["$items"]
        path, pages = listed["$next"], pages + 1
    assert pages == 3 and len(seen) == 450 and len({c["id"] for c in seen}) == 450
    assert seen[-1]["reference"] == "REF-449" and "contact_types" in seen[-1]
    assert listed["$back"] == "/contacts?page=2&items_per_page=200&attributes=all"
    assert refusal(call(biz, "GET", "/contacts", params={"items_per_page": "201"}))[:2] == (
        422, "RecordInvalid")
    found = read(call(biz, "GET", "/contacts", params={"search": "person 12", "attributes": "all"}))
    assert sorted(c["reference"] for c in found["$items"]) == [f"REF-{i}" for i in range(120, 130)]
    by_ref = read(call(biz, "GET", "/contacts", params={"search": "ref-307"}))
    assert by_ref["$total"] == 1
    assert by_ref["$items"][0]["displayed_as"] == "Person 307 Ltd (REF-307)"
    vendors = read(call(biz, "GET", "/contacts", params={"contact_type_id": "VENDOR"}))
    assert vendors["$total"] == 9


def test_an_invoice_and_its_credit_note_to_the_penny(biz) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    sales = ids_by_code(biz, "ledger_accounts", visible_in="sales")
    contact = customer(biz)
    lines = [
        line(sales["4000"], "3", "33.333", "GB_STANDARD"),  # 100.00 (99.999), VAT 20.00
        line(sales["4010"], "2", "12.345678", "GB_REDUCED",  # 24.69 less 1.50, VAT 1.16
             discount_amount=1.5),
        line(sales["4000"], "1", "10", "GB_STANDARD", tax_amount=1.99),  # an adjusted VAT
        line(sales["4900"], "1", "0.125", "GB_ZERO"),  # 0.13
    ]
    body = invoice_body(contact["id"], lines, notes="Thank you")
    invoice = created(biz, "/sales_invoices", body)
    assert invoice["invoice_number"] == "SI-1" and invoice["reference"] == "INV-1"
    assert [(x["net_amount"], x["tax_amount"], x["total_amount"]) for x in invoice["invoice_lines"]
            ] == [(D("100.00"), D("20.00"), D("120.00")), (D("23.19"), D("1.16"), D("24.35")),
                  (D("10.00"), D("1.99"), D("11.99")), (D("0.13"), D("0.00"), D("0.13"))]
    assert invoice["invoice_lines"][1]["unit_price"] == D("12.345678")
    figures = (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"])
    assert figures == (D("133.32"), D("23.15"), D("156.47"))
    assert '"total_amount": 156.47' in call(biz, "GET", f"/sales_invoices/{invoice['id']}").text
    assert invoice["outstanding_amount"] == D("156.47") and invoice["status"]["id"] == "UNPAID"
    # The money oracle is the same arithmetic on the body alone.
    wire = Wire("POST", "/sales_invoices", {}, json.dumps(body).encode())
    assert tuple(totals.document_totals("invoice", wire, RATES)) == figures
    again = read(call(biz, "GET", f"/sales_invoices/{invoice['id']}"))
    assert again == invoice and again["contact"]["id"] == contact["id"]
    # The wire contract offers original_invoice_id; the spec (which wins) has no such field.
    linked = call(biz, "POST", "/sales_credit_notes", credit_body(
        contact["id"], [line(sales["4000"])], original_invoice_id=invoice["id"]))
    assert refusal(linked)[2:] == ("original_invoice_id is not a recognised attribute",
                                   "original_invoice_id")
    note = created(biz, "/sales_credit_notes", credit_body(
        contact["id"], [line(sales["4000"], "1", "10.005")]))
    assert note["credit_note_number"] == "SCN-1" and note["contact"]["id"] == contact["id"]
    assert (note["net_amount"], note["tax_amount"], note["total_amount"]) == (
        D("10.01"), D("2.00"), D("12.01"))
    assert read(call(biz, "GET", f"/sales_credit_notes/{note['id']}")) == note
    assert created(biz, "/sales_invoices", body)["invoice_number"] == "SI-2"
    found = read(call(biz, "GET", "/sales_invoices",
                      params={"search": "si-1", "attributes": "all"}))
    assert [i["id"] for i in found["$items"]] == [invoice["id"]]
    assert read(call(biz, "GET", "/sales_invoices", params={"search": "inv-1"}))["$total"] == 2
    assert read(call(biz, "GET", "/sales_credit_notes", params={"search": "CN-1"}))["$total"] == 1


def _invoice(biz, account: str, amount: str) -> tuple[dict, dict]:  # noqa: F811  # type: ignore[no-untyped-def]
    contact = customer(biz)
    return contact, created(biz, "/sales_invoices", invoice_body(
        contact["id"], [line(account, "1", amount, "GB_ZERO")]))


def test_allocations_and_receipts_move_outstanding_and_status(biz) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    sales = ids_by_code(biz, "ledger_accounts", visible_in="sales")
    bank = {str(b["nominal_code"]): b["id"] for b in read(call(
        biz, "GET", "/bank_accounts", params={"attributes": "all"}))["$items"]}
    contact, invoice = _invoice(biz, sales["4000"], "100")
    note = created(biz, "/sales_credit_notes", credit_body(
        contact["id"], [line(sales["4000"], "1", "30", "GB_ZERO")]))
    allocation = created(biz, "/contact_allocations", {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": contact["id"],
        "date": "2024-05-03", "allocated_artefacts": [
            {"artefact_id": invoice["id"], "amount": 30},
            {"artefact_id": note["id"], "amount": -30}]}})
    assert [a["amount"] for a in allocation["allocated_artefacts"]] == [D("30.00"), D("-30.00")]
    after = read(call(biz, "GET", f"/sales_invoices/{invoice['id']}"))
    assert (after["outstanding_amount"], after["status"]["id"]) == (D("70.00"), "PART_PAID")
    spent = read(call(biz, "GET", f"/sales_credit_notes/{note['id']}"))
    assert (spent["outstanding_amount"], spent["status"]["id"]) == (D("0.00"), "PAID")
    second = created(biz, "/sales_invoices", invoice_body(
        contact["id"], [line(sales["4010"], "1", "50", "GB_ZERO")]))
    receipt = created(biz, "/contact_payments", {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": contact["id"],
        "bank_account_id": bank["1200"], "date": "2024-05-10", "total_amount": 100,
        "reference": "BACS 123", "allocated_artefacts": [
            {"artefact_id": invoice["id"], "amount": 70},
            {"artefact_id": second["id"], "amount": 20}]}})
    assert receipt["total_amount"] == D("100.00") and receipt["reference"] == "BACS 123"
    assert receipt["payment_on_account"]["total_amount"] == D("10.00")
    assert receipt["bank_account"]["id"] == bank["1200"]
    states = {i["id"]: (i["outstanding_amount"], i["status"]["id"]) for i in read(call(
        biz, "GET", "/sales_invoices", params={"contact_id": contact["id"],
                                               "attributes": "all"}))["$items"]}
    assert states == {invoice["id"]: (D("0.00"), "PAID"), second["id"]: (D("30.00"), "PART_PAID")}
    listed = read(call(biz, "GET", "/contact_payments", params={"attributes": "all"}))["$items"]
    assert [p["id"] for p in listed] == [receipt["id"]]
    assert listed[0]["allocated_artefacts"][1]["artefact"]["id"] == second["id"]
    assert read(call(biz, "GET", "/contact_allocations"))["$total"] == 1
    assert read(call(biz, "GET", f"/contact_payments/{receipt['id']}")) == receipt


def test_idempotency_id_replays_the_first_answer(biz) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    key = uuid.uuid4().hex
    body = {"contact": {"name": "Once Only Ltd", "contact_type_ids": ["CUSTOMER"],
                        "reference": "ONCE", "idempotency_id": key}}
    first = call(biz, "POST", "/contacts", body)
    second = call(biz, "POST", "/contacts", body)
    assert first.status_code == second.status_code == 201, first.text
    assert first.json() == second.json() and "idempotency_id" not in first.json()
    other = call(biz, "POST", "/contacts", {"contact": body["contact"] | {"name": "Other Ltd",
                                                                          "reference": "OTHER"}})
    assert other.status_code == 201 and other.json() == first.json()
    assert read(call(biz, "GET", "/contacts"))["$total"] == 1
    # A refusal is not kept: the same key, corrected, is made.
    late_key = uuid.uuid4().hex
    refused = call(biz, "POST", "/contacts", {"contact": {
        "name": "Late Ltd", "contact_type_ids": ["CUSTOMER"], "reference": "ONCE",
        "idempotency_id": late_key}})
    assert refusal(refused)[2] == "Reference has already been taken"
    fixed = call(biz, "POST", "/contacts", {"contact": {
        "name": "Late Ltd", "contact_type_ids": ["CUSTOMER"], "reference": "LATE",
        "idempotency_id": late_key}})
    assert fixed.status_code == 201 and fixed.json()["reference"] == "LATE"
    bad = call(biz, "POST", "/contacts", {"contact": {
        "name": "Bad Key Ltd", "contact_type_ids": ["CUSTOMER"], "idempotency_id": "123-abc"}})
    assert refusal(bad)[:2] == (422, "RecordInvalid") and refusal(bad)[3] == "idempotency_id"


def test_idempotency_id_is_kept_for_seven_days(biz, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from sandboxes.sage_accounting import store as sage_store

    clock = [sage_store.now()]
    monkeypatch.setattr(sage_store, "now", lambda: clock[0])
    key = uuid.uuid4().hex

    def send(reference: str) -> dict:
        answer = call(biz | {"access_token": fresh_token()}, "POST", "/contacts", {"contact": {
            "name": "Week Ltd", "contact_type_ids": ["CUSTOMER"], "reference": reference,
            "idempotency_id": key}})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def fresh_token() -> str:
        from tests.sandboxes.sage_accounting_client import token

        renewed = token(biz["sage"], grant_type="refresh_token",
                        refresh_token=biz["refresh_token"]).json()
        biz["refresh_token"] = renewed["refresh_token"]
        return renewed["access_token"]

    first = send("WEEK-1")
    clock[0] += 6 * 24 * 3600
    assert send("WEEK-2") == first
    clock[0] += 2 * 24 * 3600
    assert send("WEEK-3")["reference"] == "WEEK-3"


def test_gross_prices_and_percentage_discounts(biz) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    sales = ids_by_code(biz, "ledger_accounts", visible_in="sales")
    contact = customer(biz)
    body = invoice_body(contact["id"], [
        line(sales["4000"], "1", "120", unit_price_includes_tax=True),  # 100.00 + 20.00
        line(sales["4000"], "1", "9.99", unit_price_includes_tax=True),  # 8.32 + 1.67
        line(sales["4010"], "3", "33.33", discount_percentage=10),  # 99.99 - 10.00, VAT 18.00
    ])
    invoice = created(biz, "/sales_invoices", body)
    assert [(x["net_amount"], x["tax_amount"]) for x in invoice["invoice_lines"]] == [
        (D("100.00"), D("20.00")), (D("8.32"), D("1.67")), (D("89.99"), D("18.00"))]
    assert invoice["invoice_lines"][2]["discount_amount"] == D("10.00")
    figures = (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"])
    assert figures == (D("198.31"), D("39.67"), D("237.98"))
    wire = Wire("POST", "/sales_invoices", {}, json.dumps(body).encode())
    assert tuple(totals.document_totals("invoice", wire, RATES)) == figures


def test_the_oracle_settles_as_the_views_do() -> None:
    def wire(path: str, body: dict) -> Wire:
        return Wire("POST", path, {}, json.dumps(body).encode())

    invoice = wire("/sales_invoices", invoice_body("c", [line("a", "1", "100")]))  # 120.00
    note = wire("/sales_credit_notes", credit_body("c", [line("a", "1", "25")]))  # 30.00
    allocation = wire("/contact_allocations", {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": "c",
        "allocated_artefacts": [{"artefact_id": "inv", "amount": 30},
                                {"artefact_id": "cn", "amount": -30}]}})
    receipt = wire("/contact_payments", {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": "c", "bank_account_id": "b",
        "date": "2024-05-10", "total_amount": 50,
        "allocated_artefacts": [{"artefact_id": "inv", "amount": 50}]}})
    documents = {"inv": ("invoice", invoice), "cn": ("credit_note", note)}
    assert totals.amounts_left(documents, [allocation, receipt], RATES) == {
        "inv": D("40.00"), "cn": D("0.00")}
    over = wire("/contact_payments", {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": "c", "bank_account_id": "b",
        "date": "2024-05-10", "total_amount": 121,
        "allocated_artefacts": [{"artefact_id": "inv", "amount": 121}]}})
    with pytest.raises(Invalid, match="Amount exceeds the outstanding amount of the artefact"):
        totals.amounts_left(documents, [over], RATES)
