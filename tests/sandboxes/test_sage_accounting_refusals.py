"""The Sage Accounting sandbox's refusals over real HTTP, each with the wire contract's exact
words and field; the Swagger check (SAGE_SANDBOX_SPEC, set by tests/conftest.py), malformed
JSON and garbage bodies."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import date

import pytest

from sandboxes.kit import store as kit_store
from sandboxes.sage_accounting import store as sage_store
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


def _change(app, fn: Callable[[], None]) -> None:  # type: ignore[no-untyped-def]
    """What a person does in Sage's own pages, written into the sandbox's state."""
    with app.app_context():
        fn()
        kit_store.commit()


def _invalid(message: str, source: str) -> tuple[int, str, str, str]:
    return 422, "RecordInvalid", message, source


@pytest.fixture
def books(biz) -> dict:  # noqa: F811  # type: ignore[no-untyped-def]
    sales = ids_by_code(biz, "ledger_accounts", visible_in="sales")
    expenses = ids_by_code(biz, "ledger_accounts", visible_in="expenses")
    bank = {str(b["nominal_code"]): b["id"] for b in read(call(
        biz, "GET", "/bank_accounts", params={"attributes": "all"}))["$items"]}
    return {"sales": sales, "expenses": expenses, "bank": bank, "contact": customer(biz)}


def _receipt(books: dict, artefact: str, amount: float, total: float | None = None) -> dict:
    return {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": books["contact"]["id"],
        "bank_account_id": books["bank"]["1200"], "date": "2024-05-10",
        "total_amount": amount if total is None else total, "reference": "R1",
        "allocated_artefacts": [{"artefact_id": artefact, "amount": amount}]}}


def test_contacts_and_accounts_refused_in_sages_words(biz, books, app) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    contact_id, sales = books["contact"]["id"], books["sales"]

    def invoice(lines: list[dict], who: str = contact_id, **extra: object) -> tuple:
        return refusal(call(biz, "POST", "/sales_invoices", invoice_body(who, lines, **extra)))

    good = [line(sales["4000"])]
    assert invoice(good, uuid.uuid4().hex) == _invalid("Contact is not valid", "contact_id")
    taken = call(biz, "POST", "/contacts", {"contact": {
        "name": "Someone Else", "contact_type_ids": ["CUSTOMER"],
        "reference": books["contact"]["reference"]}})
    assert refusal(taken) == _invalid("Reference has already been taken", "reference")
    long_ref = call(biz, "POST", "/contacts", {"contact": {
        "name": "Long Ref", "contact_type_ids": ["VENDOR"], "reference": "R" * 51}})
    assert refusal(long_ref) == _invalid("Reference is too long (maximum is 50 characters)",
                                         "reference")
    assert invoice([line(uuid.uuid4().hex)]) == _invalid(
        "Ledger account is not valid", "invoice_lines.ledger_account_id")
    assert invoice([line(books["expenses"]["5000"])]) == _invalid(
        "Ledger account is not available for sales", "invoice_lines.ledger_account_id")
    assert invoice([line(sales["4000"], rate="GB_NOSUCH")]) == _invalid(
        "Tax rate is not valid", "invoice_lines.tax_rate_id")
    assert invoice([line(sales["4000"]) | {"description": " "}]) == _invalid(
        "Description can't be blank", "invoice_lines.description")
    assert invoice(good, status_id="PAID")[:2] == (422, "RecordInvalid")
    assert invoice(good, status_id="PAID")[3] == "status_id"
    note = refusal(call(biz, "POST", "/sales_credit_notes", credit_body(
        contact_id, [line(uuid.uuid4().hex)])))
    assert note == _invalid("Ledger account is not valid", "credit_note_lines.ledger_account_id")
    business = biz["business"]
    _change(app, lambda: sage_store.set_included_in_chart(business, 4900, False))
    hidden = read(call(biz, "GET", "/ledger_accounts", params={
        "visible_in": "sales", "attributes": "all"}))["$items"]
    assert [a["included_in_chart"] for a in hidden if a["nominal_code"] == 4900] == [False]
    assert invoice([line(sales["4900"])]) == _invalid(
        "Ledger account is not available for sales", "invoice_lines.ledger_account_id")
    _change(app, lambda: sage_store.set_contact_active(business, contact_id, False))
    assert invoice(good) == _invalid("Contact is inactive", "contact_id")
    assert read(call(biz, "GET", "/sales_invoices"))["$total"] == 0  # nothing was made


def test_locked_and_vat_submitted_periods(biz, books, app) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    business, contact_id = biz["business"], books["contact"]["id"]
    lines = [line(books["sales"]["4000"])]
    _change(app, lambda: sage_store.set_lock_date(business, date(2021, 3, 31)))
    assert read(call(biz, "GET", "/financial_settings"))["year_end_lockdown_date"] == "2021-03-31"
    locked = call(biz, "POST", "/sales_invoices",
                  invoice_body(contact_id, lines, date="2021-03-31"))
    assert refusal(locked) == _invalid(
        "Date cannot be on or before the lock date (31/03/2021)", "date")
    assert call(biz, "POST", "/sales_invoices",
                invoice_body(contact_id, lines, date="2021-04-01")).status_code == 201
    _change(app, lambda: sage_store.set_vat_submitted_until(business, date(2023, 6, 30)))
    submitted = call(biz, "POST", "/sales_credit_notes",
                     credit_body(contact_id, lines, date="2023-06-30"))
    assert refusal(submitted) == _invalid(
        "Date is within a VAT return period that has been submitted", "date")


def test_artefacts_unknown_or_overpaid(biz, books) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    contact_id, sales = books["contact"]["id"], books["sales"]
    invoice = created(biz, "/sales_invoices", invoice_body(
        contact_id, [line(sales["4000"], "1", "50", "GB_ZERO")]))
    missing = call(biz, "POST", "/contact_payments", _receipt(books, uuid.uuid4().hex, 10))
    assert refusal(missing) == _invalid("Artefact is not valid",
                                        "allocated_artefacts.artefact_id")
    over = call(biz, "POST", "/contact_payments", _receipt(books, invoice["id"], 50.01))
    assert refusal(over) == _invalid("Amount exceeds the outstanding amount of the artefact",
                                     "allocated_artefacts.amount")
    note = created(biz, "/sales_credit_notes", credit_body(
        contact_id, [line(sales["4000"], "1", "60", "GB_ZERO")]))
    too_much = call(biz, "POST", "/contact_allocations", {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": contact_id,
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": 60},
                                {"artefact_id": note["id"], "amount": -60}]}})
    assert refusal(too_much) == _invalid("Amount exceeds the outstanding amount of the artefact",
                                         "allocated_artefacts.amount")
    unbalanced = call(biz, "POST", "/contact_allocations", {"contact_allocation": {
        "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": contact_id,
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": 20},
                                {"artefact_id": note["id"], "amount": -10}]}})
    assert refusal(unbalanced)[:2] == (422, "RecordInvalid")
    no_bank = call(biz, "POST", "/contact_payments", _receipt(books, invoice["id"], 10) | {
        "contact_payment": _receipt(books, invoice["id"], 10)["contact_payment"] | {
            "bank_account_id": books["sales"]["4000"]}})
    assert refusal(no_bank) == _invalid("Bank account is not valid", "bank_account_id")
    beyond = call(biz, "POST", "/contact_payments", _receipt(books, invoice["id"], 20, 10))
    assert refusal(beyond)[:2] == (422, "RecordInvalid") and refusal(beyond)[3] == "total_amount"
    stranger = customer(biz)
    theirs = call(biz, "POST", "/contact_payments", _receipt(books, invoice["id"], 10) | {
        "contact_payment": _receipt(books, invoice["id"], 10)["contact_payment"] | {
            "contact_id": stranger["id"]}})
    assert refusal(theirs) == _invalid("Artefact is not valid",
                                       "allocated_artefacts.artefact_id")
    after = read(call(biz, "GET", f"/sales_invoices/{invoice['id']}"))
    assert after["outstanding_amount"] == 50 and after["status"]["id"] == "UNPAID"
    assert read(call(biz, "GET", "/contact_payments"))["$total"] == 0


def test_the_swagger_check_names_the_field(biz, books) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    assert os.environ.get("SAGE_SANDBOX_SPEC"), "tests/conftest.py points at the spec"
    contact_id, account = books["contact"]["id"], books["sales"]["4000"]
    wrong = call(biz, "POST", "/sales_invoices", invoice_body(
        contact_id, [line(account) | {"quantity": "two"}]))
    assert refusal(wrong) == _invalid("quantity must be a number", "invoice_lines.quantity")
    unknown = call(biz, "POST", "/contacts", {"contact": {
        "name": "Colour Ltd", "contact_type_ids": ["CUSTOMER"], "colour": "red"}})
    assert refusal(unknown) == _invalid("colour is not a recognised attribute", "colour")
    body = invoice_body(contact_id, [line(account)])
    del body["sales_invoice"]["date"]
    assert refusal(call(biz, "POST", "/sales_invoices", body)) == _invalid(
        "date is required", "date")
    bad_date = call(biz, "POST", "/contact_payments", _receipt(books, "x", 1) | {
        "contact_payment": _receipt(books, "x", 1)["contact_payment"] | {"date": "10/05/2024"}})
    assert refusal(bad_date) == _invalid("date must be a date (YYYY-MM-DD)", "date")


def test_malformed_json_and_garbage(biz, books, app, monkeypatch) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    garbage = call(biz, "POST", "/contacts", data="{not json",
                   headers={"Content-Type": "application/json"})
    assert refusal(garbage)[:2] == (400, "InvalidJSON")
    monkeypatch.setitem(app.config, "SAGE_SANDBOX_SPEC", "")
    monkeypatch.delenv("SAGE_SANDBOX_SPEC", raising=False)
    contact_id, account = books["contact"]["id"], books["sales"]["4000"]
    bodies = [
        ("/contacts", [1, 2]), ("/contacts", {"contact": "x"}), ("/contacts", "text"),
        ("/contacts", {"contact": {"name": 5, "contact_type_ids": ["CUSTOMER"]}}),
        ("/contacts", {"contact": {"name": "X", "contact_type_ids": "CUSTOMER"}}),
        ("/contacts", {"contact": {"name": "X", "contact_type_ids": ["CUSTOMER"],
                                   "main_address": "here"}}),
        ("/sales_invoices", invoice_body(contact_id, "lines")),
        ("/sales_invoices", invoice_body(contact_id, [None])),
        ("/sales_invoices", invoice_body(contact_id, [line(account) | {"unit_price": None}])),
        ("/sales_invoices", invoice_body(contact_id, [line(account) | {"quantity": "two"}])),
        ("/sales_invoices", invoice_body(contact_id, [line(account)], date=12)),
        ("/sales_invoices", invoice_body(["me"], [line(account)])),
        ("/contact_payments", {"contact_payment": {"transaction_type_id": "CUSTOMER_RECEIPT",
                                                   "contact_id": contact_id, "total_amount": "x",
                                                   "allocated_artefacts": "all"}}),
        ("/contact_allocations", {"contact_allocation": {
            "transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": contact_id,
            "allocated_artefacts": [{"artefact_id": {}, "amount": []}]}}),
        ("/ledger_accounts", {"ledger_account": {}}),
    ]
    for path, body in bodies:
        answer = call(biz, "POST", path, body)
        assert 400 <= answer.status_code < 500, (path, body, answer.status_code, answer.text)
        assert refusal(answer)
    assert read(call(biz, "GET", "/sales_invoices"))["$total"] == 0


@pytest.mark.parametrize("text", [
    '{"contact": {"name": "A", "notes": ' + "[" * 100_000 + "]" * 100_000 + "}}",
    '{"contact": {"name": "A", "notes": ' + "[" * 40 + "]" * 40 + "}}",
    '{"contact": {"name": "A", "credit_limit": ' + "9" * 4301 + "}}",
    '{"contact": {"name": "A\\u0000B", "contact_type_ids": ["CUSTOMER"]}}',
], ids=["deep-100000", "deep-40", "4301-digits", "nul"])
def test_hostile_json_is_a_400_never_a_500(biz, text: str) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    answer = call(biz, "POST", "/contacts", data=text,
                  headers={"Content-Type": "application/json"})
    assert refusal(answer)[:2] == (400, "InvalidJSON"), answer.text[:200]
    assert read(call(biz, "GET", "/contacts"))["$total"] == 0
