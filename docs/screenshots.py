"""Re-make the README's screenshots from a real demo: `make run` in one terminal, then
`make screenshots` in another, once the demo's first runs have finished (the dashboard shows
what was sent). Drives Debian's chromium through Playwright."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
OUT = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{BASE}/login")
        page.fill("input[name=email]", os.environ.get("DEMO_EMAIL", "demo@ledgerlink.example"))
        page.fill("input[name=password]", os.environ.get("DEMO_PASSWORD", "ledgerlink-demo"))
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/login" in page.url:
            print("Could not sign in as the demo user; set DEMO_EMAIL / DEMO_PASSWORD.")
            return 1
        page.screenshot(path=OUT / "dashboard.png", full_page=True)
        page.goto(f"{BASE}/mapping")
        page.locator("main li a").first.click()  # the first connection (Xero in the demo)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "mapping.png", full_page=True)
        page.goto(f"{BASE}/records?state=failed")
        failed = page.locator(".record-link").first
        if failed.count():
            failed.click()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / "failed-record.png", full_page=True)
        browser.close()
    print(f"Screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
