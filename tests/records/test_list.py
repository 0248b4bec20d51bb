"""The transfers list: filters, search, pagination, HTMX fragment vs page, and the CSV export."""

from __future__ import annotations

import csv
import io
import re

from app.extensions import db
from app.models import Transfer
from tests.records.conftest import HX
from tests.ui import add_connection, add_invoice, add_transfer


def _titles(html: str) -> list[str]:
    return re.findall(r'class="record-link" href="/records/\d+">([^<]+)</a>', html)


def test_search_by_customer_name_number_and_source_id(books):
    smith = books.customer(name="A. Smith Plumbing")
    patel = books.customer(name="J. Patel Electrical")
    books.invoice(smith, number="INV-3381", source_id="JOB-77-INV")
    books.invoice(patel, number="INV-4400")

    html = books.client.get("/records?q=patel").get_data(as_text=True)
    assert sorted(_titles(html)) == ["Customer J. Patel Electrical", "Invoice INV-4400"]
    html = books.client.get("/records?q=INV-3381").get_data(as_text=True)
    assert _titles(html) == ["Invoice INV-3381"]
    html = books.client.get("/records?q=job-77").get_data(as_text=True)  # case-insensitive
    assert _titles(html) == ["Invoice INV-3381"]
    # LIKE wildcards are searched for literally.
    html = books.client.get("/records?q=%25").get_data(as_text=True)
    assert _titles(html) == [] and "No records match these filters." in html
    html = books.client.get("/records").get_data(as_text=True)
    assert len(_titles(html)) == 4
    assert "A. Smith Plumbing" in html and "£108.00" in html  # 45 + 2 x 22.50, plus VAT at 20%


def test_filters_by_state_type_and_connection(books, data):
    cid = books.company_id
    other_conn = data(add_connection, cid, tenant_name="Second Org")
    inv_a = data(add_invoice, cid, "INV-A", "Boiler Co")
    inv_b = data(add_invoice, cid, "INV-B", "Boiler Co")
    data(add_transfer, cid, books.connection_id, inv_a, "failed")
    data(add_transfer, cid, books.connection_id, inv_b, "sent")
    data(add_transfer, cid, other_conn, inv_a, "failed")
    data(add_transfer, cid, books.connection_id, 999_001, "pending", record_type="customer")

    get = books.client.get
    assert len(_titles(get("/records?state=failed").get_data(as_text=True))) == 2
    assert _titles(get(f"/records?state=failed&connection={other_conn}").get_data(as_text=True)
                   ) == ["Invoice INV-A"]
    assert _titles(get("/records?type=invoice&state=sent").get_data(as_text=True)
                   ) == ["Invoice INV-B"]
    # A record that has gone from the database still has a row, named by type and id.
    assert _titles(get("/records?type=customer").get_data(as_text=True)) == ["Customer #999001"]
    # Two connections: the list says where each record goes, and offers the filter.
    html = get("/records").get_data(as_text=True)
    assert "Second Org" in html and 'name="connection"' in html


def test_bad_filters_are_400_naming_the_problem(books):
    for query, words in (("state=lost", "no state called “lost”"),
                         ("type=quote", "no record type called “quote”"),
                         ("page=0", "“page” must be a whole number"),
                         ("connection=abc", "“connection” must be a whole number"),
                         ("q=" + "x" * 101, "at most 100 characters")):
        answer = books.client.get(f"/records?{query}")
        assert answer.status_code == 400, query
        assert words in answer.get_data(as_text=True), query


