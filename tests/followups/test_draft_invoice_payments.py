"""A connection that creates Xero invoices as drafts: Xero refuses a payment against a draft,
and the bookkeeper is told which invoice to approve in Xero before pressing Retry; the
schedule step says so beside the draft choice. Real app over HTTP, a real RQ worker, the Xero
sandbox (which refuses such payments with Xero's error shape) read back through its API."""

from __future__ import annotations

import re

from tests.sync.conftest import Books
from tests.sync.test_engine_scenarios import (
    _customer,
    _invoice,
    _payment,
    _send_and_wait,
    _transfer,
)
from tests.sync.test_scoped_retry_and_cutoff import (  # noqa: F401  (fixture used here)
    HX,
    _latest_run,
    signed_in_books,
)
from tests.ui import page_token

REFUSAL = "Payments can only be made against Authorised documents."


def _drafts(books: Books) -> None:
    from app.extensions import db
    from app.models import Connection

    with books.app.app_context():
        db.session.get(Connection, books.connection_id).invoice_status = "draft"
        db.session.commit()
        db.session.remove()


def _xero_invoice(books: Books, number: str) -> dict:
    return next(i for i in books.package_list("Invoices") if i["InvoiceNumber"] == number)


def test_schedule_step_says_payments_wait_for_the_draft_to_be_approved(
    signed_in_books  # noqa: F811
) -> None:
    books, client, _made = signed_in_books
    page = client.get(f"/connections/{books.connection_id}/schedule").get_data(as_text=True)
    drafts = page.index('value="draft"')
    hint = re.search(r'<p class="hint" id="draft-payments">(.*?)</p>', page, re.S)
    assert hint and hint.start() > drafts  # beside the draft choice, in its fieldset
    assert page.rfind("</fieldset>", 0, hint.start()) < drafts
    assert "payments go only once the invoice is approved in Xero" in hint.group(1)


def test_xero_sandbox_refuses_a_payment_against_a_draft_as_xero_does(
    signed_in_books  # noqa: F811
) -> None:
    books, _client, _made = signed_in_books
    p = f"DS{books.company_id}-"
    answer = books.package_api("PUT", "Contacts", json={"Contacts": [{"Name": f"Draft Co {p}"}]})
    contact_id = answer.json()["Contacts"][0]["ContactID"]
    answer = books.package_api("PUT", "Invoices", json={"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": contact_id}, "InvoiceNumber": f"{p}INV-1",
        "Status": "DRAFT", "Date": "2026-10-15", "DueDate": "2026-11-14",
        "LineItems": [{"Description": "Boiler", "Quantity": 1, "UnitAmount": 100,
                       "AccountCode": "200", "TaxType": "OUTPUT2"}]}]})
    assert answer.status_code == 200, answer.text
    invoice_id = answer.json()["Invoices"][0]["InvoiceID"]
    payment = {"Payments": [{"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"},
                             "Amount": 10, "Date": "2026-10-20", "Reference": "Card"}]}

    whole = books.package_api("PUT", "Payments", json=payment)
    assert whole.status_code == 400
    body = whole.json()
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    assert body["Elements"][0]["ValidationErrors"] == [{"Message": REFUSAL}]

    each = books.package_api("PUT", "Payments", json=payment, params={"summarizeErrors": "false"})
    assert each.status_code == 200
    element = each.json()["Payments"][0]
    assert element["StatusAttributeString"] == "ERROR"
    assert element["ValidationErrors"] == [{"Message": REFUSAL}]
    assert not [x for x in books.package_list("Payments") if x.get("Reference") == "Card"]


