"""In a real browser: lost access said once with a sign drawn by the page (not a font's
symbol), two Xero organisations told apart, and a changed-after-sending row in words with its
Open in Xero link. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import browser_sign_in, watched_page
from tests.ui import add_connection, add_invoice, add_transfer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Chromium at /usr/bin/chromium")


def test_dashboard_words_in_a_browser(app, live_url, make_company):
    from playwright.sync_api import expect, sync_playwright

    made = make_company(name="Acme Group")
    with app.app_context():
        cid = made.company_id
        add_connection(cid, tenant_name="Acme Heating Ltd", status="reconnect_needed",
                       status_detail="Xero no longer accepts Ledgerlink's access: invalid_grant")
        plumbing = add_connection(cid, tenant_name="Acme Plumbing Ltd")
        inv = add_invoice(cid, "INV-3302", "J. Patel")
        add_transfer(cid, plumbing, inv, "needs_manual_update", external_id="inv-77",
                     changes=[{"field": "lines[1].unit_price", "old": "45.00", "new": "55.00"},
                              {"field": "lines[1].quantity", "old": "1", "new": "1.5000"}])
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = watched_page(browser, problems)
            browser_sign_in(page, live_url, made.email, made.password)
            banner = page.locator(".banner-danger")
            expect(banner).to_have_count(1)
            expect(banner).to_contain_text(
                "Xero has stopped accepting Ledgerlink’s access to Acme Heating Ltd. "
                "Reconnect to carry on; nothing is lost.")
            expect(banner).not_to_contain_text("invalid_grant")
            # The sign is drawn by CSS: it has a size and a colour, and no text to go missing.
            icon = banner.locator(".banner-icon")
            box = icon.bounding_box()
            assert box and box["width"] > 8 and box["height"] > 8
            assert icon.inner_text() == ""
            expect(page.locator(".counts-title")).to_have_text(
                ["Xero · Acme Heating Ltd", "Xero · Acme Plumbing Ltd"])
            row = page.locator(".attention tr", has_text="INV-3302")
            expect(row).to_contain_text("to Xero · Acme Plumbing Ltd")
            expect(row).to_contain_text("Line 1 price: £45.00 → £55.00")
            expect(row).to_contain_text("Line 1 quantity: 1 → 1.5")
            expect(row.get_by_role("link", name="Open in Xero")).to_have_attribute(
                "href", "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=inv-77")
            page.screenshot(path=str(ARTIFACTS / "dashboard-words.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 900})
            page.screenshot(path=str(ARTIFACTS / "dashboard-words-390.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
