"""Issue 7, item 17: every page is usable on a 390 px wide phone. In a real browser at a 390 px
viewport, no page's document is wider than the screen (nothing scrolls sideways) and every
item of the navigation can be seen and pressed. Real records, sent by a real worker to the
sandbox, so the record pages carry real attempts and the mapping page the package's lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import add_member, browser_sign_in
from tests.sync.conftest import connected_books  # noqa: F401 - fixture
from tests.ui.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Chromium at /usr/bin/chromium")

WIDTH = 390

# What sticks out past the right edge, for the failure message.
_WIDER = """() => {
  const w = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > w + 1 && getComputedStyle(el).position !== 'absolute') {
      out.push(`${el.tagName.toLowerCase()}.${el.className}#${el.id} right=${Math.round(r.right)}`);
    }
  }
  const blocks = out.filter(s => !s.startsWith("span") && !s.startsWith("t"));
  return {scroll: document.documentElement.scrollWidth, width: w, wider: blocks.slice(-6)};
}"""


def _seed(app, books) -> dict[str, int]:  # type: ignore[no-untyped-def]
    p = f"N{books.company_id}-"
    long_name = "Northern Lights Plumbing, Heating and Renewable Energy Services Ltd"
    line = {"description": "Annual boiler service and safety inspection, flue gas analysis",
            "quantity": 1, "unit_price": 85.0, "account": "sales", "tax_rate": "standard"}
    books.post_all([
        ("customers", {"source_id": f"{p}C1", "name": long_name,
                       "email": "accounts.department@northern-lights-plumbing.example"}),
        ("invoices", {"source_id": f"{p}I1", "number": f"{p}INV-000123456", "date": "2026-11-02",
                      "customer_source_id": f"{p}C1", "amounts_are": "exclusive",
                      "reference": "Job 44718 / boiler service / 14 Long Road", "lines": [line]}),
        # Its typed total disagrees with its lines: stopped by our checks, with an explanation.
        ("invoices", {"source_id": f"{p}I2", "number": f"{p}INV-000123457", "date": "2026-11-03",
                      "customer_source_id": f"{p}C1", "amounts_are": "exclusive",
                      "total": 999.99, "lines": [line]}),
    ])
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished", run
    ids = {}
    for t in books.transfers():
        ids[f"{t.record_type}-{t.state}"] = t.id
    assert {"invoice-sent", "invoice-failed"} <= set(ids), ids
    ids["run"] = run["id"]
    # A second, long-named organisation: the pickers that name connections must fit too.
    with app.app_context():
        from app.extensions import db
        from app.models import Connection

        db.session.add(Connection(company_id=books.company_id, package="xero",
                                  status="disconnected", schedule="manual",
                                  tenant_name=f"{long_name} (second organisation)"))
        db.session.commit()
        db.session.remove()
    return ids


def test_every_page_fits_a_390px_phone(app, connected_books, worker_process):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    books = connected_books()
    worker_process()
    ids = _seed(app, books)
    email, password = add_member(app, books.company_id, "admin", password="pw-phone-long-enough")
    conn = books.connection_id
    pages = [
        "/", "/records", "/records?state=failed&sort=amount_desc",
        f"/records/{ids['invoice-failed']}", f"/records/{ids['invoice-sent']}",
        f"/records/{ids['customer-sent']}",
        "/mapping", f"/connections/{conn}/mapping", f"/connections/{conn}/mapping?from=wizard",
        "/linking", f"/connections/{conn}/linking",
        "/connections", "/connections/new/xero", "/connections/new/quickbooks_online",
        f"/connections/{conn}/mapping-step", f"/connections/{conn}/schedule",
        f"/connections/{conn}/import", f"/connections/{conn}/disconnect",
        "/settings/users", "/settings/notifications", f"/runs/{ids['run']}/progress",
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    too_wide: dict[str, dict] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 844})
            for path in ("/login", "/forgot-password"):
                page.goto(f"{books.base_url}{path}")
                found = page.evaluate(_WIDER)
                if found["scroll"] > WIDTH:
                    too_wide[path] = found
            browser_sign_in(page, books.base_url, email, password)
            expect(page.get_by_role("heading", name="Needs your attention")).to_be_visible()

            # Every navigation item is on screen and can be pressed.
            nav = page.get_by_role("navigation", name="Main")
            links = nav.get_by_role("link")
            names = [links.nth(i).inner_text().strip() for i in range(links.count())]
            assert names == ["Dashboard", "Mapping", "Linking", "Connections", "Records",
                             "Settings"], names
            for i in range(links.count()):
                box = links.nth(i).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (names[i], box)
                assert box["width"] >= 24 and box["height"] >= 24, (names[i], box)  # tappable
            for name, heading in (("Records", "Records"), ("Settings", "Settings")):
                page.get_by_role("navigation", name="Main").get_by_role(
                    "link", name=name).click()
                expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()

            for path in pages:
                page.goto(f"{books.base_url}{path}")
                page.wait_for_load_state("networkidle")  # HTMX parts (mapping lists) are in
                found = page.evaluate(_WIDER)
                if found["scroll"] > WIDTH:
                    too_wide[path] = found
                    page.screenshot(path=str(ARTIFACTS / "narrow-too-wide.png"), full_page=True)
            page.goto(f"{books.base_url}/records")
            page.screenshot(path=str(ARTIFACTS / "records-390px.png"), full_page=True)
        finally:
            browser.close()
    assert not too_wide, "\n".join(f"{path}: {found}" for path, found in too_wide.items())
