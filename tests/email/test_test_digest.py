"""Settings > Notifications: "Send a test email now" mails the failure email through the real
mail server to the saved recipients and says to whom it went; extra addresses are one a line."""

from __future__ import annotations

import re
import uuid
from html import unescape

from app.extensions import db
from app.models import DigestState
from tests.email.failures import connection_for, failed_invoice
from tests.ui import csrf_from, sign_in


def _page(client) -> str:  # type: ignore[no-untyped-def]
    return unescape(client.get("/settings/notifications").get_data(as_text=True))


def _flash(html: str) -> str:
    return " ".join(re.sub(r"\s+", " ", m) for m in
                    re.findall(r'class="flash flash-\w+"[^>]*>(.*?)</div>', html, re.S))


def _save(client, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/settings/notifications").get_data(as_text=True))
    return client.post("/settings/notifications", data={**data, "csrf_token": token})


def _test(client):  # type: ignore[no-untyped-def]
    html = client.get("/settings/notifications").get_data(as_text=True)
    token = csrf_from(html[html.index('class="test-digest"'):])
    return client.post("/settings/notifications/test", data={"csrf_token": token})


def test_test_digest_goes_to_the_saved_recipients_and_says_to_whom(app, client, inbox,
                                                                    make_company):
    admin = make_company("Tested Heating Ltd")
    sign_in(client, admin.email, admin.password)
    outside = f"accounts-{uuid.uuid4().hex[:6]}@outside.test"
    assert _save(client, {"user_ids": [], "frequency": "daily",
                          "extra": f"Jane Smith <{outside}>"}).status_code == 302
    assert f"to the people saved above: {outside}." in re.sub(r"\s+", " ", _page(client))

    # Nothing failed yet: the test says so, and goes to the saved address only.
    answer = _test(client)
    assert answer.status_code == 302
    said = _flash(unescape(client.get(answer.headers["Location"]).get_data(as_text=True)))
    assert f"Test email sent to {outside}. Nothing has failed right now" in said
    [mail] = inbox.to(outside)
    assert mail.subject == "Test: Ledgerlink failure email (Tested Heating Ltd)"
    assert f"sent by {admin.email}" in mail.text and "Nothing has failed right now" in mail.text
    assert inbox.to(admin.email) == []

    # With a failure: the real digest's content, marked as a test; the real digest is unmoved.
    with app.app_context():
        conn = connection_for(admin.company_id)
        number = f"T{uuid.uuid4().hex[:6]}"
        failed_invoice(admin.company_id, conn, number, "A. Smith")
    inbox.clear()
    said = _flash(unescape(client.get(_test(client).headers["Location"]).get_data(
        as_text=True)))
    assert f"Test email sent to {outside}. It lists the 1 record failed right now." in said
    [mail] = inbox.to(outside)
    assert mail.subject.startswith("Test: Ledgerlink: 1 record needs your attention")
    assert f"Invoice {number}" in mail.text and "This is a test" in mail.html
    with app.app_context():
        state = db.session.get(DigestState, admin.company_id)
        assert state.last_transfer_event_id == 0 and state.last_sent_at is None
        from app.sync.digest import send_company_digest

        assert send_company_digest(admin.company_id) == 1  # still told for real


def test_nobody_saved_means_no_test_and_a_reason(client, inbox, make_company):
    admin = make_company("Nobody Ltd")
    sign_in(client, admin.email, admin.password)
    assert _save(client, {"user_ids": [], "frequency": "daily", "extra": ""}).status_code == 302
    page = re.sub(r"\s+", " ", _page(client))
    assert "Nobody is saved to get failure emails yet" in page
    answer = _test(client)
    said = _flash(unescape(client.get(answer.headers["Location"]).get_data(as_text=True)))
    assert "Nobody is chosen to get failure emails, so no test was sent." in said
    assert inbox.messages == [] or all("Nobody Ltd" not in m.subject for m in inbox.messages)


def test_bookkeeper_cannot_send_a_test(app, client, make_company):
    from tests.helpers import add_member

    admin = make_company("Roles Ltd")
    email, password = add_member(app, admin.company_id, "bookkeeper", password="pw-bk-long-22")
    sign_in(client, email, password)
    token = csrf_from(client.get("/records").get_data(as_text=True))
    assert client.post("/settings/notifications/test",
                       data={"csrf_token": token}).status_code == 403


def test_extra_addresses_are_one_a_line_not_split_on_spaces(client, make_company):
    admin = make_company("Lines Ltd")
    sign_in(client, admin.email, admin.password)
    a, b = (f"{x}-{uuid.uuid4().hex[:6]}@example.test" for x in "ab")
    saved = _save(client, {"user_ids": [], "frequency": "daily",
                           "extra": f"  {a}  \r\nBob Brown <{b}>\n\n"})
    assert saved.status_code == 302
    page = _page(client)
    assert f"{a}\n{b}" in page
    # A space inside a line is a typing mistake in one address, said as such.
    wrong = _save(client, {"user_ids": [], "frequency": "daily",
                           "extra": "jane smith@example.test"})
    assert wrong.status_code == 400
    assert '"jane smith@example.test" is not an email address' in unescape(
        wrong.get_data(as_text=True))
