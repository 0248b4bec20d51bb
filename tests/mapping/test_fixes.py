"""Issue 7, item 12: a mapping can be cleared, the wizard survives a visit to the mapping page,
only sales rates are offered for our (sales) VAT rates, and QuickBooks' internal ids stay out
of the labels."""

from __future__ import annotations

import re

from tests.mapping.conftest import HX, Mapped, add_member, code_of, run_in, tax_code_of
from tests.ui import sign_in


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def select_of(html: str, dom_id: str) -> str:
    at = html.index(f'id="code-{dom_id}"')
    return html[at:html.index("</select>", at)]


def test_a_saved_mapping_can_be_cleared(app, mapped):
    books = mapped.books
    assert run_in(app, code_of, books.connection_id, books.company_id, "sales") == "200"
    page = mapped.client.get(mapped.url, headers=HX).get_data(as_text=True)
    assert f'action="{mapped.url}/accounts/sales/clear"' in page

    answer = mapped.post("/accounts/sales/clear")
    body = squash(answer.get_data(as_text=True))
    assert answer.status_code == 200
    assert "Cleared: “Sales” is not mapped to Xero any more." in body
    assert "Not mapped" in body and "/accounts/sales/clear" not in body  # nothing left to clear
    assert run_in(app, code_of, books.connection_id, books.company_id, "sales") is None
    # The summary at the top follows.
    assert 'id="mapping-summary"' in body and "1 account is not mapped to Xero yet." in body

    plain = mapped.post("/tax-rates/standard/clear", hx=False)
    assert plain.status_code == 303
    assert run_in(app, tax_code_of, books.connection_id, books.company_id, "standard") is None
    assert "Cleared: “Standard rate VAT 20%”" in squash(
        mapped.client.get(mapped.url).get_data(as_text=True))
    assert mapped.post("/accounts/nope/clear").status_code == 404


def test_only_admins_and_bookkeepers_may_clear(app, connected_books):
    books = connected_books()
    url = f"/connections/{books.connection_id}/mapping"
    email, password = add_member(app, books.company_id, "viewer")
    client = app.test_client()
    sign_in(client, email, password)
    viewer = Mapped(books, client, url)
    assert viewer.post("/accounts/sales/clear").status_code == 403
    assert "/clear" not in client.get(url, headers=HX).get_data(as_text=True)
    assert run_in(app, code_of, books.connection_id, books.company_id, "sales") == "200"


def test_mapping_opened_from_the_wizard_leads_back_to_it(app, mapped):
    books, client = mapped.books, mapped.client
    step = client.get(f"/connections/{books.connection_id}/mapping-step").get_data(as_text=True)
    link = f'href="{mapped.url}?from=wizard"'
    assert link in step

    page = squash(client.get(f"{mapped.url}?from=wizard").get_data(as_text=True))
    assert f'href="/connections/{books.connection_id}/schedule">Next: schedule and cut-off ' \
           "date</a>" in page
    assert f'href="/connections/{books.connection_id}/mapping-step"' in page
    # Opened from the top bar instead: no wizard.
    assert "Next: schedule" not in client.get(mapped.url).get_data(as_text=True)

    # A plain form post keeps the wizard (the rows' HTMX posts never leave the page).
    fragment = client.get(f"{mapped.url}?from=wizard", headers=HX).get_data(as_text=True)
    assert '<input type="hidden" name="from" value="wizard">' in fragment
    saved = mapped.post("/accounts/callout_fees", {"code": "200", "from": "wizard"}, hx=False)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("?from=wizard")
    assert "Next: schedule" in client.get(saved.headers["Location"]).get_data(as_text=True)


def test_xero_sales_rates_only_are_offered_and_purchase_rates_refused(app, mapped):
    books = mapped.books
    body = mapped.client.get(mapped.url, headers=HX).get_data(as_text=True)
    picker = select_of(body, "map-tax-rate-standard")
    assert 'value="OUTPUT2" selected' in picker and 'value="NONE"' in picker
    for purchase in ("INPUT2", "RRINPUT", "ZERORATEDINPUT", "EXEMPTINPUT"):
        assert f'value="{purchase}"' not in picker, purchase

    answer = mapped.post("/tax-rates/standard", {"code": "INPUT2"})
    words = squash(answer.get_data(as_text=True))
    assert answer.status_code == 422
    assert "“20% (VAT on Expenses) · INPUT2” is a purchases rate in Xero: it goes on bills" \
        in words and "Choose one of Xero’s sales rates." in words
    assert run_in(app, tax_code_of, books.connection_id, books.company_id, "standard") == \
        "OUTPUT2"


def test_quickbooks_labels_are_what_a_bookkeeper_sees_in_quickbooks(app, client,
                                                                    connected_books):
    books = connected_books(package="quickbooks_online")
    email, password = add_member(app, books.company_id, "bookkeeper")
    sign_in(client, email, password)
    url = f"/connections/{books.connection_id}/mapping"
    body = client.get(url, headers=HX).get_data(as_text=True)
    picker = select_of(body, "map-tax-rate-standard")
    assert ">20.0% S · Standard rated 20%</option>" in picker
    assert "· 2 ·" not in body and "20.0% S · 2" not in body
    # No option starts with an internal id: "Item: Services (→ Sales)", not "1 Item: ...".
    labels = re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', body)
    assert labels and not [label for label in labels if re.match(r"\d+ ", label)], labels
    saved = Mapped(books, client, url).post("/tax-rates/standard", {"code": "2"})
    assert "goes to QuickBooks Online as 20.0% S." in squash(saved.get_data(as_text=True))


def test_lists_cached_before_rates_said_their_kind_are_fetched_again(app, mapped):
    from app.extensions import db
    from app.models import PackageList

    mapped.client.get(mapped.url, headers=HX)  # fetched and cached

    def _forget_kind() -> None:
        row = db.session.execute(db.select(PackageList).filter_by(
            connection_id=mapped.books.connection_id, kind="tax_rates")).scalar_one()
        entries = [{k: v for k, v in e.items() if k != "sales"} for e in row.data["entries"]]
        row.data = {"supported": True, "entries": entries}
        db.session.commit()

    run_in(app, _forget_kind)
    page = mapped.client.get(mapped.url).get_data(as_text=True)
    assert 'hx-trigger="load"' in page  # not trusted: the lists load again
    body = mapped.client.get(mapped.url, headers=HX).get_data(as_text=True)
    assert 'value="INPUT2"' not in select_of(body, "map-tax-rate-standard")


def test_a_disconnected_connection_is_not_read_and_stays_disconnected(app, mapped):
    """Opening the page of a disconnected connection whose lists were never read used to call
    the package with no access left, and the failed refresh marked it "reconnect needed"."""
    from app.connections.lifecycle import disconnect
    from app.extensions import db
    from app.models import Connection

    def _disconnect() -> None:
        disconnect(db.session.get(Connection, mapped.books.connection_id))

    run_in(app, _disconnect)
    body = squash(mapped.client.get(mapped.url, headers=HX).get_data(as_text=True))
    assert "This connection to Xero is disconnected, so its lists cannot be read. Reconnect " \
           "it first." in body
    refreshed = squash(mapped.post("/refresh").get_data(as_text=True))
    assert "is disconnected, so its lists cannot be read" in refreshed
    status = run_in(app, lambda: db.session.get(Connection, mapped.books.connection_id).status)
    assert status == "disconnected"
