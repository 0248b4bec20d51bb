"""The FreeAgent sandbox's books over real HTTP, driven the way FreeAgent's docs show (no
connector code): the seeded categories and bank accounts, contacts paged with Link headers,
invoices and credit notes made Draft and marked as sent, their figures as FreeAgent's strings,
explanations paying invoices and credit notes reconciled against them."""

from __future__ import annotations

import re
from decimal import Decimal

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
    sent,
)


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="([a-z]+)"', header)}


def test_categories_and_bank_accounts(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    listed = read(call(co, "GET", "/categories"))
    assert set(listed) == {"admin_expenses_categories", "cost_of_sales_categories",
                           "income_categories", "general_categories"}
    income = {c["nominal_code"]: c for c in listed["income_categories"]}
    assert income["001"]["description"] == "Sales"
    assert income["001"]["url"] == f"{co['fa']['base']}/v2/categories/001"
    assert income["001"]["auto_sales_tax_rate"] == "Standard rate"
    assert "285" in {c["nominal_code"] for c in listed["admin_expenses_categories"]}
    banks = read(call(co, "GET", "/bank_accounts"))["bank_accounts"]
    assert [b["name"] for b in banks] == ["Business Current Account", "Business Savings Account"]
    assert banks[0]["type"] == "StandardBankAccount" and banks[0]["is_primary"] is True
    assert "nominal_code" not in banks[0]  # the docs give a bank account none
    assert bank_url(co, "750-1") == banks[0]["url"]
    one = read(call(co, "GET", "/categories/750-2"))["category"]
    assert one["bank_account"] == banks[1]["url"]


def test_contacts_are_paged_with_link_headers_and_never_unique(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    made = [contact(co, f"Name {n:02d}") for n in range(5)]
    twice = contact(co, "Name 03")
    assert twice["url"] != made[3]["url"]  # FreeAgent takes the same name again
    first = call(co, "GET", "/contacts", params={"view": "all", "sort": "name",
                                                  "per_page": "2"})
    assert first.status_code == 200 and first.headers["X-Total-Count"] == "6"
    links = _links(first.headers["Link"])
    assert set(links) == {"first", "next", "last"}
    assert "view=all" in links["next"] and "page=2" in links["next"]
    names, url = [], f"{co['fa']['base']}/v2/contacts?view=all&sort=name&per_page=2"
    while url:
        page = call(co, "GET", url)
        names += [c["organisation_name"] for c in read(page)["contacts"]]
        url = _links(page.headers["Link"]).get("next", "")
    assert names == ["Name 00", "Name 01", "Name 02", "Name 03", "Name 03", "Name 04"]
    capped = call(co, "GET", "/contacts", params={"per_page": "500"})
    assert "per_page=100" in _links(capped.headers["Link"])["last"]
    by_person = created(co, "/contacts", {"contact": {"first_name": "Ada",
                                                      "last_name": "Lovelace"}})["contact"]
    assert by_person["organisation_name"] is None and by_person["status"] == "Active"
    assert read(call(co, "GET", by_person["url"]))["contact"]["last_name"] == "Lovelace"


def test_an_invoice_is_made_draft_and_marked_as_sent(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    body = invoice_body(customer["url"], [
        item(co, "3", "33.335"),                             # 100.005 -> 100.01, VAT 20.00
        item(co, "1", "10", "5.0", code="002"),              # 10.00, VAT 0.50
        item(co, "2", "7.5", "0.0", sales_tax_status="EXEMPT")])  # 15.00, no VAT
    answer = call(co, "POST", "/invoices", body)
    assert answer.status_code == 201, answer.text
    made = read(answer)["invoice"]
    assert answer.headers["Location"] == made["url"]
    assert made["status"] == "Draft" and made["reference"] == body["invoice"]["reference"]
    assert (made["net_value"], made["sales_tax_value"], made["total_value"]) == (
        "125.01", "20.5", "145.51")
    assert made["due_value"] == "145.51" and made["paid_value"] == "0.0"
    assert made["due_on"] == "2024-05-31" and made["contact"] == customer["url"]
    assert [i["sales_tax_status"] for i in made["invoice_items"]] == ["TAXABLE", "TAXABLE",
                                                                      "EXEMPT"]
    assert made["invoice_items"][0]["price"] == "33.335"
    assert made["invoice_items"][1]["category"].endswith("/v2/categories/002")
    marked = call(co, "PUT", f"{made['url']}/transitions/mark_as_sent")
    assert marked.status_code == 200 and read(marked)["invoice"]["status"] in ("Open",
                                                                                "Overdue")
    # 2024's due date is past: an open invoice owing money is Overdue.
    assert read(call(co, "GET", made["url"]))["invoice"]["status"] == "Overdue"
    listed = read(call(co, "GET", "/invoices", params={"contact": customer["url"]}))
    assert [i["url"] for i in listed["invoices"]] == [made["url"]]
    assert "invoice_items" not in listed["invoices"][0]
    nested = read(call(co, "GET", "/invoices", params={"contact": customer["url"],
                                                        "nested_invoice_items": "true"}))
    assert len(nested["invoices"][0]["invoice_items"]) == 3
    draft_view = read(call(co, "GET", "/invoices", params={"view": "draft"}))["invoices"]
    assert made["url"] not in [i["url"] for i in draft_view]


def test_an_explanation_pays_an_invoice_and_may_overpay_it(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    invoice = sent(co, "/invoices", invoice_body(customer["url"], [item(co)]))
    bank = bank_url(co)
    paid = created(co, "/bank_transaction_explanations", {"bank_transaction_explanation": {
        "bank_account": bank, "dated_on": "2024-05-10", "description": "PAY-1",
        "gross_value": "100.00", "paid_invoice": invoice["url"]}})
    explanation = paid["bank_transaction_explanation"]
    assert explanation["type"] == "Invoice Receipt" and explanation["gross_value"] == "100.0"
    assert explanation["bank_transaction"].startswith(f"{co['fa']['base']}/v2/bank_transactions/")
    after = read(call(co, "GET", invoice["url"]))["invoice"]
    assert (after["paid_value"], after["due_value"], after["status"]) == ("100.0", "20.0",
                                                                           "Overdue")
    # No idempotency key: the same explanation again is a second one, and FreeAgent takes the
    # overpayment.
    again = created(co, "/bank_transaction_explanations", {"bank_transaction_explanation": {
        "bank_account": bank, "dated_on": "2024-05-10", "description": "PAY-1",
        "gross_value": "100.00", "paid_invoice": invoice["url"]}})
    assert again["bank_transaction_explanation"]["url"] != explanation["url"]
    over = read(call(co, "GET", invoice["url"]))["invoice"]
    assert (over["due_value"], over["status"]) == ("-80.0", "Overpaid")
    listed = read(call(co, "GET", "/bank_transaction_explanations", params={
        "bank_account": bank, "from_date": "2024-05-10", "to_date": "2024-05-10"}))
    assert [e["description"] for e in listed["bank_transaction_explanations"]] == ["PAY-1",
                                                                                   "PAY-1"]
    assert read(call(co, "GET", "/bank_transaction_explanations", params={
        "bank_account": bank, "from_date": "2024-05-11"}))["bank_transaction_explanations"] == []


def test_a_credit_note_is_negative_and_reconciles_against_its_invoice(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    invoice = sent(co, "/invoices", invoice_body(customer["url"], [item(co, "2", "50")]))
    credit = sent(co, "/credit_notes", credit_body(customer["url"], [item(co, "1", "20")]))
    assert (credit["net_value"], credit["sales_tax_value"], credit["total_value"],
            credit["due_value"], credit["status"]) == ("-20.0", "-4.0", "-24.0", "-24.0",
                                                       "Open")
    made = created(co, "/credit_note_reconciliations", {"credit_note_reconciliation": {
        "invoice": invoice["url"], "credit_note": credit["url"], "gross_value": "24.00",
        "dated_on": "2024-05-03"}})["credit_note_reconciliation"]
    assert (made["gross_value"], made["currency"], made["exchange_rate"]) == ("24.0", "GBP",
                                                                              "1.0")
    assert read(call(co, "GET", invoice["url"]))["invoice"]["due_value"] == "96.0"
    used = read(call(co, "GET", credit["url"]))["credit_note"]
    assert (used["due_value"], used["status"]) == ("0.0", "Refunded")
    listed = read(call(co, "GET", "/credit_note_reconciliations",
                       params={"from_date": "2024-05-03", "to_date": "2024-05-03"}))
    assert [r["url"] for r in listed["credit_note_reconciliations"]] == [made["url"]]
    assert Decimal(listed["credit_note_reconciliations"][0]["gross_value"]) == Decimal("24")


def test_references_are_shared_by_invoices_and_credit_notes(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    created(co, "/invoices", invoice_body(customer["url"], [item(co)], reference="DOC-7"))
    again = call(co, "POST", "/credit_notes", credit_body(customer["url"], [item(co)],
                                                           reference="DOC-7"))
    assert again.status_code == 422
    assert again.json() == {"errors": [{"message": "Reference has already been taken"}]}
    found = read(call(co, "GET", "/invoices", params={"view": "all",
                                                      "contact": customer["url"]}))
    assert [i["reference"] for i in found["invoices"]] == ["DOC-7"]


def test_a_draft_goes_back_and_forth_until_something_settles_it(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    invoice = sent(co, "/invoices", invoice_body(customer["url"], [item(co)]))
    back = call(co, "PUT", f"{invoice['url']}/transitions/mark_as_draft")
    assert read(back)["invoice"]["status"] == "Draft"
    call(co, "PUT", f"{invoice['url']}/transitions/mark_as_sent")
    created(co, "/bank_transaction_explanations", {"bank_transaction_explanation": {
        "bank_account": bank_url(co), "dated_on": "2024-05-10", "gross_value": "1.00",
        "paid_invoice": invoice["url"]}})
    refused = call(co, "PUT", f"{invoice['url']}/transitions/mark_as_draft")
    assert refused.status_code == 422
    assert call(co, "PUT", f"{invoice['url']}/transitions/send_by_owl").status_code == 404
    # FreeAgent's cancel is not modelled: the sandbox says so rather than guess its effect.
    assert call(co, "PUT", f"{invoice['url']}/transitions/mark_as_cancelled").status_code == 404


def test_hidden_contacts_are_listed_only_when_asked_for(app, co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from sandboxes.freeagent import store as fa_store
    from sandboxes.kit import store as kit_store

    shown_one, hidden_one = contact(co, "Shown Ltd"), contact(co, "Hidden Ltd")
    with app.app_context():
        fa_store.set_contact_hidden(str(co["company"]["id"]),
                                    hidden_one["url"].rsplit("/", 1)[-1], True)
        kit_store.commit()

    def names(view: str) -> list[str]:
        listed = read(call(co, "GET", "/contacts", params={"view": view} if view else {}))
        return [c["organisation_name"] for c in listed["contacts"]]

    assert names("") == names("active") == ["Shown Ltd"]
    assert names("hidden") == ["Hidden Ltd"] and names("all") == ["Hidden Ltd", "Shown Ltd"]
    assert read(call(co, "GET", hidden_one["url"]))["contact"]["status"] == "Hidden"
    assert shown_one["status"] == "Active"