def test_a_payment_against_a_draft_says_to_approve_it_in_xero_then_retry(
    signed_in_books, worker_process  # noqa: F811
) -> None:
    books, client, _made = signed_in_books
    _drafts(books)
    p = f"DP{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Draft Drains {p}"),
                    _invoice(f"{p}I1", f"{p}INV-12", f"{p}C1"),
                    _payment(f"{p}P1", f"{p}C1", f"{p}I1", 120.00)])
    worker_process()
    _send_and_wait(books)
    assert _xero_invoice(books, f"{p}INV-12")["Status"] == "DRAFT"

    payment = _transfer(books, "payment", f"{p}P1")
    assert payment.state == "failed" and payment.reason == "invoice_draft"
    assert payment.explanation.startswith(f"{p}INV-12 is a draft in Xero")
    assert payment.fix_hint == f"Approve {p}INV-12 in Xero, then press Retry."
    assert REFUSAL in payment.package_message  # Xero's own words kept for support
    page = client.get(f"/records/{payment.id}").get_data(as_text=True)
    assert f"{p}INV-12 is a draft in Xero" in page
    assert "Approve" in page and "then press Retry" in page

    # The bookkeeper approves the invoice in Xero, then presses Retry: the payment goes.
    invoice_id = _xero_invoice(books, f"{p}INV-12")["InvoiceID"]
    approved = books.package_api("POST", f"Invoices/{invoice_id}",
                          json={"Invoices": [{"InvoiceID": invoice_id, "Status": "AUTHORISED"}]})
    assert approved.status_code == 200, approved.text
    answer = client.post(f"/records/{payment.id}/retry", headers=HX,
                         data={"csrf_token": page_token(client, f"/records/{payment.id}")})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    run = books.wait_for_run(_latest_run(books).id, timeout=90)
    assert run["status"] == "finished", run
    assert _transfer(books, "payment", f"{p}P1").state == "sent"
    assert _xero_invoice(books, f"{p}INV-12")["Status"] == "PAID"


    # Xero says the same words for an invoice paid there by hand: that one is not a draft.
    books.post_all([_invoice(f"{p}I2", f"{p}INV-13", f"{p}C1")])
    _send_and_wait(books)
    second_id = _xero_invoice(books, f"{p}INV-13")["InvoiceID"]
    books.package_api("POST", f"Invoices/{second_id}", json={"Status": "AUTHORISED"})
    by_hand = books.package_api("PUT", "Payments", json={"Payments": [{
        "Invoice": {"InvoiceID": second_id}, "Account": {"Code": "090"}, "Amount": 120,
        "Date": "2026-10-20", "Reference": "By hand"}]})
    assert by_hand.status_code == 200, by_hand.text
    books.post_all([_payment(f"{p}P2", f"{p}C1", f"{p}I2", 120.00)])
    _send_and_wait(books)
    again = _transfer(books, "payment", f"{p}P2")
    assert again.state == "failed" and again.reason == "amount_exceeds_due", again.explanation
    assert "draft" not in again.explanation


def test_a_receipt_partly_against_a_draft_is_not_offered_as_a_retry(
    signed_in_books, worker_process  # noqa: F811
) -> None:
    books, _client, _made = signed_in_books
    _drafts(books)
    p = f"DQ{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Half Draft {p}"),
                    _invoice(f"{p}I1", f"{p}INV-21", f"{p}C1"),
                    _invoice(f"{p}I2", f"{p}INV-22", f"{p}C1")])
    worker_process()
    _send_and_wait(books)
    first = _xero_invoice(books, f"{p}INV-21")["InvoiceID"]
    assert books.package_api("POST", f"Invoices/{first}", json={"Status": "AUTHORISED"}).ok
    books.post_all([("payments", {
        "source_id": f"{p}P1", "customer_source_id": f"{p}C1", "date": "2026-10-25",
        "amount": 240.00, "bank_account": "bank", "reference": f"Card {p}P1",
        "allocations": [{"invoice_source_id": f"{p}I1", "amount": 120.00},
                        {"invoice_source_id": f"{p}I2", "amount": 120.00}]})])
    _send_and_wait(books)

    payment = _transfer(books, "payment", f"{p}P1")
    assert payment.state == "failed" and payment.reason == "payment_partly_sent"
    assert "Part of this payment reached Xero" in payment.explanation
    assert "Retry would duplicate" in payment.fix_hint
