"""The bookkeeper's whole journey in one real browser (Debian's chromium through Playwright),
against the app over HTTP, a real RQ worker and the sandbox Xero:

sign in → Connections → connect Xero through the sandbox's consent page → import (progress to
the counts) → schedule (manual) → map every account and VAT rate but "Call-out fees" → records
posted through the inbound API → link the suggested Xero contact → Send Data with visible
progress → the "not mapped" failure and its explanation → the fix link to the mapping page →
map it → Retry → sent. Then Xero itself is read back: one contact for the linked customer,
every invoice once. Last, the same company connects QuickBooks Online and sends there too, and
both packages' contacts are counted through their own APIs: none twice.

Screenshots go to test-artifacts/journey-*.png for a person to look at."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from app.connections.service import set_mapping
from app.extensions import db
from app.models import Connection, Run
from tests.connections import org_name
from tests.journey.test_two_packages import QboBooks
from tests.linking.conftest import make_xero_contacts
from tests.mapping.conftest import add_member, run_in, unmap
from tests.sync.conftest import Books, connected_books  # noqa: F401 - fixture
from tests.ui.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser test needs Chromium at /usr/bin/chromium (apt-get install chromium)",
)

ACCOUNTS = {"sales": "200", "materials_sales": "200", "bank": "090", "expenses": "429"}
TAX_RATES = {"standard": "OUTPUT2", "reduced": "RROUTPUT", "zero": "ZERORATEDOUTPUT",
             "exempt": "EXEMPTOUTPUT"}

# Console errors that are not ours: the sandbox consent page (Xero's) has no icon.
_IGNORED = ("404 (NOT FOUND)",)


def _records(p: str) -> list[tuple[str, dict]]:
    """What the job system posts: a customer that is already in Xero (not imported), a new
    one, three invoices (one on the unmapped "Call-out fees") and a payment."""
    def line(desc: str, qty: int, price: float, account: str, rate: str = "standard") -> dict:
        return {"description": desc, "quantity": qty, "unit_price": price, "account": account,
                "tax_rate": rate}

    def inv(sid: str, number: str, customer: str, lines: list[dict]) -> tuple[str, dict]:
        return "invoices", {"source_id": sid, "number": number, "customer_source_id": customer,
                            "date": "2026-10-15", "due_date": "2026-11-14",
                            "reference": f"Job {number}", "amounts_are": "exclusive",
                            "lines": lines}

    return [
        ("customers", {"source_id": f"{p}C1", "name": "Marsh Lane Plumbing",
                       "email": "office@marshlane.test",
                       "address": {"line1": "12 Marsh Lane", "city": "Leeds",
                                   "postcode": "LS9 8AB", "country": "GB"}}),
        ("customers", {"source_id": f"{p}C2", "name": "Priya Shah",
                       "email": "priya.shah@example.test",
                       "address": {"line1": "3 Kirk Gate", "city": "Otley",
                                   "postcode": "LS21 3HN", "country": "GB"}}),
        inv(f"{p}I1", "INV-5001", f"{p}C1", [line("Annual boiler service", 1, 85.0, "sales"),
                                             line("Pressure relief valve", 2, 18.5,
                                                  "materials_sales")]),
        inv(f"{p}I2", "INV-5002", f"{p}C2", [line("Emergency call-out, Sunday", 1, 95.0,
                                                  "callout_fees")]),
        inv(f"{p}I3", "INV-5003", f"{p}C2", [line("Radiator bleed and balance", 1, 60.0,
                                                  "sales", "reduced")]),
        ("payments", {"source_id": f"{p}P1", "customer_source_id": f"{p}C1",
                      "date": "2026-10-20", "amount": 146.40, "bank_account": "bank",
                      "reference": "Card payment INV-5001",
                      "allocations": [{"invoice_source_id": f"{p}I1", "amount": 146.40}]}),
    ]


@contextmanager
def _browser(problems: list[str]) -> Iterator[Any]:
    """A page in Debian's chromium (the launch the other browser tests use), noting every
    error the page, its console or the server reports into `problems`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
            yield page
        finally:
            browser.close()


