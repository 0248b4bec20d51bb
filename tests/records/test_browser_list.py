"""In a real browser: the records list's filters survive Back (issue 7, item 14), and a count
tile on the dashboard opens the list filtered to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import browser_sign_in, watched_page
from tests.ui import add_connection, add_invoice, add_transfer
from tests.ui.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Chromium at /usr/bin/chromium")


def test_filters_survive_back_and_tiles_click_through(app, live_url, make_company):
    from playwright.sync_api import expect, sync_playwright

    made = make_company(name="Back Button Ltd")
    with app.app_context():
        conn = add_connection(made.company_id, tenant_name="Back Org")
        for n, state in enumerate(("failed", "failed", "sent", "pending")):
            add_transfer(made.company_id, conn,
                         add_invoice(made.company_id, f"INV-B{n}", "Backs Co"), state)
        add_transfer(made.company_id, conn, 990_001, "failed", record_type="customer")

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = watched_page(browser, problems)
            browser_sign_in(page, live_url, made.email, made.password)
            # The Failed tile opens the list of the failed ones.
            page.locator("a.tile-failed").click()
            expect(page).to_have_url(re.compile(r"/records\?state=failed$"))
            expect(page.get_by_label("State")).to_have_value("failed")
            expect(page.locator(".record-link")).to_have_count(3)

            page.get_by_label("Type").select_option("invoice")
            expect(page).to_have_url(re.compile(r"state=failed&type=invoice"))
            expect(page.locator(".record-link")).to_have_count(2)
            page.get_by_label("State").select_option("sent")
            expect(page).to_have_url(re.compile(r"state=sent&type=invoice"))
            expect(page.locator(".record-link")).to_have_count(1)

            # Back: the pickers and the results are those of the address, not the last choice.
            page.go_back()
            expect(page).to_have_url(re.compile(r"state=failed&type=invoice"))
            expect(page.get_by_label("State")).to_have_value("failed")
            expect(page.get_by_label("Type")).to_have_value("invoice")
            expect(page.locator(".record-link")).to_have_count(2)
            page.go_back()
            expect(page).to_have_url(re.compile(r"/records\?state=failed$"))  # the tile's link
            expect(page.get_by_label("State")).to_have_value("failed")
            expect(page.get_by_label("Type")).to_have_value("")
            expect(page.locator(".record-link")).to_have_count(3)

            # Into a record and Back again: still the failed ones.
            page.locator(".record-link").first.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Customer #990001")
            page.go_back()
            expect(page.get_by_label("State")).to_have_value("failed")
            expect(page.locator(".record-link")).to_have_count(3)
            page.go_forward()
            page.go_back()
            expect(page.get_by_label("State")).to_have_value("failed")
            expect(page.locator(".record-link")).to_have_count(3)

            # Bulk Retry from the filtered list, confirmed in the browser's dialog.
            asked: list[str] = []

            def _confirm(dialog) -> None:  # type: ignore[no-untyped-def]
                asked.append(dialog.message)
                dialog.accept()

            page.once("dialog", _confirm)
            page.get_by_role("button", name="Retry the 3 failed records listed").click()
            expect(page.locator(".bulk-said")).to_have_text("Retried 3 records.")
            assert asked == ["Retry the 3 failed records listed?"]
            expect(page.get_by_text("No records match these filters.")).to_be_visible()
        finally:
            browser.close()
    assert not problems, problems
