"""Per connection, invoices go to Xero as drafts or approved: the choice is on the schedule
step where the package has both (Xero), is not offered where it has not (QuickBooks Online),
and the status arrives in the Xero sandbox through a real worker run."""

from __future__ import annotations

import re

from tests.helpers import add_member
from tests.sync.conftest import connected_books  # noqa: F401  (fixture used here)
from tests.ui import csrf_from, sign_in


def _invoice(p: str, n: int) -> tuple[str, dict]:
    return "invoices", {
        "source_id": f"{p}I{n}", "number": f"{p}INV-{n}", "customer_source_id": f"{p}C1",
        "date": "2026-10-15", "due_date": "2026-11-14", "amounts_are": "exclusive",
        "lines": [{"description": "Boiler service", "quantity": 1, "unit_price": 85.00,
                   "account": "sales", "tax_rate": "standard"}]}


def _save_schedule(client, connection_id: int, **choices: str):  # type: ignore[no-untyped-def]
    url = f"/connections/{connection_id}/schedule"
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(page), "schedule": "manual",
                                  "cutoff_date": "", **choices})


def _status(app, connection_id: int) -> str:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.models import Connection

    with app.app_context():
        value = db.session.get(Connection, connection_id).invoice_status
        db.session.remove()
    return value


def test_draft_or_approved_reaches_xero(app, client, connected_books, worker_process) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    books = connected_books()
    email, password = add_member(app, books.company_id, "admin", password="pw-drafts-ok-12")
    sign_in(client, email, password)
    page = client.get(f"/connections/{books.connection_id}/schedule").get_data(as_text=True)
    assert "New invoices in Xero" in page
    approved = re.search(r'<input[^>]*value="approved"[^>]*>', page)
    assert approved and "checked" in approved.group(0)  # approved unless someone chooses drafts

    saved = _save_schedule(client, books.connection_id, invoice_status="draft")
    assert saved.status_code == 303, saved.get_data(as_text=True)
    assert _status(app, books.connection_id) == "draft"

    p = f"D{books.company_id}-"
    books.post_all([("customers", {"source_id": f"{p}C1", "name": f"Draft Heating {p}"}),
                    _invoice(p, 1)])
    worker_process()
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished" and run["sent"] == 2, run

    assert _save_schedule(client, books.connection_id,
                          invoice_status="approved").status_code == 303
    books.post_all([_invoice(p, 2)])
    run = books.wait_for_run(books.send()["id"])
    assert run["status"] == "finished" and run["sent"] == 1, run

    statuses = {i["InvoiceNumber"]: i["Status"] for i in books.package_list("Invoices")}
    assert statuses == {f"{p}INV-1": "DRAFT", f"{p}INV-2": "AUTHORISED"}


def test_no_draft_choice_where_the_package_has_no_draft_invoices(
        app, client, connected_books) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    books = connected_books(package="quickbooks_online")
    email, password = add_member(app, books.company_id, "admin", password="pw-drafts-ok-12")
    sign_in(client, email, password)
    page = client.get(f"/connections/{books.connection_id}/schedule").get_data(as_text=True)
    assert "New invoices in" not in page and 'name="invoice_status"' not in page
    saved = _save_schedule(client, books.connection_id, invoice_status="draft")
    assert saved.status_code == 303
    assert _status(app, books.connection_id) == "approved"