def _sign_in(page: Any, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _latest_run(app: Any, connection_id: int) -> int:
    with app.app_context():
        run_id = db.session.execute(db.select(db.func.max(Run.id)).filter_by(
            connection_id=connection_id)).scalar_one()
        db.session.remove()
    assert run_id is not None, "no run was started"
    return run_id


def test_bookkeeper_journey(app, live_url, make_company, worker_process) -> None:
    from playwright.sync_api import expect

    made = make_company(name="Marsh & Shah Heating Ltd")
    organisation = org_name("Marsh Heating")
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    progress_polls: list[str] = []
    worker_process()

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"))

    with _browser(problems) as page:
        nav = page.get_by_role("navigation", name="Main")
        page.on("request", lambda r: progress_polls.append(r.url)
                if re.search(r"/runs/\d+/progress", r.url) else None)

        # ---- sign in, connect Xero through its consent page
        _sign_in(page, live_url, made.email, made.password)
        nav.get_by_role("link", name="Connections", exact=True).click()
        page.get_by_role("link", name="Connect Xero").click()
        page.get_by_role("button", name="Sign in to Xero").click()
        expect(page.get_by_role("button", name="Allow access")).to_be_visible()
        page.get_by_label("…or connect a new organisation named").fill(organisation)
        shot("1-consent")
        page.get_by_role("button", name="Allow access").click()
        expect(page.get_by_text(f"Connected to Xero: {organisation}.")).to_be_visible()
        connection_id = int(re.search(r"/connections/(\d+)/import", page.url).group(1))
        books = Books(app, live_url, made.company_id, made.api_key, connection_id)

        # ---- the one-time import reads what the organisation already has
        make_xero_contacts(books, [
            {"Name": "Hillside Lettings", "EmailAddress": "accounts@hillside.test"},
            {"Name": "Dale Property Services", "ContactNumber": "DPS-1"}])
        page.get_by_role("button", name="Import customers and suppliers").click()
        expect(page.get_by_text("Import finished: 2 customers and 0 suppliers added "
                                "from Xero.")).to_be_visible(timeout=30_000)
        shot("2-import-done")
        # Added in Xero after the import, so only a suggestion can find it.
        existing = make_xero_contacts(books, [
            {"Name": "Marsh Lane Plumbing Ltd", "EmailAddress": "office@marshlane.test",
             "Addresses": [{"AddressType": "POBOX", "PostalCode": "LS9 8AB"}]}])
        marsh_id = existing["Marsh Lane Plumbing Ltd"]

        page.get_by_role("link", name="Next: map nominal codes").click()
        page.get_by_role("link", name="Next: schedule and cut-off date").click()
        page.get_by_label("When someone presses Send Data").check()
        page.get_by_role("button", name="Save and finish").click()
        # The wizard ends on the preview of what will go (Send Data works without starting).
        expect(page.get_by_role("heading", name="Check what will go to Xero")).to_be_visible()
        expect(page.get_by_text("Records go to Xero when someone presses Send Data.").first)\
            .to_be_visible()

        # ---- mapping: a new connection starts with nothing mapped
        nav.get_by_role("link", name="Mapping", exact=True).click()
        expect(page.get_by_role("heading", name=re.compile("Mapping to Xero")))\
            .to_be_visible()
        expect(page.locator("#map-account-callout_fees .map-unmapped"))\
            .to_be_visible()
        for dom_id, code in [*((f"map-account-{k}", c) for k, c in ACCOUNTS.items()),
                             *((f"map-tax-rate-{k}", c) for k, c in TAX_RATES.items())]:
            row = page.locator(f"#{dom_id}")
            picker = row.locator("select[name=code]")
            expect(picker).to_be_enabled(timeout=10_000)  # Xero's lists arrive by HTMX
            picker.select_option(code)
            row.get_by_role("button", name="Save").click()
            expect(page.locator(f"#{dom_id} .map-saved")).to_be_visible()
        expect(page.locator("#map-account-callout_fees .map-unmapped"))\
            .to_be_visible()
        expect(page.get_by_text("1 account is not mapped to Xero yet.")).to_be_visible()
        page.evaluate("window.scrollTo(0, 0)")  # the banner and the accounts, not the rates
        shot("3-mapping")

        # ---- the job system posts its records through the inbound API
        p = f"J{made.company_id}-"
        books.post_all(_records(p))

        # ---- linking: our customer is already in Xero; link rather than duplicate
        nav.get_by_role("link", name="Linking", exact=True).click()
        ours = page.locator(".link-row", has_text="Marsh Lane Plumbing")
        suggestion = ours.locator(".sugg", has_text="Marsh Lane Plumbing Ltd")
        expect(suggestion).to_be_visible(timeout=10_000)
        expect(suggestion.get_by_role("button", name="Link Marsh Lane Plumbing to Marsh "
                                      "Lane Plumbing Ltd in Xero")).to_have_text(
            "Link to this one")
        shot("4-linking")
        suggestion.get_by_role("button", name=re.compile("^Link Marsh Lane")).click()
        expect(page.get_by_text("Linked: “Marsh Lane Plumbing” is “Marsh Lane Plumbing "
                                "Ltd” in Xero.")).to_be_visible()

        # ---- dashboard: Send Data, watching the progress in the page
        nav.get_by_role("link", name="Dashboard", exact=True).click()
        actions = page.locator(f"#conn-{connection_id}-actions")
        # Remember every state the progress area passes through: a small run can go
        # from "Starting…" to finished faster than an assertion looks.
        page.evaluate("""() => {
            window.__progress = [];
            const note = () => {
              const area = document.querySelector('.progress-area');
              if (area) window.__progress.push({
                text: area.innerText.trim(), bar: !!area.querySelector('progress')});
            };
            new MutationObserver(note).observe(document.body,
                {childList: true, subtree: true, characterData: true});
        }""")
        actions.get_by_role("button", name="Send Data").click()
        outcome = actions.locator(".outcome")
        expect(outcome).to_contain_text(re.compile(r"Finished .*: 4 sent, 1 failed"),
                                        timeout=30_000)
        seen = page.evaluate("window.__progress")
        live = [s for s in seen if s["bar"]]
        assert live, f"no progress bar was ever shown: {seen}"
        assert re.search(r"Starting…|Getting records ready…|Sending \d+ of \d+…",
                         live[0]["text"]), live
        expect(actions).not_to_have_attribute("hx-get", re.compile(".*"))  # polling over
        shot("5-sent")

        # ---- the failure and its explanation, on the dashboard
        attention = page.locator(".attention")
        failed_row = attention.locator("tr", has_text="INV-5002")
        expect(failed_row).to_contain_text(
            'The account "Call-out fees" is not mapped to a Xero account code yet.')
        expect(failed_row).to_contain_text("Map \"Call-out fees\" to a nominal code")
        failed_row.get_by_role("link", name="Invoice INV-5002").click()

        # ---- the record: why, and the link to where it is fixed
        expect(page.get_by_role("heading", name="Invoice INV-5002", level=1))\
            .to_be_visible()
        status = page.locator("#transfer-status")
        expect(status.locator(".badge")).to_have_text("Failed")
        expect(status).to_contain_text(
            'The account "Call-out fees" is not mapped to a Xero account code yet.')
        shot("6-record-failed")
        record_url = page.url
        status.get_by_role("link", name="Open the Mapping page →").click()

        row = page.locator("#map-account-callout_fees")
        expect(row.get_by_text("Not mapped: 1 invoice waiting")).to_be_visible()
        picker = row.locator("select[name=code]")
        expect(picker).to_be_enabled(timeout=10_000)
        picker.select_option("260")
        row.get_by_role("button", name="Save").click()
        expect(page.locator("#map-account-callout_fees")).to_contain_text(
            "Saved: “Call-out fees” goes to Xero as 260 Other Revenue.")
        expect(page.get_by_text("1 account is not mapped")).to_have_count(0)
        shot("7-mapping-fixed")

        # ---- back to the record (the back button gives the page, not a fragment); Retry
        page.go_back()
        expect(page).to_have_url(record_url)
        expect(page.get_by_role("heading", name="Invoice INV-5002", level=1))\
            .to_be_visible()
        page.get_by_role("button", name="Retry").click()
        expect(page.get_by_text("If it fails again, the reason shows here.")).to_be_visible()
        shot("8-retry-pressed")
        run = books.wait_for_run(_latest_run(app, connection_id), timeout=30)
        assert (run["status"], run["failed"]) == ("finished", 0), run
        # The status block follows the run Retry started, with no reload.
        expect(page.locator("#transfer-status .badge")).to_have_text("Sent", timeout=30_000)
        expect(page.locator("#transfer-status")).to_contain_text("In Xero")
        shot("9-record-sent")

    assert [p for p in problems if not any(i in p for i in _IGNORED)] == [], problems
    assert progress_polls, "the dashboard never polled the run's progress by itself"

    # ---- Xero itself: the linked customer once, every invoice once, the payment in
    contacts = books.package_list("Contacts")
    assert [c["ContactID"] for c in contacts if c["Name"].startswith("Marsh Lane")] == \
        [marsh_id]
    assert sum(c["Name"] == "Priya Shah" for c in contacts) == 1
    invoices = [i for i in books.package_list("Invoices") if i["InvoiceNumber"].startswith("INV-5")]
    assert sorted(i["InvoiceNumber"] for i in invoices) == ["INV-5001", "INV-5002", "INV-5003"]
    by_number = {i["InvoiceNumber"]: i for i in invoices}
    assert by_number["INV-5001"]["Contact"]["ContactID"] == marsh_id
    assert by_number["INV-5001"]["Status"] == "PAID"
    states = {(t.record_type, t.state) for t in books.transfers()}
    assert {s for _, s in states} == {"sent"}, states

    # ---- the same company on QuickBooks Online too: Send Data there, then count each
    # package's contacts through its own API: one for each of our customers, in both.
    with app.app_context():
        from app.demo import connect_sandbox

        qbo_id = connect_sandbox("quickbooks_online", made.company_id,
                                 org_name("Marsh Heating QBO")).id
        db.session.remove()
    on_qbo = Books(app, live_url, made.company_id, made.api_key, qbo_id, "quickbooks_online")
    run = on_qbo.wait_for_run(on_qbo.send()["id"])
    assert (run["status"], run["failed"], run["blocked"]) == ("finished", 0, 0), run
    ours = ["Marsh Lane Plumbing", "Priya Shah", "Hillside Lettings", "Dale Property Services"]
    assert Counter(QboBooks(app, qbo_id).names("Customer")) == Counter(ours)
    in_xero = Counter(c["Name"] for c in books.package_list("Contacts"))
    assert in_xero == Counter(["Marsh Lane Plumbing Ltd", *ours[1:]])
    assert {t.state for t in on_qbo.transfers()} == {"sent"}


def test_the_record_page_shows_the_retry_outcome_by_itself(
    app, live_url, connected_books, worker_process  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    books = connected_books()
    run_in(app, unmap, books.connection_id, books.company_id, "callout_fees")
    p = f"R{books.company_id}-"
    books.post_all([record for record in _records(p)
                    if record[1]["source_id"] in (f"{p}C2", f"{p}I2")])
    worker_process()
    assert books.wait_for_run(books.send()["id"])["failed"] == 1
    # The mapping is fixed (the journey does it through the page); then Retry in the browser.
    with app.app_context():
        set_mapping(db.session.get(Connection, books.connection_id), {"callout_fees": "260"},
                    {})
        db.session.remove()
    failed = next(t for t in books.transfers() if t.record_type == "invoice")
    email, password = add_member(app, books.company_id, "bookkeeper")
    problems: list[str] = []

    with _browser(problems) as page:
        _sign_in(page, live_url, email, password)
        page.goto(f"{live_url}/records/{failed.id}")
        status = page.locator("#transfer-status")
        expect(status.locator(".badge")).to_have_text("Failed")
        page.get_by_role("button", name="Retry").click()
        expect(status).to_contain_text("If it fails again, the reason shows here.")
        run = books.wait_for_run(_latest_run(app, books.connection_id), timeout=30)
        assert (run["status"], run["sent"]) == ("finished", 1), run
        # The run is over; the page that promised to show its outcome should show it now.
        expect(status.locator(".badge")).to_have_text("Sent", timeout=5_000)
    assert problems == []