def _bulk(company_id: int, connection_id: int, n: int, state: str = "sent") -> list[int]:
    rows = [Transfer(company_id=company_id, connection_id=connection_id,
                     record_type="customer", record_id=500_000 + i, state=state)
            for i in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return [t.id for t in rows]


def test_pagination_is_50_a_page_newest_first_and_stable(books, data):
    ids = data(_bulk, books.company_id, books.connection_id, 120)
    get = books.client.get
    first = get("/records").get_data(as_text=True)
    assert "Showing 1–50 of 120 records" in first and "Page 1 of 3" in first
    ids_on = lambda html: [int(x) for x in re.findall(r'href="/records/(\d+)"', html)]  # noqa: E731
    assert ids_on(first) == sorted(ids, reverse=True)[:50]
    # A state change does not reshuffle pages (order is by id, not by last change).
    books.set_state(ids[-1], "failed")
    second = get("/records?page=2").get_data(as_text=True)
    assert ids_on(second) == sorted(ids, reverse=True)[50:100]
    assert 'href="/records?page=3"' in second and 'href="/records"' in second  # older, newer
    third = get("/records?page=3").get_data(as_text=True)
    assert len(ids_on(third)) == 20 and "Showing 101–120 of 120" in third
    # Past the end: the last page, not an empty table.
    assert ids_on(get("/records?page=99").get_data(as_text=True)) == ids_on(third)
    # Filters carry into the page links.
    html = get("/records?state=sent").get_data(as_text=True)
    assert 'href="/records?state=sent&amp;page=2"' in html


def test_htmx_gets_the_results_fragment_and_the_page_varies(books):
    books.customer(name="Fragment Test Ltd")
    page = books.client.get("/records?q=fragment")
    assert page.status_code == 200
    assert "HX-Request" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    assert "<html" in html and 'id="records-results"' in html and 'hx-push-url="true"' in html

    fragment = books.client.get("/records?q=fragment", headers=HX)
    assert "HX-Request" in fragment.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith("{#") is False
    assert 'id="records-results"' in body and "Fragment Test Ltd" in body
    # Back after the history cache missed: htmx asks again and must get the whole page.
    restore = books.client.get("/records?q=fragment",
                               headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_export_failures_csv(books):
    smith = books.customer(name="A. Smith Plumbing")
    bad = books.customer(name="=HYPERLINK(\"http://evil.example\",\"click\")")
    inv = books.invoice(smith, number="INV-3381", date="2026-03-01")
    books.invoice(bad, number="@SUM(1+1)")
    sent = books.invoice(smith, number="INV-OK")
    books.set_state(books.transfer_id("invoice", inv["source_id"]), "failed",
                    explanation="A. Smith Plumbing is archived in Xero.",
                    fix_hint="Restore the contact in Xero, then press Retry.",
                    package_message="-2+3+cmd|' /C calc'!A0")
    books.set_state(books.transfer_id("customer", bad), "failed",
                    explanation="+ a plus at the start")
    books.set_state(books.transfer_id("invoice", sent["source_id"]), "sent")

    html = books.client.get("/records").get_data(as_text=True)
    assert "Export these 5 records as CSV" in html and "Export only the 2 failures" in html
    answer = books.client.get("/records/failures.csv?state=sent")  # state filter is replaced
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.is_streamed
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Record", "Customer", "Amount", "Date", "State", "Sending to",
                       "What happened", "What to do", "Message from the package"]
    by_title = {r[0]: r for r in rows[1:]}
    assert len(rows) == 3
    smith_row = by_title["Invoice INV-3381"]
    assert smith_row[1:6] == ["A. Smith Plumbing", "108.00", "2026-03-01", "Failed",
                              "Xero · Acme Heating Ltd (UK)"]
    assert smith_row[6:8] == ["A. Smith Plumbing is archived in Xero.",
                              "Restore the contact in Xero, then press Retry."]
    assert smith_row[8] == "'-2+3+cmd|' /C calc'!A0"
    # Cells that would start a formula are quoted; nothing starts with = + - @.
    evil = by_title['Customer =HYPERLINK("http://evil.example","click")']
    assert evil[1] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert evil[6] == "'+ a plus at the start"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    # Filters apply: searching for Smith leaves only Smith's failure.
    answer = books.client.get("/records/failures.csv?q=smith")
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["Invoice INV-3381"]
