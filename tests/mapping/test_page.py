"""The mapping page: renders at once, lists load from the sandbox over HTTP and are cached."""

from __future__ import annotations

import re

from app.redis_conn import get_redis
from tests.mapping.conftest import HX, fetched_at, run_in, unmap


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def row_html(html: str, dom_id: str) -> str:
    """One mapping row's markup (from its opening tag to the next row or section end)."""
    at = html.index(f'id="{dom_id}"')
    start = html.rindex('<div class="map-row', 0, at)
    ends = [i for i in (html.find('<div class="map-row', at), html.find("</section>", at))
            if i >= 0]
    return html[start:min(ends)]


def sandbox_calls(app, tenant_id: str) -> int:
    """Calls the sandbox Xero counted against the organisation today (its own day counter)."""
    with app.app_context():
        keys = get_redis().keys(f"sandbox:xero:day:{tenant_id}:*")
        return sum(int(get_redis().get(k) or 0) for k in keys)


def tenant_of(app, connection_id: int) -> str:
    from app.extensions import db
    from app.models import Connection

    return run_in(app, lambda: db.session.get(Connection, connection_id).tenant_id)


def test_page_renders_at_once_then_lists_load_and_are_cached(app, mapped):
    books, client = mapped.books, mapped.client
    tenant = tenant_of(app, books.connection_id)
    before = sandbox_calls(app, tenant)

    page = client.get(mapped.url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Vary"] == "Cookie, HX-Request" or \
        "HX-Request" in page.headers["Vary"]
    assert "Bank current account" in html and "Standard rate VAT 20%" in html
    assert 'hx-trigger="load"' in html  # the pickers fill in after the page shows
    assert "Fetching Xero" in html
    assert sandbox_calls(app, tenant) == before  # the page itself never waits on Xero

    fragment = client.get(mapped.url, headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body and 'id="mapping-tables"' in body
    assert '<option value="200" selected>200 Sales</option>' in body
    assert '<option value="090" selected>090 Business Bank Account</option>' in body
    assert "205" not in body  # archived: not offered
    assert 'value="OUTPUT2" selected' in body
    assert "tick\">Mapped" in body
    fetched = sandbox_calls(app, tenant)
    assert fetched > before  # accounts and tax rates, from the sandbox over HTTP
    first = run_in(app, fetched_at, books.connection_id)
    assert [k for k, _ in first] == ["accounts", "tax_rates"]

    # Cached: neither the page nor the fragment calls Xero again.
    again = client.get(mapped.url).get_data(as_text=True)
    assert 'hx-trigger="load"' not in again and "200 Sales" in again
    client.get(mapped.url, headers=HX)
    assert sandbox_calls(app, tenant) == fetched
    assert run_in(app, fetched_at, books.connection_id) == first

    # Refresh lists fetches again.
    refreshed = mapped.post("/refresh")
    assert refreshed.status_code == 200 and "200 Sales" in refreshed.get_data(as_text=True)
    assert sandbox_calls(app, tenant) > fetched
    second = run_in(app, fetched_at, books.connection_id)
    assert all(b[1] > a[1] for a, b in zip(first, second, strict=True))


def test_unmapped_rows_are_marked_and_freed_records_go_with_the_next_send(
    app, mapped, worker_process
):
    books = mapped.books
    worker_process()
    run_in(app, unmap, books.connection_id, books.company_id, "materials_sales")
    run_in(app, unmap, books.connection_id, books.company_id, "expenses")
    run_in(app, unmap, books.connection_id, books.company_id, "reduced", "tax_rate")
    books.post_all([
        ("customers", {"source_id": "C1", "name": "A. Smith"}),
        *[("invoices", {"source_id": f"I{n}", "number": f"INV-{n}", "customer_source_id": "C1",
                        "date": "2026-11-01", "amounts_are": "exclusive",
                        "lines": [{"description": "Radiator", "quantity": 1,
                                   "unit_price": 90, "account": "materials_sales",
                                   "tax_rate": "reduced" if n == 1 else "standard"}]})
          for n in (1, 2, 3)],
    ])
    books.wait_for_run(books.send()["id"])
    reasons = sorted(t.reason for t in books.transfers() if t.record_type == "invoice")
    assert reasons == ["unmapped_account"] * 3
    html = squash(mapped.client.get(mapped.url).get_data(as_text=True))
    assert "2 accounts and 1 VAT rate are not mapped to Xero yet." in html
    assert "3 invoices wait on them" in html
    row = row_html(html, "map-account-materials_sales")
    assert "is-waited-on" in row and "Not mapped</strong>: 3 invoices waiting" in row
    expenses = row_html(html, "map-account-expenses")
    assert "Not mapped</strong></p>" in expenses and "is-waited-on" not in expenses
    assert "Not mapped</strong>: 1 invoice waiting" in row_html(html, "map-tax-rate-reduced")
    assert "Not mapped" not in row_html(html, "map-account-sales")

    # Mapping the account frees the two invoices that needed only it; the third also needs
    # the 5% rate.
    saved = mapped.post("/accounts/materials_sales", {"code": "200"})
    body = squash(saved.get_data(as_text=True))
    assert saved.status_code == 200
    assert "Saved: “Materials sales” goes to Xero as 200 Sales." in body
    assert "2 invoices waiting on it will go with the next send" in body
    assert "Send Data now" in body
    assert 'id="mapping-summary" class="problems" hx-swap-oob="true"' in body
    assert "1 account and 1 VAT rate are not mapped" in body
    books.wait_for_run(books.send()["id"])
    states = sorted((t.state, t.reason) for t in books.transfers() if t.record_type == "invoice")
    assert states == [("failed", "unmapped_tax_rate"), ("sent", ""), ("sent", "")]

    saved = mapped.post("/tax-rates/reduced", {"code": "RROUTPUT"})
    assert "1 invoice waiting on it will go with the next send" in squash(
        saved.get_data(as_text=True))
    books.wait_for_run(books.send()["id"])
    assert {t.state for t in books.transfers()} == {"sent"}
    assert "are not mapped" not in mapped.client.get(mapped.url).get_data(as_text=True)


def test_isolation_other_companys_connection_is_404(app, client, mapped, connected_books):
    other = connected_books()
    url = f"/connections/{other.connection_id}/mapping"
    token = mapped.token()
    assert client.get(url).status_code == 404
    assert client.get(url, headers=HX).status_code == 404
    for path, data in (("/refresh", {}), ("/accounts/sales", {"code": "260"}),
                       ("/tax-rates/standard", {"code": "RROUTPUT"}),
                       ("/accounts/sales/item", {"name": "x", "income_account": "200"})):
        answer = client.post(url + path, data=data, headers={"X-CSRFToken": token, **HX})
        assert answer.status_code == 404, path
    from tests.mapping.conftest import code_of
    assert run_in(app, code_of, other.connection_id, other.company_id, "sales") == "200"
    assert run_in(app, fetched_at, other.connection_id) == []  # nothing fetched for them


def test_nav_link_goes_to_the_connections_mapping(mapped):
    answer = mapped.client.get("/mapping")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(mapped.url)
