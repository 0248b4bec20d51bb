"""Who may do what on the Linking page: another company's ids are 404s, posts need the CSRF
token, imported contacts cannot be unlinked, and package errors come back in words."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Connection
from tests.linking.conftest import HX, make_xero_contacts, squash
from tests.ui import page_token


def test_another_companys_ids_are_404_and_csrf_is_required(app, linker):
    ours = linker()
    ours.books.post_all([("customers", {"source_id": "C1", "name": "Alpha Heating"})])
    theirs_ids = make_xero_contacts(ours.books, [{"Name": "Alpha Heating Ltd"}])
    victim = ours.transfer("C1")
    other = linker(role="admin")  # another company, its own connection, an admin this time

    # Their user, our connection: every route is a 404, nothing changes.
    token = page_token(other.client, other.url)
    url = ours.url
    assert other.client.get(url).status_code == 404
    assert other.client.get(url, headers=HX).status_code == 404
    for path, data in (("/refresh", {}), (f"/{victim.id}/link", {"external_id": "x"}),
                       (f"/{victim.id}/unlink", {}), (f"/{victim.id}/create-new", {}),
                       ("/bulk", {"pair": f"{victim.id}:x"})):
        answer = other.client.post(f"{url}{path}", data=data,
                                   headers={"X-CSRFToken": token, **HX})
        assert answer.status_code == 404, path
    # Their connection, our record id: 404 as well.
    answer = other.post(f"/{victim.id}/link", {"external_id": theirs_ids["Alpha Heating Ltd"]})
    assert answer.status_code == 404
    answer = other.post("/bulk", {"pair": f"{victim.id}:{theirs_ids['Alpha Heating Ltd']}"})
    assert answer.status_code == 200
    assert "is not one of this connection’s customers or suppliers" in squash(
        answer.get_data(as_text=True))
    assert ours.transfer("C1").state == "pending"

    # Without the CSRF token a link is refused and nothing is written.
    answer = ours.client.post(f"{url}/{victim.id}/link", headers=HX,
                              data={"external_id": theirs_ids["Alpha Heating Ltd"]})
    assert answer.status_code == 400
    assert ours.transfer("C1").state == "pending"
    # Bad input is a 4xx naming the problem.
    assert ours.page(page="two").status_code == 400
    answer = ours.post("/bulk", {"pair": "nonsense"})
    assert answer.status_code == 400 and "is not a match to confirm" in squash(
        answer.get_data(as_text=True))
    answer = ours.post(f"/{victim.id}/link", {"external_id": ""})
    assert answer.status_code == 422
    answer = ours.post(f"/{victim.id}/link", {"external_id": "no-such-contact"})
    assert answer.status_code == 409 and "Press Refresh contacts" in squash(
        answer.get_data(as_text=True))
    # The admin of the other company may link on its own connection (both roles link).
    other.books.post_all([("customers", {"source_id": "B1", "name": "Beta Gas"})])
    beta = make_xero_contacts(other.books, [{"Name": "Beta Gas"}])["Beta Gas"]
    assert other.page().status_code == 200  # fetches their contacts
    answer = other.post(f"/{other.transfer('B1').id}/link", {"external_id": beta})
    assert answer.status_code == 200
    assert other.transfer("B1").external_id == beta


def test_imported_contacts_cannot_be_unlinked_and_errors_are_words(app, linker):
    page = linker()
    made = make_xero_contacts(page.books, [{"Name": "Imported Plumbing"}])
    source_id = f"xero:{made['Imported Plumbing']}"  # the import's id for a contact with no code
    with app.app_context():
        from app.jobs import import_contacts

        import_contacts(page.books.connection_id)
        db.session.remove()
    imported = page.transfer(source_id)
    assert imported.state == "sent"
    answer = page.post(f"/{imported.id}/unlink")
    assert answer.status_code == 409
    assert "was not linked by a person" in squash(answer.get_data(as_text=True))
    assert page.transfer(source_id).state == "sent"
    body = squash(page.page().get_data(as_text=True))
    assert "Linked by hand (0)" in body and "Nothing is waiting to be created" in body

    # The package asks us to slow down: said in words, not a 500.
    with app.app_context():
        from app.redis_conn import get_redis
        from app.sync.ratelimit import CallBudget
        from connectors.base import RateLimitedError
        from connectors.xero import XeroConnector

        budget = CallBudget(get_redis(), page.books.connection_id, XeroConnector.limits)
        for _ in range(1000):
            try:
                budget()()  # each call over at once: the minute runs out, not the slots
            except RateLimitedError:
                break
        else:
            raise AssertionError("the call budget never ran out")
    answer = page.post("/refresh")
    body = squash(answer.get_data(as_text=True))
    assert answer.status_code == 200
    assert re.search(r"Xero asked us to wait \d+ seconds before asking again", body)
    assert "Xero’s contacts as fetched" in body  # the cached list is kept
    with app.app_context():
        for key in get_redis().keys(f"ledgerlink:rl:{page.books.connection_id}:*"):
            get_redis().delete(key)

    # Access revoked at Xero: the page says reconnect, with the link.
    with app.app_context():
        conn = db.session.get(Connection, page.books.connection_id)
        XeroConnector.revoke(app.config, conn.credentials)
        conn.credentials = conn.credentials.with_tokens(expires_at=0)
        db.session.commit()
        db.session.remove()
    answer = page.post("/refresh")
    body = squash(answer.get_data(as_text=True))
    assert answer.status_code == 200
    assert "Xero no longer accepts Ledgerlink’s access, so we cannot read its contacts" in body
    assert "Reconnect Xero" in body


def test_pages_of_fifty_and_search(app, linker):
    page = linker()
    page.books.post_all([("customers", {"source_id": f"C{n:02}", "name": f"Customer {n:02}"})
                         for n in range(1, 56)])
    first = squash(page.page(hx=False).get_data(as_text=True))
    assert first.count('class="link-row') == 50 and "Page 1 of 2" in first
    assert "Customer 01" in first and "Customer 51" not in first
    second = squash(page.page(hx=False, page=2).get_data(as_text=True))
    assert second.count('class="link-row') == 5 and "Customer 55" in second
    assert "<html" in second  # a plain link: the back button never shows a bare fragment
    beyond = squash(page.page(hx=False, page=9).get_data(as_text=True))
    assert "Page 2 of 2" in beyond
    found = squash(page.page(q="customer 4").get_data(as_text=True))
    assert "Waiting to be created in Xero (10)" in found
