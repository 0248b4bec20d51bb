"""One record's page: fields, lines and totals, history, attempts, the fix and its link, and the
actions (Retry, do not send and undo, Done for a change by hand) with refusals in words."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Attempt, Run, Transfer, TransferEvent
from tests.records.conftest import HX


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _post(books, transfer_id: int, action: str, hx: bool = True, **form):
    token = books.token(f"/records/{transfer_id}")
    return books.client.post(f"/records/{transfer_id}/{action}",
                             data={"csrf_token": token, **form}, headers=HX if hx else {})


@pytest.fixture
def failed_invoice(books):
    smith = books.customer(name="A. Smith Plumbing")
    body = books.invoice(smith, number="INV-3381", reference="Job 77")
    tid = books.transfer_id("invoice", body["source_id"])
    books.set_state(tid, "failed", reason="account_unknown",
                    explanation="Account code 4000 does not exist in Xero.",
                    fix_hint="Map the account to an active Xero account on the Mapping page, "
                             "then press Retry.",
                    package_message='{"Message": "Account code \'4000\' is not a valid code"}')
    return tid


def test_detail_shows_the_record_lines_totals_and_history(books, failed_invoice, app):
    answer = books.client.get(f"/records/{failed_invoice}")
    assert answer.status_code == 200 and "HX-Request" in answer.headers["Vary"]
    html = answer.get_data(as_text=True)
    text = _text(html)
    assert "<h1>Invoice INV-3381</h1>" in html
    assert "A. Smith Plumbing" in text and "Job 77" in text and "01/03/2026" in text
    # Lines with their amounts, worked out by app/money.py: 45 + 2 x 22.50, VAT at 20%.
    assert "Boiler service" in text and "Valve" in text
    assert re.search(r"Net £90\.00 VAT £18\.00 Total £108\.00", text)
    assert "Account code 4000 does not exist in Xero." in text
    assert "What to do: Map the account to an active Xero account" in text
    assert "Message from Xero, for support" in text and "is not a valid code" in text
    # The link to the fix goes to the mapping page when that page exists.
    with app.test_request_context():
        from app.dashboard.phrases import fix_url

        mapping = fix_url("mapping.index", connection_id=books.connection_id)
    if mapping:
        assert f'href="{mapping}"' in html
    # History: received through the API.
    assert "received from the job system" in text
    # The customer's own record is one click away.
    customer_tid = books.transfer_id("customer", _source(books, failed_invoice))
    assert f'href="/records/{customer_tid}"' in html
    assert "Nothing has been sent to Xero for this record yet." in text


def _source(books, transfer_id: int) -> str:
    def _find() -> str:
        from app.models import Document

        t = db.session.get(Transfer, transfer_id)
        return db.session.get(Document, t.record_id).customer.source_id
    return books.data(_find)


def test_attempts_are_listed_with_request_and_response(books, failed_invoice):
    def _add() -> None:
        t = db.session.get(Transfer, failed_invoice)
        run = Run(company_id=t.company_id, connection_id=t.connection_id, trigger="manual")
        db.session.add(run)
        db.session.flush()
        db.session.add(Attempt(transfer_id=t.id, run_id=run.id, attempt_id="a1",
                               outcome="rejected",
                               request="PUT /Invoices\nAuthorization: [redacted]\n\n{...}",
                               response="400\n\n{\"ErrorNumber\": 10}"))
        db.session.commit()
    books.data(_add)
    html = books.client.get(f"/records/{failed_invoice}").get_data(as_text=True)
    assert "<summary>What we sent</summary><pre>PUT /Invoices\nAuthorization: [redacted]" in html
    assert "<summary>What Xero answered</summary><pre>400" in html
    assert "&#34;ErrorNumber&#34;: 10" in html or "&quot;ErrorNumber&quot;: 10" in html


def test_retry_moves_a_failure_to_pending_and_starts_a_run(books, failed_invoice):
    answer = _post(books, failed_invoice, "retry")
    assert answer.status_code == 200 and "HX-Request" in answer.headers["Vary"]
    body = answer.get_data(as_text=True)
    assert "<html" not in body and 'id="transfer-status"' in body
    # Only this invoice and the customer it needs go (the customer never went either).
    assert "Sending invoice INV-3381 and its customer A. Smith Plumbing. If it fails" in body
    assert re.search(r'id="transfer-history"[^>]*hx-swap-oob="true"', body)
    assert not re.search(r'id="transfer-status"[^>]*hx-swap-oob', body)
    assert "retry requested" in body
    assert books.state(failed_invoice) == "pending"
    runs = books.data(lambda: [r.trigger for r in db.session.execute(
        db.select(Run).filter_by(connection_id=books.connection_id)).scalars()])
    assert runs == ["retry"]
    # Retrying again is refused in words, and nothing changes.
    again = _post(books, failed_invoice, "retry").get_data(as_text=True)
    assert "Only failed records can be retried; this one is waiting to be sent." in again
    assert books.state(failed_invoice) == "pending"


def test_do_not_send_and_undo(books, failed_invoice):
    body = _post(books, failed_invoice, "do-not-send").get_data(as_text=True)
    assert "Records that depend on this one will wait." in body
    assert books.state(failed_invoice) == "do_not_send"
    assert "Undo: send it after all" in body
    body = _post(books, failed_invoice, "send-after-all").get_data(as_text=True)
    assert books.state(failed_invoice) == "pending"
    assert "It will go with the next Send Data" in body
    books.set_state(failed_invoice, "sent")
    body = _post(books, failed_invoice, "do-not-send").get_data(as_text=True)
    assert "Only records that have not reached the package can be held back" in body
    assert books.state(failed_invoice) == "sent"
    body = _post(books, failed_invoice, "send-after-all").get_data(as_text=True)
    assert "Only records marked as do not send by a person can be released." in body


def test_children_of_a_do_not_send_record_say_they_wait(books, failed_invoice, data):
    from tests.ui import add_payment, add_transfer

    def _invoice_id() -> int:
        return db.session.get(Transfer, failed_invoice).record_id
    pay = data(add_payment, books.company_id, books.data(_invoice_id), "PAY-912", "108.00")
    child = data(add_transfer, books.company_id, books.connection_id, pay + 10_000, "blocked",
                 record_type="payment", blocked_by_id=failed_invoice,
                 explanation="Invoice INV-3381 is marked do not send, so this record cannot "
                             "go either.")
    html = books.client.get(f"/records/{failed_invoice}").get_data(as_text=True)
    assert "1 record waits for this one" in _text(html)
    assert f'href="/records/{child}"' in html
    child_html = books.client.get(f"/records/{child}").get_data(as_text=True)
    assert "is marked do not send, so this record cannot go either" in child_html
    assert f'href="/records/{failed_invoice}"' in child_html
    assert "Open the record it waits for" in child_html


def test_needs_manual_update_shows_the_diff_and_done(books):
    smith = books.customer(name="A. Smith Plumbing")
    body = books.invoice(smith, number="INV-3302")
    tid = books.transfer_id("invoice", body["source_id"])

    def _send() -> None:  # as the engine leaves it: sent, with a snapshot of what went
        from app.records.snapshot import load_record, snapshot

        t = db.session.get(Transfer, tid)
        t.state, t.external_id = "sent", "xero-1"
        t.sent_snapshot = snapshot("invoice", load_record("invoice", t.record_id))
        db.session.commit()
    books.data(_send)
    edited = dict(body)
    edited["lines"] = [dict(body["lines"][0]), dict(body["lines"][1], unit_price=27.5)]
    books.api("/invoices", edited)
    assert books.state(tid) == "needs_manual_update"

    text = _text(books.client.get(f"/records/{tid}").get_data(as_text=True))
    assert "Line 2 price £22.50 £27.50" in text
    assert "Total £108.00 £120.00" in text
    assert "Done in Xero" in text
    answer = _post(books, tid, "done")
    assert "Marked as done." in answer.get_data(as_text=True)
    assert books.state(tid) == "sent"
    refused = _post(books, tid, "done").get_data(as_text=True)
    assert "There is no change waiting to be made by hand for this record." in refused


def test_plain_form_posts_redirect_or_say_409(books, failed_invoice):
    answer = _post(books, failed_invoice, "do-not-send", hx=False)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        f"/records/{failed_invoice}")
    page = books.client.get(f"/records/{failed_invoice}").get_data(as_text=True)
    assert "Records that depend on this one will wait." in page
    refused = _post(books, failed_invoice, "retry", hx=False)
    assert refused.status_code == 409
    assert "Only failed records can be retried" in refused.get_data(as_text=True)


def test_actions_need_csrf_and_a_known_action(books, failed_invoice):
    answer = books.client.post(f"/records/{failed_invoice}/retry", headers=HX)
    assert answer.status_code == 400
    assert books.state(failed_invoice) == "failed"
    assert _post(books, failed_invoice, "delete").status_code == 404


def test_dashboard_rows_link_to_the_record_and_act_in_place(books, failed_invoice):
    html = books.client.get("/").get_data(as_text=True)
    assert f'<a class="record-title" href="/records/{failed_invoice}">Invoice INV-3381</a>' in html
    assert f'hx-post="/records/{failed_invoice}/retry"' in html
    answer = _post(books, failed_invoice, "retry", view="row")
    body = answer.get_data(as_text=True)
    assert f'id="transfer-{failed_invoice}-actions"' in body
    assert "Sending invoice INV-3381 and its customer A. Smith Plumbing." in body
    assert "transfer-status" not in body
    assert books.state(failed_invoice) == "pending"


def test_history_lists_each_move(books, failed_invoice):
    _post(books, failed_invoice, "do-not-send")
    events = books.data(lambda: [(e.from_state, e.to_state) for e in db.session.execute(
        db.select(TransferEvent).filter_by(transfer_id=failed_invoice)).scalars()])
    assert ("failed", "do_not_send") in events
    text = _text(books.client.get(f"/records/{failed_invoice}").get_data(as_text=True))
    assert "Failed → Do not send" in text


def _status_text(html: str) -> str:
    card = html[html.index('id="transfer-status"'):]
    return _text(card[:card.index("</section>")])


def _map_all(company_id: int, connection_id: int) -> None:
    from app.models import Account, AccountMapping, TaxMapping, TaxRate

    for account in db.session.execute(
            db.select(Account).filter_by(company_id=company_id)).scalars():
        db.session.add(AccountMapping(connection_id=connection_id, account_id=account.id,
                                      package_code="200"))
    for rate in db.session.execute(
            db.select(TaxRate).filter_by(company_id=company_id)).scalars():
        db.session.add(TaxMapping(connection_id=connection_id, tax_rate_id=rate.id,
                                  package_code="OUTPUT2"))
    db.session.commit()


def test_our_own_check_says_one_thing_and_offers_retry_only_once_fixed(books):
    from app.sync.explain import explain_preflight

    smith = books.customer(name="A. Smith")
    body = books.invoice(smith, number="INV-7001")
    tid = books.transfer_id("invoice", body["source_id"])
    why = explain_preflight("unmapped_account", "Xero", {"name": "Sales"})
    books.set_state(tid, "failed", reason=why.reason, explanation=why.text, fix_hint=why.fix)

    text = _status_text(books.client.get(f"/records/{tid}").get_data(as_text=True))
    assert "Ledgerlink’s checks stopped it before it went to Xero" in text
    assert "fix here" not in text and "job system" not in text  # one place to fix it
    assert "Retry would stop at our checks again until the account “Sales” is mapped" in text
    assert f'action="/records/{tid}/retry"' not in books.client.get(
        f"/records/{tid}").get_data(as_text=True)
    # A stale page's Retry is refused with the same words, and the record stays failed.
    refused = _text(_post(books, tid, "retry").get_data(as_text=True))
    assert "Retry would stop at our checks again" in refused
    assert books.state(tid) == "failed"
    # The dashboard row says the same, without a button.
    row = books.client.get("/").get_data(as_text=True)
    assert f'hx-post="/records/{tid}/retry"' not in row
    assert "No Retry yet: it would stop at our checks again." in row

    books.data(_map_all, books.company_id, books.connection_id)
    html = books.client.get(f"/records/{tid}").get_data(as_text=True)
    assert f'action="/records/{tid}/retry"' in html
    assert "Retry would stop" not in html


def test_a_record_to_correct_in_the_job_system_gets_no_retry(books):
    from app.sync.explain import explain_preflight

    books.data(_map_all, books.company_id, books.connection_id)
    smith = books.customer(name="A. Smith")
    body = books.invoice(smith, number="INV-7002", total=999.99)
    tid = books.transfer_id("invoice", body["source_id"])
    why = explain_preflight("totals_mismatch", "Xero", {"computed": "108.00",
                                                        "stated": "999.99"})
    books.set_state(tid, "failed", reason=why.reason, explanation=why.text, fix_hint=why.fix)
    html = books.client.get(f"/records/{tid}").get_data(as_text=True)
    text = _text(html)
    assert "Ledgerlink’s checks stopped it before it went to Xero" in text
    assert "Correct the lines or the total in the job system" in text
    assert "fix here" not in text
    assert "the record itself must be corrected in the job system" in text
    assert f'action="/records/{tid}/retry"' not in html


def test_changed_after_sending_in_words_with_the_package_page_and_paid_warning(books):
    from tests.api.conftest import payment

    smith = books.customer(name="A. Smith Plumbing")
    body = books.invoice(smith, number="INV-3303")
    tid = books.transfer_id("invoice", body["source_id"])
    paid = payment(smith, [(body["source_id"], 54.00)], reference="PAY-1")
    books.api("/payments", paid)
    pay_tid = books.transfer_id("payment", paid["source_id"])

    def _send() -> None:  # both in Xero, as the engine leaves them
        from app.records.snapshot import load_record, snapshot

        t = db.session.get(Transfer, tid)
        t.state, t.external_id = "sent", "3f2a-inv"
        t.sent_snapshot = snapshot("invoice", load_record("invoice", t.record_id))
        p = db.session.get(Transfer, pay_tid)
        p.state, p.external_id = "sent", "9c1b-pay"
        db.session.commit()
    books.data(_send)
    edited = dict(body)
    edited["lines"] = [dict(body["lines"][0], description="Boiler service (annual)"),
                       dict(body["lines"][1], quantity=1.5, account="sales"),
                       {"description": "Call-out", "quantity": 1, "unit_price": 30,
                        "account": "sales", "tax_rate": "standard"}]
    books.api("/invoices", edited)
    assert books.state(tid) == "needs_manual_update"

    for page in (f"/records/{tid}", "/"):
        html = books.client.get(page).get_data(as_text=True)
        text = _text(html)
        assert "Line 1 description" in text and "Boiler service (annual)" in text
        assert "lines[" not in html
        assert re.search(r"Line 2 quantity ?:? 2 (→ )?1\.5\b", text)
        assert "1.5000" not in text
        assert re.search(r"Line 2 account ?:? Materials sales (→ )?Sales", text)
        assert re.search(r"Line 3 price ?:? \(empty\) (→ )?£30\.00", text)
        assert re.search(r"VAT total ?:? £18\.00 (→ )?£", text)
        assert "Tax" not in text and "materials_sales" not in text
        # Lines first, then the totals they make.
        assert text.index("Line 3 VAT rate") < text.index("VAT total")
        # Already paid in Xero through the payment we sent: warned before they change it.
        assert "This invoice is already paid in Xero: £54.00 (£54.00 on 10/03/2026)" in text
        # The record's own page in Xero, one click away.
        assert ('href="https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=3f2a-inv"'
                in html)
        assert "Open in Xero" in text


def test_every_sent_record_links_to_its_package_page(books):
    smith = books.customer(name="A. Smith Plumbing")
    cid = books.transfer_id("customer", smith)
    books.set_state(cid, "sent", external_id="c0ffee")
    html = books.client.get(f"/records/{cid}").get_data(as_text=True)
    assert 'href="https://go.xero.com/Contacts/View/c0ffee"' in html
    pending = books.invoice(smith, number="INV-3304")
    html = books.client.get(
        f"/records/{books.transfer_id('invoice', pending['source_id'])}").get_data(as_text=True)
    assert "Open in Xero" not in html  # not there yet: nothing to open


def test_a_linked_contact_says_linked_and_a_payment_names_its_bank_account(books):
    from tests.api.conftest import payment

    smith = books.customer(name="A. Smith Plumbing")
    tid = books.transfer_id("customer", smith)

    def _link() -> None:
        from app.records.snapshot import load_record
        from app.sync.linking import link_transfer

        t = db.session.get(Transfer, tid)
        link_transfer(t, load_record("customer", t.record_id), "c-42",
                      "linked to A Smith Plumbing in Xero by someone")
        db.session.commit()
    books.data(_link)
    for page in (f"/records/{tid}", "/records"):
        html = books.client.get(page).get_data(as_text=True)
        assert '<span class="badge badge-sent">Linked</span>' in html, page
        assert '<span class="badge badge-sent">Sent</span>' not in html, page
    assert "Linked to the contact already in Xero" in _text(
        books.client.get(f"/records/{tid}").get_data(as_text=True))

    body = books.invoice(smith, number="INV-3310")
    paid = payment(smith, [(body["source_id"], 54.00)])
    books.api("/payments", paid)
    text = _text(books.client.get(
        f"/records/{books.transfer_id('payment', paid['source_id'])}").get_data(as_text=True))
    assert "Paid into Bank current account" in text and "Paid into bank " not in text
