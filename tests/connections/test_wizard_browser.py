"""The whole connect wizard in a real browser: sign in → connect Xero → the sandbox consent
page → import (a real worker, progress polling) → mapping step → schedule. Screenshots go to
test-artifacts/ for a person to look at."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Connection
from tests.connections import org_name
from tests.connections.test_import_step import _xero
from tests.ui.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser test needs Chromium at /usr/bin/chromium (apt-get install chromium)",
)


def test_connect_wizard_in_a_browser(app, live_url, make_company, worker_process) -> None:
    from playwright.sync_api import expect, sync_playwright

    made = make_company(name="Hughes Heating Ltd")
    organisation = org_name("Hughes Heating")
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    worker_process()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 860}, locale="en-GB")
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            # The sandbox's consent page (Xero's, not ours) has no icon: its 404 is not ours.
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

            page.goto(f"{live_url}/login")
            page.get_by_label("Email").fill(made.email)
            page.get_by_label("Password").fill(made.password)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("link", name="Connections").click()
            expect(page.get_by_role("heading", name="Connect a package")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "connections-empty.png"), full_page=True)

            page.get_by_role("link", name="Connect Xero").click()
            expect(page.get_by_text("Sign in to Xero", exact=True).first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "connect-xero.png"), full_page=True)
            page.get_by_role("button", name="Sign in to Xero").click()

            # Xero's own (sandbox) consent page.
            expect(page.get_by_role("button", name="Allow access")).to_be_visible()
            page.get_by_label("…or connect a new organisation named").fill(organisation)
            page.get_by_role("button", name="Allow access").click()

            expect(page.get_by_text(f"Connected to Xero: {organisation}.")).to_be_visible()
            connection_id = int(re.search(r"/connections/(\d+)/import", page.url).group(1))
            made_contacts = _xero(app, connection_id, "PUT", "Contacts", json={"Contacts": [
                {"Name": "Existing Plumbing Ltd", "ContactNumber": "EX-1"},
                {"Name": "Boiler Parts Wholesale"}]})
            assert made_contacts.status_code == 200, made_contacts.text
            page.screenshot(path=str(ARTIFACTS / "connect-import.png"), full_page=True)

            page.get_by_role("button", name="Import customers and suppliers").click()
            expect(page.get_by_text("Import finished: 2 customers and 0 suppliers added "
                                    "from Xero.")).to_be_visible(timeout=45_000)
            page.screenshot(path=str(ARTIFACTS / "connect-import-done.png"), full_page=True)

            page.get_by_role("link", name="Next: map nominal codes").click()
            expect(page.get_by_role("heading", name="Map your accounts to Xero")).to_be_visible()
            page.get_by_role("link", name="Next: schedule and cut-off date").click()
            page.get_by_label("Automatically, every two hours").check()
            page.get_by_label("Financial cut-off date").fill("2026-04-01")
            page.screenshot(path=str(ARTIFACTS / "connect-schedule.png"), full_page=True)
            page.get_by_role("button", name="Save and finish").click()

            # The last step: what will go, before anything does.
            expect(page.get_by_role("heading", name="Check what will go to Xero")).to_be_visible()
            expect(page.get_by_text("Records dated before 01/04/2026 are never sent.").first) \
                .to_be_visible()
            expect(page.get_by_role("row", name="Customers")).to_contain_text("2")
            with app.app_context():
                assert db.session.get(Connection, connection_id).sending_started is False
                from app.models import Run
                from app.sync.sweep import start_due_runs

                start_due_runs()  # automatic and due, but not started: no run for it
                assert db.session.execute(db.select(Run).filter_by(
                    connection_id=connection_id)).first() is None
                db.session.remove()
            page.screenshot(path=str(ARTIFACTS / "connect-preview.png"), full_page=True)
            page.get_by_role("button", name="Start sending").click()
            expect(page.get_by_text("Sending to Xero has started.")).to_be_visible()

            page.goto(f"{live_url}/connections")
            row = page.locator(f"#connection-{connection_id}")
            expect(row).to_contain_text(organisation)
            expect(row).to_contain_text("Connected")
            expect(row).to_contain_text("Imported")
            page.screenshot(path=str(ARTIFACTS / "connections.png"), full_page=True)
        finally:
            browser.close()
    assert [p for p in problems if "404 (NOT FOUND)" not in p] == [], problems
    with app.app_context():
        conn = db.session.get(Connection, connection_id)
        assert (conn.schedule, conn.cutoff_date.isoformat()) == ("automatic", "2026-04-01")
        assert conn.sending_started is True
        assert conn.imported_at is not None
