"""Another company's records are invisible through every Records route, and the dashboard's
30-day chart counts sent and failed per day from the transfers' history."""

from __future__ import annotations

import re
from datetime import date, timedelta

from app.dashboard.chart import build_chart, daily_outcomes
from app.extensions import db
from app.models import Transfer, TransferEvent, utcnow
from tests.records.conftest import HX
from tests.ui import add_connection, add_invoice, add_transfer, page_token, sign_in


def test_every_records_route_is_scoped_to_the_current_company(app, make_company, data):
    owner = make_company(name="Owner Ltd")
    conn = data(add_connection, owner.company_id)
    inv = data(add_invoice, owner.company_id, "SECRET-1", "Hidden Customer")
    tid = data(add_transfer, owner.company_id, conn, inv, "failed",
               explanation="Owner's failure")

    other = make_company(name="Other Ltd")
    client = app.test_client()
    sign_in(client, other.email, other.password)
    token = page_token(client, "/records")
    for path in (f"/records/{tid}", f"/records?connection={conn}",
                 f"/records/failures.csv?connection={conn}"):
        assert client.get(path).status_code == 404, path
        assert client.get(path, headers=HX).status_code == 404, path
    for action in ("retry", "do-not-send", "send-after-all", "done"):
        answer = client.post(f"/records/{tid}/{action}", data={"csrf_token": token}, headers=HX)
        assert answer.status_code == 404, action
    assert data(lambda: db.session.get(Transfer, tid).state) == "failed"
    listing = client.get("/records?q=SECRET").get_data(as_text=True)
    everything = client.get("/records").get_data(as_text=True)
    export = client.get("/records/failures.csv").get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)
    for page in (listing, everything, export, dashboard):
        assert "SECRET-1" not in page and "Hidden Customer" not in page
        assert "Owner's failure" not in page
    assert "0 failed" in dashboard  # the chart counts only this company's moves


def _events(company_id: int, connection_id: int, moves: list[tuple[int, str, str]]) -> None:
    """(days ago, from, to) moves on fresh transfers."""
    now = utcnow()
    for n, (days_ago, before, after) in enumerate(moves):
        t = Transfer(company_id=company_id, connection_id=connection_id, record_type="customer",
                     record_id=700_000 + n, state=after)
        db.session.add(t)
        db.session.flush()
        db.session.add(TransferEvent(transfer_id=t.id, from_state=before, to_state=after,
                                     at=now - timedelta(days=days_ago)))
    db.session.commit()


def test_chart_counts_sent_and_failed_per_day(books, data):
    moves = [(0, "sending", "sent")] * 3 + [(0, "sending", "failed")] \
        + [(2, "sending", "sent")] * 5 + [(29, "pending", "failed")] \
        + [(31, "sending", "sent")] * 4 \
        + [(1, "needs_manual_update", "sent")] + [(1, "pending", "blocked")]
    data(_events, books.company_id, books.connection_id, moves)
    days = data(daily_outcomes, books.company_id)
    assert len(days) == 30 and days[-1].day == utcnow().date()
    by_day = {(utcnow().date() - d.day).days: (d.sent, d.failed) for d in days}
    assert by_day[0] == (3, 1) and by_day[2] == (5, 0) and by_day[29] == (0, 1)
    assert by_day[1] == (0, 0)  # marking a change done is not a send; blocked is not a failure
    assert sum(d.sent for d in days) == 8

    html = books.client.get("/").get_data(as_text=True)
    assert "Last 30 days" in html
    assert "8 sent · 2 failed (20.0%)" in re.sub(r"\s+", " ", html)
    assert "In the last 30 days 8 records were sent and 2 failed (20.0%)." in html
    assert html.count("<rect") >= 30 and 'fill="#b4232c"' in html


def test_chart_scales_to_the_busiest_day_and_keeps_failures_visible():
    from app.dashboard.chart import Day

    today = date(2026, 3, 30)
    days = [Day(today - timedelta(days=29 - i), 0, 0) for i in range(30)]
    days[-1] = Day(today, 1000, 1)
    days[0] = Day(days[0].day, 500, 0)
    chart = build_chart(days, width=300, height=100)
    last, first = chart.bars[-1], chart.bars[0]
    assert last.sent_h + last.failed_h <= 102 and last.sent_h > 99
    assert last.failed_h == 2.0  # one failure among a thousand still shows
    assert round(first.sent_h) == 50 and first.failed_h == 0
    assert chart.bars[5].sent_h == 0
    assert chart.summary.startswith("In the last 30 days 1,500 records were sent and 1 failed")
