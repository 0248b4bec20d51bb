"""What the FreeAgent sandbox refuses, in the wire contract's words, over real HTTP (no connector
code): each refusal of the contract's table, and that nothing refused was made."""

from __future__ import annotations

import pytest

from tests.sandboxes.freeagent_client import (  # noqa: F401  (fixtures)
    bank_url,
    call,
    co,
    contact,
    created,
    credit_body,
    fa,
    invoice_body,
    item,
    read,
    refusal,
    sent,
)


def _invoices_of(co, customer) -> list:  # type: ignore[no-untyped-def]  # noqa: F811
    return read(call(co, "GET", "/invoices", params={"contact": customer["url"]}))["invoices"]


def test_documents_for_a_contact_freeagent_has_not(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    ghost = f"{co['fa']['base']}/v2/contacts/1"
    for path, body in (("/invoices", invoice_body(ghost, [item(co)])),
                       ("/credit_notes", credit_body(ghost, [item(co)]))):
        assert refusal(call(co, "POST", path, body)) == (422, ["Contact not found"])


def test_a_category_that_is_not_income_is_an_invalid_nominal_code(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    for code in ("999", "285", "750-1"):
        answer = call(co, "POST", "/invoices", invoice_body(customer["url"],
                                                            [item(co, code=code)]))
        assert answer.status_code == 400
        assert answer.json() == {"errors": {"error": {"message": "Invalid nominal code"}}}
    assert _invoices_of(co, customer) == []


@pytest.mark.parametrize("rate, status, message", [
    ("17.5", "TAXABLE", "Invoice items sales tax rate is not a valid VAT rate"),
    ("twenty", "TAXABLE", "Invoice items sales tax rate is not a number"),
    ("20.0", "EXEMPT", "Invoice items sales tax rate must be zero when exempt or out of scope"),
    ("0", "ZERO_RATED", "Invoice items sales tax status is not included in the list"),
])
def test_vat_rates_are_the_uk_standard_ones(co, rate, status, message) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    body = invoice_body(customer["url"], [item(co, rate=rate, sales_tax_status=status)])
    assert refusal(call(co, "POST", "/invoices", body)) == (422, [message])


def test_credit_note_items_are_named_as_such(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    body = credit_body(customer["url"], [item(co, rate="17.5")])
    assert refusal(call(co, "POST", "/credit_notes", body)) == (
        422, ["Credit note items sales tax rate is not a valid VAT rate"])


@pytest.mark.parametrize("change, message", [
    ({"items": [{"description": " "}]}, "Invoice items description can't be blank"),
    ({"items": [{"item_type": "Widgets"}]}, "Invoice items item type is not included in the list"),
    ({"items": [{"price": "ten"}]}, "Invoice items price is not a number"),
    ({"items": []}, "Invoice items can't be blank"),
    ({"dated_on": None}, "Dated on can't be blank"),
    ({"payment_terms_in_days": None}, "Payment terms in days can't be blank"),
])
def test_blank_and_malformed_fields(co, change, message) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    items = [item(co) | extra for extra in change.pop("items", [{}])]
    body = invoice_body(customer["url"], items)
    body["invoice"] = {k: v for k, v in (body["invoice"] | change).items() if v is not None}
    assert refusal(call(co, "POST", "/invoices", body)) == (422, [message])
    assert _invoices_of(co, customer) == []


def test_a_contact_needs_a_name(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    answer = call(co, "POST", "/contacts", {"contact": {"first_name": "Ada", "email": "a@x.test"}})
    assert refusal(answer) == (422, ["First name or organisation name must be given"])


def test_payments_against_invoices_freeagent_has_not_or_still_draft(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    bank = bank_url(co)

    def pay(invoice_url: str, bank_account: str = bank, gross: str = "10.00"):  # type: ignore[no-untyped-def]
        return call(co, "POST", "/bank_transaction_explanations", {
            "bank_transaction_explanation": {"bank_account": bank_account,
                                             "dated_on": "2024-05-10", "gross_value": gross,
                                             "description": "PAY", "paid_invoice": invoice_url}})

    ghost = f"{co['fa']['base']}/v2/invoices/1"
    assert refusal(pay(ghost)) == (422, ["Invoice not found for this company"])
    draft = created(co, "/invoices", invoice_body(customer["url"], [item(co)]))["invoice"]
    assert refusal(pay(draft["url"])) == (422, ["Invoice must be sent before it can be paid"])
    sent_one = sent(co, "/invoices", invoice_body(customer["url"], [item(co)]))
    no_bank = f"{co['fa']['base']}/v2/bank_accounts/1"
    assert refusal(pay(sent_one["url"], no_bank)) == (422, ["Bank account not found"])
    assert refusal(pay(sent_one["url"], gross="")) == (422, ["Gross value can't be blank"])
    assert refusal(pay(sent_one["url"], gross="0")) == (
        422, ["Gross value must be greater than zero"])
    unchanged = read(call(co, "GET", sent_one["url"]))["invoice"]
    assert unchanged["due_value"] == "120.0" and unchanged["paid_value"] == "0.0"
    listed = call(co, "GET", "/bank_transaction_explanations")
    assert refusal(listed) == (400, ["bank_account parameter is required"])


def test_reconciliations_beyond_what_is_due_or_left(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    invoice = sent(co, "/invoices", invoice_body(customer["url"], [item(co, "1", "10")]))
    credit = sent(co, "/credit_notes", credit_body(customer["url"], [item(co, "1", "50")]))
    draft = created(co, "/credit_notes", credit_body(customer["url"], [item(co)]))["credit_note"]
    other = sent(co, "/credit_notes", credit_body(contact(co)["url"], [item(co)]))

    def reconcile(invoice_url: str, credit_url: str, gross: str):  # type: ignore[no-untyped-def]
        return call(co, "POST", "/credit_note_reconciliations", {"credit_note_reconciliation": {
            "invoice": invoice_url, "credit_note": credit_url, "gross_value": gross,
            "dated_on": "2024-05-03"}})

    assert refusal(reconcile(invoice["url"], credit["url"], "12.01")) == (
        422, ["Gross value exceeds the amount due on the invoice"])
    assert refusal(reconcile(invoice["url"], draft["url"], "1")) == (
        422, ["Credit note must be sent before it can be reconciled"])
    assert refusal(reconcile(invoice["url"], other["url"], "1")) == (
        422, ["Credit note and invoice must be for the same contact"])
    assert refusal(reconcile(f"{co['fa']['base']}/v2/invoices/1", credit["url"], "1")) == (
        422, ["Invoice not found for this company"])
    assert refusal(reconcile(invoice["url"], f"{co['fa']['base']}/v2/credit_notes/1", "1")) == (
        422, ["Credit note not found for this company"])
    big = sent(co, "/invoices", invoice_body(customer["url"], [item(co, "1", "100")]))
    assert reconcile(big["url"], credit["url"], "50.00").status_code == 201
    assert refusal(reconcile(big["url"], credit["url"], "10.01")) == (
        422, ["Gross value exceeds the amount remaining on the credit note"])
    assert read(call(co, "GET", big["url"]))["invoice"]["due_value"] == "70.0"


def test_malformed_bodies_and_unknown_paths(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    not_json = call(co, "POST", "/contacts", data="{", headers={"Content-Type": "application/json"})
    assert refusal(not_json) == (400, ["The request body is not valid JSON"])
    wrong_root = call(co, "POST", "/contacts", {"customer": {"organisation_name": "X"}})
    assert refusal(wrong_root) == (400, ["The request body is not valid JSON"])
    assert refusal(call(co, "GET", "/contacts/1")) == (404, ["Resource not found"])
    assert refusal(call(co, "GET", "/widgets")) == (404, ["Resource not found"])
    deep = "[" * 40 + "]" * 40
    nested = call(co, "POST", "/contacts", data=deep, headers={"Content-Type": "application/json"})
    assert nested.status_code == 400
    assert read(call(co, "GET", "/contacts", params={"view": "all"}))["contacts"] == []


def test_hostile_json_is_refused_and_nothing_made(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    digits = '{"contact": {"organisation_name": "X", "default_payment_terms_in_days": ' + \
        "9" * 4301 + "}}"
    nul = '{"contact": {"organisation_name": "X\\u0000Y"}}'
    for body in (digits, nul):
        answer = call(co, "POST", "/contacts", data=body, headers=headers)
        assert refusal(answer) == (400, ["The request body is not valid JSON"])
    assert read(call(co, "GET", "/contacts", params={"view": "all"}))["contacts"] == []


def test_one_reference_sent_at_once_from_two_clients_is_made_once(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    customer = contact(co)
    body = invoice_body(customer["url"], [item(co)], reference="RACE-1")
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: call(co, "POST", "/invoices", body), range(4)))
    assert sorted(a.status_code for a in answers) == [201, 422, 422, 422]
    assert [i["reference"] for i in _invoices_of(co, customer)] == ["RACE-1"]
