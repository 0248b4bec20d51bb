"""Issue 8, item 6 and issue 7's peers list: adding someone who already uses Ledgerlink is an
invitation they accept, the admin cannot tell whether the address had an account, and
Settings > Users shows each user's status (invited / active) and last sign-in."""

from __future__ import annotations

import re
import uuid
from html import unescape

from app.extensions import db
from app.models import Membership
from tests.ui import csrf_from, page_token, sign_in


def _add(client, email: str, role: str = "bookkeeper"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/settings/users").get_data(as_text=True))
    return client.post("/settings/users", data={"email": email, "role": role,
                                                "csrf_token": token}, follow_redirects=True)


def _flash(html: str) -> str:
    [message] = re.findall(r'class="flash flash-info" role="status">([^<]+)<', html)
    return unescape(message)


def _row(html: str, user_id: int) -> str:
    match = re.search(rf'<tr id="user-{user_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for user {user_id}"
    return unescape(match.group(1))


def _membership(app, company_id: int, user_id: int) -> Membership | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        found = db.session.execute(db.select(Membership).filter_by(
            company_id=company_id, user_id=user_id)).scalar_one_or_none()
        if found is not None:
            db.session.expunge(found)
        return found


def test_an_existing_user_must_accept_and_the_admin_cannot_tell_they_existed(
        app, inbox, make_company) -> None:  # type: ignore[no-untyped-def]
    admin = make_company("Inviting Heating Ltd")
    existing = make_company("Their Own Co")
    with app.app_context():
        from app.models import User

        user = db.session.get(User, existing.user_id)
        user.name = "Pat Existing"  # a name the admin must not see before they accept
        db.session.commit()
    client = app.test_client()
    sign_in(client, admin.email, admin.password)

    new_email = f"brand-new-{uuid.uuid4().hex[:6]}@example.test"
    said_new = _flash(_add(client, new_email).get_data(as_text=True))
    page = _add(client, existing.email).get_data(as_text=True)
    said_existing = _flash(page)
    assert said_existing.replace(existing.email, "X") == said_new.replace(new_email, "X")
    row = _row(page, existing.user_id)
    assert "Invited" in row and "Pat Existing" not in row and "Last signed in" not in row

    # No access until they accept.
    assert _membership(app, admin.company_id, existing.user_id).status == "invited"
    theirs = app.test_client()
    landed = sign_in(theirs, existing.email, existing.password)
    assert landed.headers["Location"].endswith("/settings/invitations")
    dashboard = theirs.get("/").get_data(as_text=True)
    assert "Inviting Heating Ltd" not in dashboard
    token = csrf_from(dashboard)
    refused = theirs.post("/company", data={"company_id": admin.company_id, "csrf_token": token})
    assert refused.status_code == 404

    # Another user cannot answer it for them.
    stranger = make_company()
    other = app.test_client()
    sign_in(other, stranger.email, stranger.password)
    member_id = _membership(app, admin.company_id, existing.user_id).id
    assert other.post("/settings/invitations", data={
        "membership_id": member_id, "answer": "accept",
        "csrf_token": page_token(other)}).status_code == 404

    invitations = theirs.get("/settings/invitations").get_data(as_text=True)
    assert "Inviting Heating Ltd" in invitations
    accepted = theirs.post("/settings/invitations", data={
        "membership_id": member_id, "answer": "accept",
        "csrf_token": csrf_from(invitations)})
    assert accepted.status_code == 302
    assert _membership(app, admin.company_id, existing.user_id).status == "active"
    assert "Inviting Heating Ltd" in theirs.get("/").get_data(as_text=True)
    row = _row(client.get("/settings/users").get_data(as_text=True), existing.user_id)
    assert "Active" in row and "Last signed in" in row and "Pat Existing" in row


def test_a_declined_invitation_goes_away(app, inbox, make_company) -> None:  # type: ignore[no-untyped-def]
    admin = make_company("Declined Co")
    existing = make_company()
    client = app.test_client()
    sign_in(client, admin.email, admin.password)
    _add(client, existing.email)
    theirs = app.test_client()
    sign_in(theirs, existing.email, existing.password)
    page = theirs.get("/settings/invitations").get_data(as_text=True)
    member_id = _membership(app, admin.company_id, existing.user_id).id
    answer = theirs.post("/settings/invitations", data={
        "membership_id": member_id, "answer": "decline", "csrf_token": csrf_from(page)},
        follow_redirects=True)
    assert "You have declined the invitation to Declined Co." in answer.get_data(as_text=True)
    assert _membership(app, admin.company_id, existing.user_id) is None


def test_users_list_shows_status_and_last_sign_in(app, inbox, make_company) -> None:  # type: ignore[no-untyped-def]
    admin = make_company()
    client = app.test_client()
    sign_in(client, admin.email, admin.password)
    new_email = f"status-{uuid.uuid4().hex[:6]}@example.test"
    page = _add(client, new_email).get_data(as_text=True)
    with app.app_context():
        from app.models import User

        new_id = db.session.execute(db.select(User.id).filter_by(email=new_email)).scalar_one()
    assert "Invited" in _row(page, new_id) and "waiting for them to accept" in _row(page, new_id)
    mine = _row(page, admin.user_id)
    assert "Active" in mine and re.search(r"Last signed in \d\d/\d\d/\d{4} \d\d:\d\d UTC", mine)
    # The invitation sent again reaches them.
    again = client.post(f"/settings/users/{new_id}/password-link",
                        data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert f"We have emailed {new_email} the invitation again." in unescape(
        again.get_data(as_text=True))
    assert len(inbox.to(new_email)) == 2
