"""Bulk Retry and bulk "Do not send" on a filtered list: CSRF, the admin and bookkeeper roles,
only rows in a state the action applies to, and a report of how many changed and why the
others did not. The retry itself ends in a real run on a real worker against the sandbox."""

from __future__ import annotations

import re
import time

from app.extensions import db
from app.models import Run, Transfer
from tests.helpers import add_member
from tests.records.conftest import HX
from tests.sync.conftest import connected_books  # noqa: F401 - fixture
from tests.ui import add_invoice, add_transfer, page_token, sign_in


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def _states(data, ids: list[int]) -> list[str]:  # type: ignore[no-untyped-def]
    return data(lambda: [db.session.get(Transfer, i).state for i in ids])


def test_bulk_do_not_send_only_where_it_applies_and_says_so(books, data):
    cid, conn = books.company_id, books.connection_id
    ids = [data(add_transfer, cid, conn, data(add_invoice, cid, f"INV-{n}", "Bulk Co"), state)
           for n, state in enumerate(("failed", "pending", "blocked", "sent", "sent"))]
    other = data(add_transfer, cid, conn, data(add_invoice, cid, "INV-OTHER", "Else Ltd"),
                 "failed")

    page = books.client.get("/records?q=bulk").get_data(as_text=True)
    assert "Mark the 3 unsent records listed as do not send" in _squash(page)
    assert "Retry the 1 failed record listed" in _squash(page)
    token = books.token("/records?q=bulk")
    answer = books.client.post("/records/bulk/do-not-send", data={"q": "bulk"},
                               headers={"X-CSRFToken": token, **HX})
    body = _squash(answer.get_data(as_text=True))
    assert answer.status_code == 200 and "<html" not in body
    assert ("Marked 3 records as do not send. 2 records were left as they were: 2 sent (only "
            "records that have not reached the package can be held back).") in body
    # Also counted by record (one per invoice), so the bar re-rendered after acting.
    assert 'id="records-results"' in body
    assert _states(data, ids) == ["do_not_send"] * 3 + ["sent", "sent"]
    assert _states(data, [other]) == ["failed"]  # outside the filter: untouched

    # Nothing left to hold back: the same press changes nothing and says so.
    again = books.client.post("/records/bulk/do-not-send", data={"q": "bulk"},
                              headers={"X-CSRFToken": token, **HX})
    assert "No records were marked as do not send." in _squash(again.get_data(as_text=True))
    # A plain form post: back to the same filtered list, the result flashed.
    plain = books.client.post("/records/bulk/do-not-send",
                              data={"q": "else", "csrf_token": token})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/records?q=else")
    assert "Marked 1 record as do not send." in books.client.get(
        plain.headers["Location"]).get_data(as_text=True)


def test_bulk_needs_csrf_a_known_action_and_a_role_that_may_act(app, books, data):
    cid, conn = books.company_id, books.connection_id
    tid = data(add_transfer, cid, conn, data(add_invoice, cid, "INV-R", "Role Co"), "failed")
    assert books.client.post("/records/bulk/retry", data={}, headers=HX).status_code == 400
    token = books.token()
    assert books.client.post("/records/bulk/delete", data={},
                             headers={"X-CSRFToken": token}).status_code == 404
    assert books.client.post("/records/bulk/retry", data={"sort": "colour"},
                             headers={"X-CSRFToken": token}).status_code == 400

    email, password = add_member(app, cid, "viewer", password="pw-viewer-long-enough")
    viewer = app.test_client()
    sign_in(viewer, email, password)
    page = viewer.get("/records").get_data(as_text=True)
    assert "/records/bulk/" not in page  # no buttons for a role that may not act
    refused = viewer.post("/records/bulk/retry", data={},
                          headers={"X-CSRFToken": page_token(viewer, "/records")})
    assert refused.status_code == 403
    assert _states(data, [tid]) == ["failed"]


def test_bulk_retry_sends_the_failed_records_once_with_one_run(app, connected_books,  # noqa: F811
                                                               worker_process):
    books = connected_books()
    p = f"K{books.company_id}-"
    # The sales account is not mapped: the invoices stop at our own checks and fail.
    with app.app_context():
        from tests.mapping.conftest import unmap

        unmap(books.connection_id, books.company_id, "sales")
        db.session.remove()
    books.post_all([("customers", {"source_id": f"{p}C1", "name": "Bulk Retry Ltd"})] + [
        ("invoices", {"source_id": f"{p}I{n}", "number": f"{p}INV-{n}",
                      "customer_source_id": f"{p}C1", "date": "2026-11-02",
                      "amounts_are": "exclusive",
                      "lines": [{"description": "Service", "quantity": 1, "unit_price": 50 + n,
                                 "account": "sales", "tax_rate": "standard"}]})
        for n in (1, 2)])
    worker_process()
    first = books.wait_for_run(books.send()["id"])
    assert first["status"] == "finished"
    states = {t.record_type: t.state for t in books.transfers()}
    assert states == {"customer": "sent", "invoice": "failed"}, states

    # The bookkeeper maps it, then retries every failure the list shows, in one press.
    with app.app_context():
        from app.connections.service import set_mapping
        from app.models import Connection

        set_mapping(db.session.get(Connection, books.connection_id),
                    accounts={"sales": "200"}, tax_rates={})
        db.session.remove()
    email, password = add_member(app, books.company_id, "bookkeeper",
                                 password="pw-bulk-long-enough")
    client = app.test_client()
    sign_in(client, email, password)
    token = page_token(client, "/records?state=failed")
    answer = client.post("/records/bulk/retry", data={"state": "failed"},
                         headers={"X-CSRFToken": token, **HX})
    assert "Retried 2 records." in _squash(answer.get_data(as_text=True))

    with app.app_context():
        runs = db.session.execute(db.select(Run.id).filter_by(
            connection_id=books.connection_id).order_by(Run.id)).scalars().all()
        db.session.remove()
    assert len(runs) == 2  # the first Send Data, and one for the whole bulk retry
    assert books.wait_for_run(runs[-1])["status"] == "finished"
    deadline = time.monotonic() + 60
    while {t.state for t in books.transfers()} != {"sent"} and time.monotonic() < deadline:
        time.sleep(0.5)
    assert {t.state for t in books.transfers()} == {"sent"}
    numbers = sorted(i["InvoiceNumber"] for i in books.package_list("Invoices")
                     if i["InvoiceNumber"].startswith(p))
    assert numbers == [f"{p}INV-1", f"{p}INV-2"]  # each exactly once
