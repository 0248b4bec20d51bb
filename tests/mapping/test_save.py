"""Saving one row: checked against the package's own list, refused in words, never half-saved."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Connection
from app.redis_conn import get_redis
from tests.mapping.conftest import HX, add_member, code_of, run_in, tax_code_of
from tests.ui import sign_in


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_save_valid_code_rerenders_the_row(app, mapped):
    books = mapped.books
    answer = mapped.post("/accounts/callout_fees", {"code": "200"})
    body = squash(answer.get_data(as_text=True))
    assert answer.status_code == 200 and "HX-Request" in answer.headers["Vary"]
    assert body.lstrip().startswith('<div class="map-row"') and "<html" not in body
    assert "Saved: “Call-out fees” goes to Xero as 200 Sales." in body
    assert run_in(app, code_of, books.connection_id, books.company_id, "callout_fees") == "200"
    # Without HTMX: back to the page, the confirmation flashed.
    plain = mapped.post("/accounts/callout_fees", {"code": "260"}, hx=False)
    assert plain.status_code == 303
    assert "goes to Xero as 260 Other Revenue" in mapped.client.get(mapped.url).get_data(
        as_text=True)


def test_refuses_unknown_archived_and_wrong_kind(app, mapped):
    books = mapped.books
    cases = [
        ("sales", "999", "Xero has no account with the code “999”. If you added it in Xero "
                         "just now, press Refresh lists"),
        ("sales", "205", "“205 Old Sales” is archived in Xero, so Xero would refuse every "
                         "record posted to it."),
        ("bank", "200", "“200 Sales” is a sales (income) account in Xero, but “Bank current "
                        "account” is our bank account. Choose one of Xero’s bank accounts."),
        ("expenses", "090", "“090 Business Bank Account” is a bank account in Xero, but "
                            "“General expenses” is our expense account."),
        ("sales", "", "Choose the Xero account for “Sales” first."),
        ("sales", "x" * 300, "is not a code the package could have"),
    ]
    for key, code, words in cases:
        answer = mapped.post(f"/accounts/{key}", {"code": code})
        body = squash(answer.get_data(as_text=True))
        assert answer.status_code == 422, (key, code)
        assert "Not saved." in body and words in body, (key, code, body[:3000])
    # Nothing changed.
    codes = {k: run_in(app, code_of, books.connection_id, books.company_id, k)
             for k in ("sales", "bank", "expenses")}
    assert codes == {"sales": "200", "bank": "090", "expenses": "429"}
    # Unknown tax code too; and our own unknown keys are 404.
    answer = mapped.post("/tax-rates/standard", {"code": "OUTPUT9"})
    assert answer.status_code == 422 and "Xero has no tax rate with the code" in \
        answer.get_data(as_text=True)
    assert mapped.post("/accounts/nope", {"code": "200"}).status_code == 404
    assert mapped.post("/tax-rates/nope", {"code": "OUTPUT2"}).status_code == 404
    # Without HTMX: the whole page again, 422, the row showing why.
    page = mapped.post("/accounts/bank", {"code": "200"}, hx=False)
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)
    assert "is our bank account" in squash(page.get_data(as_text=True))


def test_tax_rate_with_a_different_percentage_is_saved_with_a_plain_warning(app, mapped):
    books = mapped.books
    answer = mapped.post("/tax-rates/standard", {"code": "RROUTPUT"})
    body = squash(answer.get_data(as_text=True))
    assert answer.status_code == 200
    assert "Check this: our “Standard rate VAT 20%” is 20%, but Xero’s “5% (VAT on Income)” " \
           "is 5%." in body
    assert run_in(app, tax_code_of, books.connection_id, books.company_id, "standard") == \
        "RROUTPUT"
    # The warning stays on the row until it is fixed.
    assert "Check this: our “Standard rate VAT 20%”" in squash(
        mapped.client.get(mapped.url).get_data(as_text=True))
    fixed = squash(mapped.post("/tax-rates/standard", {"code": "OUTPUT2"}).get_data(as_text=True))
    assert "Check this" not in fixed and "Saved:" in fixed


def test_csrf_token_is_required(app, mapped):
    books = mapped.books
    mapped.client.get(mapped.url)
    for path in ("/accounts/sales", "/tax-rates/standard", "/refresh"):
        answer = mapped.client.post(mapped.url + path, data={"code": "260"}, headers=HX)
        assert answer.status_code == 400, path
    assert run_in(app, code_of, books.connection_id, books.company_id, "sales") == "200"


def test_only_admins_and_bookkeepers_may_map(app, connected_books):
    books = connected_books()
    url = f"/connections/{books.connection_id}/mapping"
    for role, allowed in (("admin", True), ("bookkeeper", True), ("viewer", False)):
        email, password = add_member(app, books.company_id, role)
        client = app.test_client()
        sign_in(client, email, password)
        token = _token(client, url)
        answer = client.post(f"{url}/accounts/callout_fees", data={"code": "200"},
                             headers={"X-CSRFToken": token, **HX})
        assert (answer.status_code == 200) is allowed, role
        if not allowed:
            assert answer.status_code == 403
            assert "Save</button>" not in client.get(url, headers=HX).get_data(as_text=True)


def _token(client, path: str) -> str:
    from tests.ui import csrf_from

    return csrf_from(client.get(path).get_data(as_text=True))


def test_package_errors_are_words_not_500(app, mapped):
    books = mapped.books
    # Our own call budget for the connection is spent (shared by every worker through Redis):
    # spend it through the budget itself, whatever its bookkeeping.
    with app.app_context():
        from app.sync.ratelimit import CallBudget
        from connectors.base import RateLimitedError
        from connectors.xero import XeroConnector

        budget = CallBudget(get_redis(), books.connection_id, XeroConnector.limits)
        for _ in range(1000):
            try:
                budget()()  # each call over at once: the minute runs out, not the slots
            except RateLimitedError:
                break
        else:
            raise AssertionError("the call budget never ran out")
    answer = mapped.client.get(mapped.url, headers=HX)
    body = squash(answer.get_data(as_text=True))
    assert answer.status_code == 200
    assert re.search(r"Xero asked us to wait \d+ seconds before asking again", body)
    with app.app_context():
        for key in get_redis().keys(f"ledgerlink:rl:{books.connection_id}:*"):
            get_redis().delete(key)

    # Access revoked at Xero: the page says reconnect (and the connection is marked).
    with app.app_context():
        from connectors.xero import XeroConnector

        conn = db.session.get(Connection, books.connection_id)
        XeroConnector.revoke(app.config, conn.credentials)
        conn.credentials = conn.credentials.with_tokens(expires_at=0)
        db.session.commit()
        db.session.remove()
    answer = mapped.post("/refresh")
    body = squash(answer.get_data(as_text=True))
    assert answer.status_code == 200
    assert "Xero no longer accepts Ledgerlink’s access, so we cannot read its lists" in body
    with app.app_context():
        assert db.session.get(Connection, books.connection_id).status == "reconnect_needed"
    # A save cannot be checked without the list: refused, nothing written.
    answer = mapped.post("/accounts/sales", {"code": "260"})
    assert answer.status_code == 422
    assert "could not check the code against Xero’s list, so nothing was saved" in squash(
        answer.get_data(as_text=True))
    assert run_in(app, code_of, books.connection_id, books.company_id, "sales") == "200"
