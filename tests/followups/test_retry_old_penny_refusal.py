"""Retry of a record an earlier release recorded as failed "totals_differ" without the
package's id (the package had in fact created it, a penny off): it is looked up in the package
first and linked if there, never sent a second time; sent only if it is not there. Real app
over HTTP, a real RQ worker, the Xero sandbox read back through Xero's own API."""

from __future__ import annotations

from tests.sync.test_engine_scenarios import (
    _customer,
    _invoice,
    _invoice_numbers,
    _send_and_wait,
    _transfer,
    _update_transfer,
)
from tests.sync.test_scoped_retry_and_cutoff import (  # noqa: F401  (fixture used here)
    HX,
    _ensure_transfers,
    _latest_run,
    signed_in_books,
)
from tests.ui import page_token

OLD_REFUSAL = {"state": "failed", "reason": "totals_differ", "external_id": None,
               "explanation": "Xero made its total £120.01 where the job system has £120.00."}


def _press_retry(books, client, tid: int) -> dict:  # type: ignore[no-untyped-def]
    answer = client.post(f"/records/{tid}/retry", headers=HX,
                         data={"csrf_token": page_token(client, f"/records/{tid}")})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "looked up in Xero first and linked if it is already there" in \
        answer.get_data(as_text=True)
    return books.wait_for_run(_latest_run(books).id, timeout=90)


def test_retry_of_an_old_penny_refusal_links_the_invoice_already_in_xero(
    signed_in_books, worker_process  # noqa: F811
) -> None:
    books, client, _made = signed_in_books
    p = f"OP{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Penny Pipes {p}"),
                    _invoice(f"{p}I1", f"{p}INV-12", f"{p}C1")])
    worker_process()
    assert _send_and_wait(books)["status"] == "finished"
    in_xero = [i for i in books.package_list("Invoices") if i["InvoiceNumber"] == f"{p}INV-12"]
    assert len(in_xero) == 1
    # As the earlier release left it: failed, no id, though Xero has the invoice.
    _update_transfer(books, "invoice", f"{p}I1", **OLD_REFUSAL)
    tid = _transfer(books, "invoice", f"{p}I1").id

    run = _press_retry(books, client, tid)

    assert run["status"] == "finished", run
    assert _invoice_numbers(books)[f"{p}INV-12"] == 1  # no second invoice
    after = _transfer(books, "invoice", f"{p}I1")
    assert after.state == "sent", (after.state, after.reason, after.explanation)
    assert after.external_id == in_xero[0]["InvoiceID"]


def test_retry_of_an_old_penny_refusal_not_in_xero_sends_it_once(
    signed_in_books, worker_process  # noqa: F811
) -> None:
    books, client, _made = signed_in_books
    p = f"OQ{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Penny Taps {p}"),
                    _invoice(f"{p}I1", f"{p}INV-14", f"{p}C1")])
    _ensure_transfers(books)
    _update_transfer(books, "invoice", f"{p}I1", **OLD_REFUSAL)
    tid = _transfer(books, "invoice", f"{p}I1").id
    worker_process()

    run = _press_retry(books, client, tid)

    assert run["status"] == "finished", run
    assert _invoice_numbers(books)[f"{p}INV-14"] == 1
    after = _transfer(books, "invoice", f"{p}I1")
    assert after.state == "sent" and after.external_id


def test_retry_links_an_invoice_xero_holds_a_penny_off_and_shows_both_figures(
    signed_in_books, worker_process  # noqa: F811
) -> None:
    books, client, _made = signed_in_books
    p = f"OR{books.company_id}-"
    books.post_all([_customer(f"{p}C1", f"Penny Boilers {p}")])
    worker_process()
    assert _send_and_wait(books)["status"] == "finished"
    contact_id = _transfer(books, "customer", f"{p}C1").external_id
    # What Xero made of it before this release: the same £100.00, but VAT rounded per line
    # (3 x £6.67), a penny more than ours.
    made = books.package_api("PUT", "Invoices", json={"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": contact_id}, "InvoiceNumber": f"{p}INV-15",
        "Status": "AUTHORISED", "Date": "2026-10-15", "DueDate": "2026-11-30",
        "LineAmountTypes": "Exclusive",
        "LineItems": [{"Description": "Boiler service", "Quantity": 1, "UnitAmount": unit,
                       "AccountCode": "200", "TaxType": "OUTPUT2"}
                      for unit in (33.33, 33.33, 33.34)]}]})
    assert made.status_code == 200, made.text
    assert made.json()["Invoices"][0]["TotalTax"] == 20.01
    books.post_all([_invoice(f"{p}I1", f"{p}INV-15", f"{p}C1")])
    _ensure_transfers(books)
    _update_transfer(books, "invoice", f"{p}I1", **OLD_REFUSAL)
    tid = _transfer(books, "invoice", f"{p}I1").id

    run = _press_retry(books, client, tid)

    assert run["status"] == "finished", run
    assert _invoice_numbers(books)[f"{p}INV-15"] == 1
    after = _transfer(books, "invoice", f"{p}I1")
    assert after.external_id == made.json()["Invoices"][0]["InvoiceID"]
    assert (after.state, after.reason) == ("needs_manual_update", "totals_differ")
    assert "£20.01" in after.explanation and "£20.00" in after.explanation
