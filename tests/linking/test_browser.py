"""A real browser links a suggested match and confirms the strong ones; the screenshot is the
README's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import browser_sign_in, watched_page
from tests.linking.conftest import add_member, make_xero_contacts

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium")


def test_link_in_the_browser(app, live_url, connected_books):
    from playwright.sync_api import expect, sync_playwright

    books = connected_books()
    make_xero_contacts(books, [
        {"Name": "Bob's Plumbing", "EmailAddress": "bob@bobs.test"},
        {"Name": "Hannah Jones Heating", "EmailAddress": "accounts@hjh.test",
         "Addresses": [{"AddressType": "POBOX", "PostalCode": "M1 2CD"}]},
        {"Name": "Hannah's Hair Salon"},
        {"Name": "Smith & Sons Ltd",
         "Addresses": [{"AddressType": "POBOX", "PostalCode": "BD7 1AA"}]},
    ])
    books.post_all([
        ("customers", {"source_id": "C1", "name": "Bob’s Plumbing Ltd", "email": "bob@bobs.test"}),
        ("customers", {"source_id": "C2", "name": "Smith and Sons",
                       "address": {"postcode": "BD7 1AA"}}),
        ("customers", {"source_id": "C3", "name": "H. Jones Heating",
                       "address": {"postcode": "M1 2CD"}}),
        ("customers", {"source_id": "C4", "name": "Zed Newcomer"}),
        ("suppliers", {"source_id": "S1", "name": "Boiler Parts Direct"}),
    ])
    email, password = add_member(app, books.company_id, "bookkeeper")
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = watched_page(browser, problems)
            browser_sign_in(page, live_url, email, password)
            page.get_by_role("link", name="Linking", exact=True).click()

            # Suggestions arrive by HTMX once Xero's contacts are fetched.
            expect(page.get_by_text("Xero’s contacts as fetched")).to_be_visible(timeout=10_000)
            expect(page.get_by_role("heading", name="Strong matches (2)")).to_be_visible()
            page.get_by_role(
                "button", name="Link H. Jones Heating to Hannah Jones Heating in Xero").click()
            expect(page.get_by_text("Linked: “H. Jones Heating” is “Hannah Jones Heating” in "
                                    "Xero.")).to_be_visible()
            expect(page.get_by_role("heading", name="Linked by hand (1)")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "linking.png"), full_page=True)

            page.get_by_role("button", name="Link the ticked matches").click()
            expect(page.get_by_text("Linked 2 contacts to Xero")).to_be_visible()
            expect(page.get_by_role("heading", name="Linked by hand (3)")).to_be_visible()
            expect(page.get_by_role("heading", name="Waiting to be created in Xero (2)"))\
                .to_be_visible()
            # Unlink one (the browser asks first).
            page.once("dialog", lambda d: d.accept())
            page.locator(".linked-row", has_text="Smith and Sons")\
                .get_by_role("button", name="Unlink").click()
            expect(page.get_by_text("Unlinked: the next Send Data creates “Smith and Sons” as "
                                    "a new contact in Xero.")).to_be_visible()
            assert problems == []
        finally:
            browser.close()
    states = {t.record_type + str(t.record_id): t.state for t in books.transfers()}
    assert sorted(states.values()) == ["pending", "pending", "pending", "sent", "sent"]


def test_a_possible_duplicate_in_the_browser(app, live_url, connected_books, worker_process):
    """Send Data held "J. Patel" (same email as Xero's "Jane Patel"); the bookkeeper sees it at
    the top of the Linking page with the reason, and links it; "Hall & Co" is created anyway."""
    from playwright.sync_api import expect, sync_playwright

    books = connected_books()
    make_xero_contacts(books, [
        {"Name": "Jane Patel", "EmailAddress": "jane@patel.test"},
        {"Name": "Hall and Co Ltd", "EmailAddress": "office@hall.test"},
    ])
    books.post_all([
        ("customers", {"source_id": "C1", "name": "J. Patel", "email": "jane@patel.test"}),
        ("customers", {"source_id": "C2", "name": "Hall & Co", "email": "hall@other.test"}),
    ])
    worker_process()
    assert books.wait_for_run(books.send()["id"])["status"] == "finished"
    email, password = add_member(app, books.company_id, "bookkeeper")
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = watched_page(browser, problems)
            browser_sign_in(page, live_url, email, password)
            page.get_by_role("link", name="Linking", exact=True).click()
            patel = page.locator(".link-row", has_text="J. Patel")
            expect(patel.get_by_text("Possible duplicate: link or create?")).to_be_visible(
                timeout=10_000)
            expect(patel).to_contain_text("Possibly already in Xero as “Jane Patel”")
            held = patel.locator(".sugg-held", has_text="Jane Patel")
            expect(held).to_contain_text("Held back as possibly this one")
            expect(held).to_contain_text("same email (jane@patel.test), name 82% alike")
            page.screenshot(path=str(ARTIFACTS / "linking-possible-duplicate.png"),
                            full_page=True)
            held.get_by_role("button", name="Link J. Patel to Jane Patel in Xero").click()
            expect(page.get_by_text("Linked: “J. Patel” is “Jane Patel” in Xero.")).to_be_visible()

            hall = page.locator(".link-row", has_text="Hall & Co")
            hall.get_by_role("button", name="Create it anyway").click()
            expect(page.get_by_text("Will be created: the next Send Data creates “Hall & Co” "
                                    "as a new contact in Xero")).to_be_visible()
            assert problems == []
        finally:
            browser.close()
    assert books.wait_for_run(books.send()["id"])["status"] == "finished"
    assert {t.state for t in books.transfers()} == {"sent"}
    names = sorted(c["Name"] for c in books.package_list("Contacts"))
    assert names == ["Hall & Co", "Hall and Co Ltd", "Jane Patel"]
