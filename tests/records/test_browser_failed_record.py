"""In a real browser, against real sends: a record Xero refused shows on the dashboard; the
bookkeeper opens it, reads why and what to do, fixes it in Xero and presses Retry; it is sent.
Leaves test-artifacts/failed-record.png for a person (and the README) to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import browser_sign_in, watched_page
from tests.sync.conftest import connected_books  # noqa: F401 - fixture
from tests.ui.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Chromium at /usr/bin/chromium")


def _customer(sid: str, name: str) -> tuple[str, dict]:
    return "customers", {"source_id": sid, "name": name, "email": f"{sid.lower()}@example.test",
                         "address": {"line1": "4 Mill Lane", "city": "Leeds",
                                     "postcode": "LS6 2AB", "country": "GB"}}


def _invoice(sid: str, number: str, customer: str) -> tuple[str, dict]:
    return "invoices", {
        "source_id": sid, "number": number, "customer_source_id": customer,
        "date": "2026-10-15", "due_date": "2026-11-14", "reference": "Boiler service, job 4471",
        "amounts_are": "exclusive",
        "lines": [{"description": "Annual boiler service", "quantity": 1, "unit_price": 85.0,
                   "account": "sales", "tax_rate": "standard"},
                  {"description": "Pressure relief valve", "quantity": 2, "unit_price": 18.5,
                   "account": "materials_sales", "tax_rate": "standard"}]}


def _send(books) -> dict:  # type: ignore[no-untyped-def]
    return books.wait_for_run(books.send()["id"])


def test_open_a_failed_record_read_why_and_retry(app, connected_books, worker_process):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    from app.extensions import db
    from app.models import Membership, User

    books = connected_books()
    p = f"B{books.company_id}-"
    books.post_all([_customer(f"{p}C1", "Archie Vale Heating")])
    worker_process()
    assert _send(books)["status"] == "finished"
    contact = next(c for c in books.package_list("Contacts") if c["ContactNumber"] == f"{p}C1")
    contact_url = f"Contacts/{contact['ContactID']}"
    archived = books.package_api("POST", contact_url, json={"Contacts": [
        {"ContactID": contact["ContactID"], "ContactStatus": "ARCHIVED"}]})
    assert archived.status_code == 200, archived.text
    books.post_all([_invoice(f"{p}I1", "INV-3381", f"{p}C1")])
    assert _send(books)["failed"] == 1

    with app.app_context():
        user = db.session.execute(db.select(User).join(Membership).filter(
            Membership.company_id == books.company_id)).scalars().first()
        email = user.email
        db.session.remove()
    password = _password_for(app, email)

    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = watched_page(browser, problems, height=1000)
            browser_sign_in(page, books.base_url, email, password)

            expect(page.get_by_role("heading", name="Needs your attention")).to_be_visible()
            page.get_by_role("link", name="Invoice INV-3381").click()
            expect(page.get_by_role("heading", name="Invoice INV-3381", level=1)).to_be_visible()
            status = page.locator("#transfer-status")
            expect(status.get_by_text("Archie Vale Heating is archived in Xero")).to_be_visible()
            expect(status.get_by_text("Restore (un-archive) the contact in Xero")).to_be_visible()
            expect(page.locator(".lines .grand")).to_contain_text("£146.40")  # (85 + 37) x 1.2
            page.get_by_text("What Xero answered").first.click()
            expect(page.locator(".attempt details[open] pre").first).to_be_visible()
            page.get_by_text("What Xero answered").first.click()
            page.screenshot(path=str(ARTIFACTS / "failed-record.png"), full_page=True)

            # The bookkeeper does what it says: restores the contact in Xero, then Retry.
            restored = books.package_api("POST", contact_url, json={"Contacts": [
                {"ContactID": contact["ContactID"], "ContactStatus": "ACTIVE"}]})
            assert restored.status_code == 200, restored.text
            page.get_by_role("button", name="Retry").click()
            expect(page.get_by_text("If it fails again, the reason shows here.")).to_be_visible()
            expect(page.locator("#transfer-history")).to_contain_text("retry requested")
            # The run goes on a real worker; the page shows the outcome on reload.
            for _ in range(60):
                page.reload()
                if page.locator(".status-line .badge-sent").count():
                    break
                page.wait_for_timeout(500)
            expect(page.locator(".status-line")).to_contain_text("In Xero")
            page.get_by_role("link", name="Records").first.click()
            expect(page.get_by_text("Showing 1–2 of 2 records")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "records-list.png"))
        finally:
            browser.close()
    assert problems == []
    invoices = [i for i in books.package_list("Invoices") if i["InvoiceNumber"] == "INV-3381"]
    assert len(invoices) == 1


def _password_for(app, email: str) -> str:  # type: ignore[no-untyped-def]
    """connected_books makes its company with a random password: set a known one."""
    from app.extensions import db
    from app.models import User

    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        user.set_password("browser-test-password-1")
        db.session.commit()
        db.session.remove()
    return "browser-test-password-1"
