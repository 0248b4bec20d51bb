"""Issue 7, item 14: accent-blind search, date and amount filters, sorting, CSV of any filtered
list, and a count that says what it counts."""

from __future__ import annotations

import csv
import io
import re

from tests.records.conftest import HX
from tests.ui import add_connection, add_invoice, add_transfer


def _titles(html: str) -> list[str]:
    return re.findall(r'class="record-link" href="/records/\d+">([^<]+)</a>', html)


def _count(html: str) -> str:
    at = html.index('id="records-count"')
    return " ".join(re.sub(r"<[^>]+>", " ", html[html.index(">", at) + 1:
                                                  html.index("</p>", at)]).split())


def _line(price: float) -> list[dict]:
    return [{"description": "Work", "quantity": 1, "unit_price": price, "account": "sales",
             "tax_rate": "standard"}]


def test_search_ignores_accents_and_case(books):
    lodz = books.customer(name="Łódź Heating Sp. z o.o.")
    books.customer(name="Zoë Müller")
    books.invoice(lodz, number="FAKTURA-Ż1")
    get = books.client.get
    assert sorted(_titles(get("/records?q=lodz").get_data(as_text=True))) == [
        "Customer Łódź Heating Sp. z o.o.", "Invoice FAKTURA-Ż1"]
    assert _titles(get("/records?q=LÓDŹ").get_data(as_text=True)) != []
    assert _titles(get("/records?q=zoe mull").get_data(as_text=True)) == ["Customer Zoë Müller"]
    assert _titles(get("/records?q=faktura-z1").get_data(as_text=True)) == [
        "Invoice FAKTURA-Ż1"]
    assert _titles(get("/records?q=warsaw").get_data(as_text=True)) == []


def test_date_and_amount_filters_and_sorting(books):
    c = books.customer(name="Range Test Ltd")
    books.invoice(c, number="INV-JAN", date="2026-01-15", lines=_line(10.00))    # £12.00
    books.invoice(c, number="INV-FEB", date="2026-02-15", lines=_line(100.00))   # £120.00
    books.invoice(c, number="INV-MAR", date="2026-03-15", lines=_line(1000.00))  # £1,200.00
    get = books.client.get

    feb_on = _titles(get("/records?from=2026-02-01").get_data(as_text=True))
    assert sorted(feb_on) == ["Invoice INV-FEB", "Invoice INV-MAR"]  # the customer has no date
    assert _titles(get("/records?from=2026-02-01&to=15/02/2026").get_data(as_text=True)) == [
        "Invoice INV-FEB"]
    assert sorted(_titles(get("/records?min=120&max=£1,200.00").get_data(as_text=True))) == [
        "Invoice INV-FEB", "Invoice INV-MAR"]
    assert _titles(get("/records?max=119.99").get_data(as_text=True)) == ["Invoice INV-JAN"]
    # A typed total that disagrees with the lines: filtered by the amount the list shows.
    books.invoice(c, number="INV-TYPO", date="2026-02-20", lines=_line(5.00), total=999.99)
    typo = get("/records?q=INV-TYPO").get_data(as_text=True)
    assert "£6.00" in typo and "£999.99" not in typo
    assert _titles(get("/records?min=5.99&max=6.01").get_data(as_text=True)) == [
        "Invoice INV-TYPO"]
    assert "Invoice INV-TYPO" not in _titles(get("/records?min=900").get_data(as_text=True))

    def order(sort: str) -> list[str]:
        return _titles(get(f"/records?type=invoice&sort={sort}").get_data(as_text=True))

    assert order("amount_desc") == ["Invoice INV-MAR", "Invoice INV-FEB", "Invoice INV-JAN",
                                    "Invoice INV-TYPO"]
    assert order("amount_asc") == ["Invoice INV-TYPO", "Invoice INV-JAN", "Invoice INV-FEB",
                                   "Invoice INV-MAR"]
    assert order("date_asc") == ["Invoice INV-JAN", "Invoice INV-FEB", "Invoice INV-TYPO",
                                 "Invoice INV-MAR"]
    assert order("oldest") == ["Invoice INV-JAN", "Invoice INV-FEB", "Invoice INV-MAR",
                               "Invoice INV-TYPO"]
    assert order("") == ["Invoice INV-TYPO", "Invoice INV-MAR", "Invoice INV-FEB",
                         "Invoice INV-JAN"]
    # Contacts have no amount: sorted after every record that has one.
    everything = _titles(get("/records?sort=amount_desc").get_data(as_text=True))
    assert everything[-1] == "Customer Range Test Ltd"

    page = get("/records?from=2026-02-01&sort=amount_desc").get_data(as_text=True)
    assert 'value="2026-02-01"' in page and '<option value="amount_desc" selected>' in page
    # Pages and the export keep the new filters.
    assert "from=2026-02-01" in page and "sort=amount_desc" in page
    for bad in ("from=yesterday", "min=lots", "max=1e99", "sort=colour", "min=NaN"):
        answer = get(f"/records?{bad}")
        assert answer.status_code == 400, bad


def test_csv_exports_any_filtered_list(books):
    c = books.customer(name="Export Ltd")
    sent = books.invoice(c, number="INV-SENT", lines=_line(50.00))
    books.invoice(c, number="INV-WAIT", lines=_line(70.00))
    books.set_state(books.transfer_id("invoice", sent["source_id"]), "sent")

    page = books.client.get("/records?type=invoice").get_data(as_text=True)
    assert 'href="/records/export.csv?type=invoice"' in page
    assert "Export these 2 records as CSV" in page
    answer = books.client.get("/records/export.csv?type=invoice")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    by_title = {r[0]: r for r in rows[1:]}
    assert set(by_title) == {"Invoice INV-SENT", "Invoice INV-WAIT"}
    assert by_title["Invoice INV-SENT"][2:5] == ["60.00", "2026-03-01", "Sent"]
    assert by_title["Invoice INV-WAIT"][4] == "Pending"
    only_sent = books.client.get("/records/export.csv?state=sent").get_data().decode("utf-8-sig")
    assert "INV-SENT" in only_sent and "INV-WAIT" not in only_sent


def test_count_says_records_or_entries_correctly(books, data):
    cid = books.company_id
    second = data(add_connection, cid, tenant_name="Second Org")
    inv_a = data(add_invoice, cid, "INV-A", "Boiler Co")
    inv_b = data(add_invoice, cid, "INV-B", "Boiler Co")
    for conn in (books.connection_id, second):
        data(add_transfer, cid, conn, inv_a, "sent")
    data(add_transfer, cid, books.connection_id, inv_b, "failed")

    html = books.client.get("/records").get_data(as_text=True)
    assert _count(html) == ("Showing 1–3 of 3 entries: 2 records, each listed once for "
                            "every package it goes to")
    one = books.client.get(f"/records?connection={second}", headers=HX).get_data(as_text=True)
    assert _count(one) == "Showing 1–1 of 1 record"
