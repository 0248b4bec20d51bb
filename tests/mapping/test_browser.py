"""A real browser maps an unmapped account through the picker; the screenshot is the README's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import browser_sign_in, watched_page
from tests.mapping.conftest import add_member, code_of, run_in, unmap

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium")


def test_map_an_unmapped_account_in_the_browser(app, live_url, connected_books, worker_process):
    from playwright.sync_api import expect, sync_playwright

    books = connected_books()
    worker_process()
    run_in(app, unmap, books.connection_id, books.company_id, "callout_fees")
    run_in(app, unmap, books.connection_id, books.company_id, "expenses")  # nothing waits on it
    books.post_all([
        ("customers", {"source_id": "C1", "name": "A. Smith"}),
        *[("invoices", {"source_id": f"I{n}", "number": f"INV-{n}", "customer_source_id": "C1",
                        "date": "2026-11-01", "amounts_are": "exclusive",
                        "lines": [{"description": "Emergency call-out", "quantity": 1,
                                   "unit_price": 95, "account": "callout_fees",
                                   "tax_rate": "standard"}]}) for n in (1, 2)],
    ])
    books.wait_for_run(books.send()["id"])
    email, password = add_member(app, books.company_id, "bookkeeper")
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = watched_page(browser, problems)
            browser_sign_in(page, live_url, email, password)
            page.get_by_role("link", name="Mapping", exact=True).click()

            row = page.locator("#map-account-callout_fees")
            expect(row.get_by_text("Not mapped: 2 invoices waiting")).to_be_visible()
            picker = row.get_by_label("Xero code for Call-out fees")
            expect(picker).to_be_enabled(timeout=10_000)  # the lists arrived by HTMX
            expect(page.get_by_text("2 accounts are not mapped to Xero yet.")).to_be_visible()

            picker.select_option("260")
            row.get_by_role("button", name="Save").click()
            row = page.locator("#map-account-callout_fees")
            expect(row.get_by_text("Saved: “Call-out fees” goes to Xero as 260 Other Revenue."))\
                .to_be_visible()
            expect(row.get_by_text("2 invoices waiting on it will go with the next send"))\
                .to_be_visible()
            expect(page.get_by_text("1 account is not mapped to Xero yet.")).to_be_visible()
            expect(page.locator("#map-account-expenses").get_by_text("Not mapped"))\
                .to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "mapping.png"), full_page=True)

            assert problems == []
            row.get_by_role("button", name="Send Data now").click()
            page.wait_for_url("**/runs/*/progress")
            run_id = int(page.url.rstrip("/").split("/")[-2])
        finally:
            browser.close()
    assert books.wait_for_run(run_id)["status"] == "finished"
    assert sorted(t.state for t in books.transfers() if t.record_type == "invoice") == \
        ["sent", "sent"]
    assert run_in(app, code_of, books.connection_id, books.company_id, "callout_fees") == "260"
