"""The notifications tab: admins choose who gets the failure digest and how often, and the
digest goes to exactly those addresses."""

from __future__ import annotations

import uuid
from datetime import timedelta
from html import unescape

from app.extensions import db
from app.models import DigestRecipient, utcnow
from app.sync.digest import send_due_digests
from tests.email.failures import connection_for, failed_invoice
from tests.ui import csrf_from, sign_in


def _save(client, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/settings/notifications").get_data(as_text=True))
    return client.post("/settings/notifications", data={**data, "csrf_token": token})


def _add(client, email: str, role: str = "bookkeeper") -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/settings/users").get_data(as_text=True))
    assert client.post("/settings/users", data={"email": email, "role": role,
                                                "csrf_token": token}).status_code == 302
    # They accept the invitation (only members who have joined can be chosen).
    from app.models import Membership, User
    from app.settings.service import accept_invitation

    with client.application.app_context():
        user_id = db.session.execute(db.select(User.id).filter_by(email=email)).scalar_one()
        member = db.session.execute(db.select(Membership).filter_by(
            user_id=user_id, status="invited")).scalar_one()
        accept_invitation(user_id, member.id)


def test_the_digest_goes_to_the_people_chosen(app, client, inbox, make_company):
    admin = make_company("Chosen Heating Ltd")
    sign_in(client, admin.email, admin.password)
    page = client.get("/settings/notifications").get_data(as_text=True)
    # Until saved, the admins get it (and the page shows them ticked).
    assert f'name="user_ids" value="{admin.user_id}" checked' in page
    assert "Until you save this page, the company's admins get the email." in page

    bookkeeper = f"bk-{uuid.uuid4().hex[:6]}@example.test"
    _add(client, bookkeeper)
    with app.app_context():
        from app.models import User

        bk_id = db.session.execute(db.select(User.id).filter_by(email=bookkeeper)).scalar_one()
    outside = f"Accountant-{uuid.uuid4().hex[:6]}@Outside.test"
    saved = _save(client, {"user_ids": [str(bk_id)], "frequency": "hourly",
                           "extra": f"{outside}\n{bookkeeper}"})
    assert saved.status_code == 302
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "will get an email every hour" in page
    assert f'name="user_ids" value="{bk_id}" checked' in page
    assert f'name="user_ids" value="{admin.user_id}" checked' not in page
    assert outside.lower() in page

    with app.app_context():
        conn = connection_for(admin.company_id)
        failed_invoice(admin.company_id, conn, f"R{uuid.uuid4().hex[:6]}", "A. Smith")
        inbox.clear()
        send_due_digests(utcnow())
        mine = [m for m in inbox.messages if "(Chosen Heating Ltd)" in m.subject]
        assert sorted(r for m in mine for r in m.rcpt_tos) == sorted([bookkeeper,
                                                                      outside.lower()])
        assert inbox.to(admin.email) == []
        # Hourly: due again an hour later, and a new failure goes to the same two.
        failed_invoice(admin.company_id, conn, f"R{uuid.uuid4().hex[:6]}", "B. Jones")
        send_due_digests(utcnow() + timedelta(hours=1))
        assert len(inbox.to(bookkeeper)) == 2 and len(inbox.to(outside)) == 2

    # A user removed from the company stops getting it.
    token = csrf_from(client.get("/settings/users").get_data(as_text=True))
    client.post(f"/settings/users/{bk_id}/remove", data={"csrf_token": token})
    with app.app_context():
        assert db.session.execute(db.select(DigestRecipient).filter_by(
            company_id=admin.company_id, user_id=bk_id)).first() is None

    # "Never": nobody is mailed, whatever fails.
    assert _save(client, {"user_ids": [str(admin.user_id)], "frequency": "never",
                          "extra": ""}).status_code == 302
    with app.app_context():
        failed_invoice(admin.company_id, conn, f"R{uuid.uuid4().hex[:6]}", "C. Brown")
        send_due_digests(utcnow() + timedelta(days=10))
    assert inbox.to(admin.email) == []


def test_bad_addresses_are_named_and_nothing_is_saved(app, client, make_company):
    admin = make_company()
    sign_in(client, admin.email, admin.password)
    answer = _save(client, {"user_ids": [str(admin.user_id)], "frequency": "weekly",
                            "extra": "good@example.test\nnot-an-address"})
    assert answer.status_code == 400
    assert '"not-an-address" is not an email address' in unescape(answer.get_data(as_text=True))
    odd = _save(client, {"user_ids": [str(admin.user_id)], "frequency": "monthly"})
    assert odd.status_code == 400 and "Choose how often" in odd.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(DigestRecipient).filter_by(
            company_id=admin.company_id)).first() is None


def test_another_companys_user_cannot_be_chosen(app, client, make_company):
    mine = make_company()
    theirs = make_company()
    sign_in(client, mine.email, mine.password)
    answer = _save(client, {"user_ids": [str(mine.user_id), str(theirs.user_id)],
                            "frequency": "daily"})
    assert answer.status_code == 404
    assert _save(client, {"user_ids": ["x"], "frequency": "daily"}).status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(DigestRecipient).filter_by(
            company_id=mine.company_id)).first() is None
