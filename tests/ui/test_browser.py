"""A real browser against the app over HTTP: sign in, read the dashboard, watch Send Data
progress poll and stop. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import os
import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Transfer, utcnow
from tests.helpers import watched_page
from tests.ui import (
    add_connection,
    add_invoice,
    add_payment,
    add_run,
    add_transfer,
    map_account,
    update_run,
)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser smoke test needs Chromium at /usr/bin/chromium (apt-get install chromium)",
)


def _seed(app, company_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A company mid-way through a day: some sent, problems to fix, a run under way."""
    with app.app_context():
        conn = add_connection(company_id, tenant_name="Acme Heating Ltd (UK)",
                              schedule="automatic", cutoff_date=date(2026, 4, 1),
                              next_run_at=utcnow() + timedelta(hours=2))
        for key in ("sales", "bank", "callout_fees"):
            map_account(company_id, conn, key)
        for n in range(3):
            add_transfer(company_id, conn,
                         add_invoice(company_id, f"INV-40{n}", "Boiler Co", "materials_sales"),
                         "pending")
        archived = add_invoice(company_id, "INV-3381", "A. Smith")
        failed = add_transfer(
            company_id, conn, archived, "failed", reason="contact_archived",
            explanation="A. Smith was archived in Xero after we created them, so Xero "
                        "refuses new invoices for them.",
            fix_hint="Restore the contact in Xero, or link this customer to another contact, "
                     "then send again.",
            package_message="The contact with the specified contact details has been "
                            "archived. The contact must be un-archived before creating new "
                            "invoices or credit notes.")
        payment = add_payment(company_id, archived, "PAY-912", "1080.00")
        add_transfer(company_id, conn, payment, "blocked", record_type="payment",
                     blocked_by_id=failed)
        edited = add_invoice(company_id, "INV-3302", "J. Patel",
                             lines=(("1", "45.00"), ("1", "55.00")))
        add_transfer(company_id, conn, edited, "needs_manual_update",
                     explanation="This invoice was edited in the job system after it was sent.",
                     changes=[{"field": "lines[2].unit_price", "old": "45.00", "new": "55.00"},
                              {"field": "total", "old": "108.00", "new": "120.00"}])
        pending_ids = []
        for n in range(6):
            pending_ids.append(add_transfer(company_id, conn, 70000 + n, "pending",
                                            record_type="customer"))
        for n in range(4):
            add_transfer(company_id, conn, 80000 + n, "sent", record_type="customer")
        add_run(company_id, conn, trigger="schedule", status="finished", total=121, sent=118,
                failed=3, started_at=utcnow() - timedelta(hours=1),
                finished_at=utcnow() - timedelta(minutes=58))
        run = add_run(company_id, conn, trigger="manual", status="running", total=640,
                      sent=400, failed=12, started_at=utcnow())
    return {"connection": conn, "run": run, "first_pending": pending_ids[0]}


def test_sign_in_and_watch_send_data(app, live_url, make_company):
    from playwright.sync_api import expect, sync_playwright

    made = make_company(name="Acme Heating Ltd")
    seeded = _seed(app, made.company_id)
    ARTIFACTS.mkdir(exist_ok=True)
    progress_polls: list[str] = []
    problems: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = watched_page(browser, problems)
            page.on("request", lambda r: progress_polls.append(r.url)
                    if "/progress" in r.url else None)

            page.goto(f"{live_url}/login")
            page.screenshot(path=str(ARTIFACTS / "login.png"))
            page.get_by_label("Email").fill(made.email)
            page.get_by_label("Password").fill(made.password)
            page.get_by_role("button", name="Sign in").click()

            expect(page.get_by_role("heading", name="Needs your attention")).to_be_visible()
            expect(page.get_by_text("1 account is not mapped to Xero account codes"))\
                .to_be_visible()
            expect(page.get_by_text("Sending 412 of 640…")).to_be_visible()
            expect(page.get_by_text("Invoice INV-3381", exact=True)).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

            # The progress fragment polls itself: a worker's progress shows without a reload.
            with app.app_context():
                update_run(seeded["run"], sent=500)
            expect(page.get_by_text("Sending 512 of 640…")).to_be_visible(timeout=5000)

            # The run ends: the outcome shows, polling stops, and the counts refresh.
            with app.app_context():
                db.session.get(Transfer, seeded["first_pending"]).state = "sent"
                db.session.commit()
                update_run(seeded["run"], status="finished", sent=628, finished_at=utcnow())
            expect(page.get_by_text(re.compile(r"Finished today \d\d:\d\d: 628 sent, 12 failed")))\
                .to_be_visible(timeout=5000)
            expect(page.locator(".tile-sent .tile-number")).to_have_text("5", timeout=5000)
            expect(page.get_by_role("button", name="Send Data")).to_be_enabled()
            polls_when_done = len(progress_polls)
            time.sleep(2.5)
            assert len(progress_polls) == polls_when_done, "still polling after the run ended"
            page.screenshot(path=str(ARTIFACTS / "dashboard-after-run.png"), full_page=True)

            page.set_viewport_size({"width": 420, "height": 900})
            page.screenshot(path=str(ARTIFACTS / "dashboard-narrow.png"), full_page=True)
            page.get_by_text("Message from Xero, for support").click()
            expect(page.get_by_text("must be un-archived")).to_be_visible()
        finally:
            browser.close()
    assert problems == []
    assert os.path.getsize(ARTIFACTS / "dashboard.png") > 10_000
