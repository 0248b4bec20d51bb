"""The dashboard: counts by state, what needs attention, problems first, and company isolation."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from app.models import (
    utcnow,
)
from tests.ui import (
    add_connection,
    add_invoice,
    add_payment,
    add_run,
    add_transfer,
    map_account,
    map_everything,
    runs_of,
    sign_in,
    tile,
    update_run,
)

HX = {"HX-Request": "true"}


@pytest.fixture
def signed_in(client, make_company):
    made = make_company(name="Acme Heating Ltd")
    sign_in(client, made.email, made.password)
    return made


def test_counts_by_state(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid)
    wanted = {"pending": 3, "blocked": 1, "sending": 2, "sent": 5, "failed": 4,
              "needs_manual_update": 2, "do_not_send": 1}
    record_id = 1000
    for state, n in wanted.items():
        for _ in range(n):
            record_id += 1
            data(add_transfer, cid, conn, record_id, state)
    html = client.get("/").get_data(as_text=True)
    for state, n in wanted.items():
        assert tile(html, state) == n, state
    assert "Change by hand" in html
    assert "Do not send" in html


def test_connection_card(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid, schedule="automatic", cutoff_date=date(2026, 4, 1))
    data(add_connection, cid, schedule="manual")
    data(add_run, cid, conn, trigger="schedule", status="finished", total=121, sent=118,
         failed=3, finished_at=utcnow())
    html = client.get("/").get_data(as_text=True)
    assert "Xero" in html and "Demo Org" in html
    assert "Automatic every 2 hours" in html
    assert "cut-off 01/04/2026" in html
    assert "118 sent, 3 failed" in html
    assert "Manual: records go only when you press Send Data" in html
    assert html.count(">Send Data</button>") == 2


def test_needs_attention_rows_say_what_and_why(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid)
    data(map_everything, cid, conn)
    inv = data(add_invoice, cid, "INV-3381", "A. Smith")
    failed = data(add_transfer,
        cid, conn, inv, "failed",
        explanation="A. Smith was archived in Xero after we created them, so Xero refuses "
                    "new invoices for them.",
        fix_hint="Restore the contact in Xero, or link this customer to another contact.",
        package_message='{"ErrorNumber": 10, "Message": "The contact has been archived"}')
    pay = data(add_payment, cid, inv, "PAY-912", "1080")
    data(add_transfer, cid, conn, pay, "blocked", record_type="payment", blocked_by_id=failed)
    edited = data(add_invoice, cid, "INV-3302", "J. Patel")
    data(add_transfer, cid, conn, edited, "needs_manual_update",
                 changes=[{"field": "lines[2].unit_price", "old": "45.00", "new": "55.00"}])

    html = client.get("/").get_data(as_text=True)
    assert "Invoice INV-3381" in html
    assert "A. Smith · £240.00" in html  # 2 x £100 plus VAT at 20%
    assert "archived in Xero after we created them" in html
    assert "Restore the contact in Xero" in html
    assert "<summary>Message from Xero, for support</summary>" in html
    assert "The contact has been archived" in html
    assert "Payment PAY-912" in html and "£1,080.00" in html
    assert "Waits for Invoice INV-3381" in html
    assert "Line 2 price" in html and "<del>£45.00</del>" in html and "<ins>£55.00</ins>" in html
    # Failed first, then changes by hand, then blocked.
    assert html.index("INV-3381") < html.index("INV-3302") < html.index("PAY-912")


def test_attention_is_capped_at_50_with_a_count_of_the_rest(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid)
    for n in range(55):
        data(add_transfer, cid, conn, 5000 + n, "failed", record_type="customer",
                     explanation=f"problem number {n}")
    html = client.get("/").get_data(as_text=True)
    assert html.count('class="row-failed"') == 50
    assert "…and 5 more not shown here" in html


def test_unmapped_accounts_that_records_wait_on_come_first(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid)
    # Only "sales" is mapped: invoices on materials and call-out fees cannot go.
    data(map_account, cid, conn, "sales")
    waiting = [("M-1", "materials_sales", "pending"), ("M-2", "materials_sales", "pending"),
               ("M-3", "materials_sales", "pending"), ("F-1", "callout_fees", "failed"),
               ("S-1", "sales", "pending")]
    for number, account, state in waiting:
        invoice = data(add_invoice, cid, number, "Boiler Co", account)
        data(add_transfer, cid, conn, invoice, state)

    html = client.get("/").get_data(as_text=True)
    text = re.sub(r"\s+", " ", html)
    assert "2 accounts are not mapped to Xero account codes" in text
    assert "4 invoices wait on “Materials sales” and “Call-out fees”" in text
    assert "“Sales”" not in text  # mapped: not a problem
    assert text.index("not mapped") < text.index("Needs your attention")


def test_reconnect_needed_is_shown_apart_and_stops_send(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid, status="reconnect_needed",
                status_detail="Xero no longer accepts Ledgerlink's access: invalid_grant")
    html = re.sub(r"\s+", " ", client.get("/").get_data(as_text=True))
    assert "banner-danger" in html
    # Said once, in words: no package error code, no symbol that a font may lack.
    said = "Xero has stopped accepting Ledgerlink’s access to Demo Org."
    assert html.count(said) == 1
    assert "Reconnect to carry on; nothing is lost." in html
    assert "invalid_grant" not in html and "⛔" not in html
    assert html.count("stopped accepting") == 1
    assert 'disabled title="Reconnect Xero first">Send Data' in html
    refused = client.post(f"/connections/{conn}/send", headers=HX,
                          data={"csrf_token": re.search(r'csrf_token" value="([^"]+)', html)[1]})
    assert "needs reconnecting" in refused.get_data(as_text=True)
    assert data(runs_of, conn) == []


def test_progress_polls_while_running_and_stops_when_finished(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid)
    run = data(add_run, cid, conn, trigger="manual", status="running", total=640, sent=400,
               failed=10, blocked=2)
    url = f"/runs/{run}/progress"

    live = client.get(url, headers=HX)
    body = live.get_data(as_text=True)
    assert live.status_code == 200
    assert "Sending 412 of 640…" in body
    assert 'hx-trigger="every 1s"' in body
    assert '<progress max="640" value="412"' in body
    assert "HX-Request" in live.headers["Vary"]
    assert "<html" not in body

    data(update_run, run, status="finished", sent=626, finished_at=utcnow())
    on_dashboard = HX | {"HX-Current-URL": "http://localhost/"}
    done = client.get(url, headers=on_dashboard)
    body = done.get_data(as_text=True)
    assert done.status_code == 286  # htmx stops polling
    assert done.headers["HX-Trigger"] == "run-finished"
    assert "hx-trigger" not in body
    assert "626 sent, 10 failed, 2 blocked" in body
    assert 'hx-swap-oob="true"' in body  # the card's "last sent" line is refreshed too
    # Pressed on another page (e.g. mapping), there is no card to refresh out of band.
    elsewhere = HX | {"HX-Current-URL": "http://localhost/connections/1/mapping"}
    assert 'hx-swap-oob' not in client.get(url, headers=elsewhere).get_data(as_text=True)

    page = client.get(url)
    assert page.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]


def test_waiting_run_says_until_when(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid)
    run = data(add_run, cid, conn, trigger="manual", status="waiting", total=640, sent=300,
               resume_at=utcnow() + timedelta(minutes=3, seconds=10))
    body = client.get(f"/runs/{run}/progress", headers=HX).get_data(as_text=True)
    assert "Xero asked us to pause" in body
    assert "in about 3 minutes" in body
    assert 'hx-trigger="every 5s"' in body


def test_dashboard_fragment_for_htmx(client, data, signed_in):
    data(add_connection, signed_in.company_id)
    response = client.get("/", headers=HX)
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert 'id="dashboard-live"' in body
    assert 'id="problems" class="problems" hx-swap-oob="true"' in body
    assert "HX-Request" in response.headers["Vary"]
    assert "HX-Request" in client.get("/").headers["Vary"]


def test_send_data_starts_one_run_and_shows_progress(client, data, signed_in):
    cid = signed_in.company_id
    conn = data(add_connection, cid)
    token = re.search(r'csrf_token" value="([^"]+)', client.get("/").get_data(as_text=True))[1]
    response = client.post(f"/connections/{conn}/send", headers=HX, data={"csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    [(run, trigger)] = data(runs_of, conn)
    assert trigger == "manual"
    assert f'hx-get="/runs/{run}/progress"' in body
    assert "Sending…</button>" in body
    # A second click joins the run already under way.
    again = client.post(f"/connections/{conn}/send", data={"csrf_token": token})
    assert again.status_code == 303
    assert again.headers["Location"].endswith(f"/runs/{run}/progress")
    assert len(data(runs_of, conn)) == 1


def test_a_user_never_sees_another_companys_data(client, data, make_company):
    mine, theirs = make_company(name="Mine Ltd"), make_company(name="Theirs Ltd")
    my_conn = data(add_connection, mine.company_id)
    their_conn = data(add_connection, theirs.company_id, tenant_name="Their Secret Org")
    their_inv = data(add_invoice, theirs.company_id, "SECRET-1", "Their Customer",
                     "materials_sales")
    data(add_transfer, theirs.company_id, their_conn, their_inv, "failed",
                 explanation="their private explanation")
    for n in range(7):
        data(add_transfer, theirs.company_id, their_conn, 9000 + n, "sent", record_type="customer")
    data(add_transfer, mine.company_id, my_conn, 9100, "sent", record_type="customer")
    their_run = data(add_run, theirs.company_id, their_conn, trigger="manual",
                     status="running", total=10)

    sign_in(client, mine.email, mine.password)
    html = client.get("/").get_data(as_text=True)
    for secret in ("Theirs Ltd", "Their Secret Org", "SECRET-1", "Their Customer",
                   "their private explanation", "Materials sales"):
        assert secret not in html
    assert tile(html, "sent") == 1
    assert tile(html, "failed") == 0
    fragment = client.get("/", headers=HX).get_data(as_text=True)
    assert "their private explanation" not in fragment

    token = re.search(r'csrf_token" value="([^"]+)', html)[1]
    assert client.get(f"/runs/{their_run}/progress", headers=HX).status_code == 404
    assert client.get(f"/runs/{their_run}/progress").status_code == 404
    assert client.post(f"/connections/{their_conn}/send", headers=HX,
                       data={"csrf_token": token}).status_code == 404
    assert len(data(runs_of, their_conn)) == 1
