"""Issue 8, item 4 in a real browser: with the Content-Security-Policy on, no page breaks it
(no inline script, handler or style slips through, htmx's indicator styles included), htmx
still works, and the Remove button's confirmation (a script file now) still asks."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import browser_sign_in, watched_page
from tests.ui.test_browser import CHROMIUM, CHROMIUM_ARGS, _seed

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium")

# Every violation the page sees, reported by the browser itself.
_RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                    (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def test_no_page_violates_the_content_security_policy(app, live_url, make_company) -> None:
    from playwright.sync_api import expect, sync_playwright

    from app.settings.service import add_user

    made = make_company(name="Strict Policy Ltd")
    _seed(app, made.company_id)
    colleague = f"colleague-{uuid.uuid4().hex[:6]}@example.test"
    with app.app_context():
        add_user(made.company_id, colleague, "bookkeeper")
    problems: list[str] = []
    violations: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = watched_page(browser, problems)
            page.add_init_script(_RECORD_VIOLATIONS)
            dialogs: list[str] = []

            def visit(path: str) -> None:
                response = page.goto(f"{live_url}{path}")
                assert "script-src 'self'" in response.headers.get(
                    "content-security-policy", ""), path
                page.wait_for_load_state("networkidle")
                violations.extend(f"{path}: {v}" for v in page.evaluate("window.__csp"))

            browser_sign_in(page, live_url, made.email, made.password)
            expect(page.get_by_role("heading", name="Needs your attention")).to_be_visible()
            violations.extend(f"/: {v}" for v in page.evaluate("window.__csp"))
            for path in ("/", "/connections", "/connections/new/xero", "/mapping", "/linking",
                         "/records", "/settings/users", "/settings/notifications",
                         "/settings/invitations", "/no-such-page"):
                visit(path)

            # The sandbox's consent page (our origin, so our policy) through the wizard.
            visit("/connections/new/xero")
            page.get_by_role("button", name="Sign in to Xero").click()
            expect(page.get_by_text("Ledgerlink wants to access")).to_be_visible()
            violations.extend(f"consent: {v}" for v in page.evaluate("window.__csp"))

            # Remove asks first (confirm.js); dismissing keeps the user.
            visit("/settings/users")
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            row = page.locator("tr", has_text=colleague)
            row.get_by_role("button", name="Remove").click()
            assert dialogs and colleague in dialogs[0]
            expect(page.locator("tr", has_text=colleague)).to_be_visible()
            violations.extend(f"remove: {v}" for v in page.evaluate("window.__csp"))
        finally:
            browser.close()
    csp_console = [p for p in problems if "Content Security Policy" in p]
    assert violations == [] and csp_console == [], violations + csp_console
