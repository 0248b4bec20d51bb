"""User management for admins: add (an invitation: the set-your-password mail, or for someone
who already signs in, one they accept), change role, remove, the last-admin guard, 403 for
bookkeepers and 404 for another company's users; status and last sign-in in the list."""

from __future__ import annotations

import uuid

from app.extensions import db
from app.models import Membership, User
from tests.ui import csrf_from, sign_in


def _post(client, path: str, data: dict | None = None, page: str = "/settings/users"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={**(data or {}), "csrf_token": token})


def _role(app, company_id: int, user_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        m = db.session.execute(db.select(Membership).filter_by(
            company_id=company_id, user_id=user_id)).scalar_one_or_none()
        return m.role if m else None


def _status(app, company_id: int, user_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        m = db.session.execute(db.select(Membership).filter_by(
            company_id=company_id, user_id=user_id)).scalar_one_or_none()
        return m.status if m else None


def _accept(app, company_id: int, user_id: int) -> None:  # type: ignore[no-untyped-def]
    """The invited person says yes (their own page is tested in tests/security)."""
    from app.settings.service import accept_invitation

    with app.app_context():
        m = db.session.execute(db.select(Membership).filter_by(
            company_id=company_id, user_id=user_id)).scalar_one()
        accept_invitation(user_id, m.id)


def _user_id(app, email: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.execute(db.select(User.id).filter_by(email=email)).scalar_one()


def test_an_admin_adds_a_bookkeeper_who_sets_a_password_and_signs_in(app, client, inbox,
                                                                      make_company):
    admin = make_company("Acme Heating Ltd")
    sign_in(client, admin.email, admin.password)
    page = client.get("/settings/users")
    assert page.status_code == 200 and admin.email in page.get_data(as_text=True)
    assert 'href="/settings/users"' in client.get("/").get_data(as_text=True)  # nav link

    new = f"new-{uuid.uuid4().hex[:6]}@example.test"
    added = _post(client, "/settings/users", {"email": f"  {new.upper()} ", "role": "bookkeeper"})
    assert added.status_code == 302
    listing = client.get("/settings/users").get_data(as_text=True)
    assert f"We have emailed {new} an invitation to join as bookkeeper" in listing
    assert "Invited" in listing and "waiting for them to accept" in listing
    [mail] = inbox.to(new)
    assert mail.subject == "You have been added to Acme Heating Ltd on Ledgerlink"
    base = app.config["BASE_URL"]
    [link] = [u for u in mail.links() if u.startswith(f"{base}/reset-password/")]
    assert f'href="{link}"' in mail.html
    assert _role(app, admin.company_id, _user_id(app, new)) == "bookkeeper"
    assert _status(app, admin.company_id, _user_id(app, new)) == "invited"

    # The new user follows the link (in their own browser), chooses a password, signs in.
    other = app.test_client()
    path = link[len(base):]
    page = other.get(path)
    assert page.status_code == 200 and "Choose your password" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    assert other.post(path, data={"password": "the blue van goes out", "confirm":
                                  "the blue van goes out", "csrf_token": token}).status_code == 302
    # Choosing the password accepted the invitation.
    assert _status(app, admin.company_id, _user_id(app, new)) == "active"
    assert sign_in(other, new, "the blue van goes out").status_code == 302
    dashboard = other.get("/").get_data(as_text=True)
    assert "Acme Heating Ltd" in dashboard
    assert 'href="/settings/users"' not in dashboard  # no Settings link for bookkeepers
    # A bookkeeper gets 403 on every admin page, and changes nothing by posting.
    for path in ("/settings/", "/settings/users", "/settings/notifications"):
        assert other.get(path).status_code == 403, path
    token = csrf_from(other.get("/").get_data(as_text=True))
    for path in (f"/settings/users/{admin.user_id}/role", f"/settings/users/{admin.user_id}/remove",
                 f"/settings/users/{admin.user_id}/password-link", "/settings/users",
                 "/settings/notifications"):
        answer = other.post(path, data={"role": "bookkeeper", "email": "x@example.test",
                                        "frequency": "never", "csrf_token": token})
        assert answer.status_code == 403, path
    assert _role(app, admin.company_id, admin.user_id) == "admin"


def test_adding_an_existing_user_invites_them(app, client, inbox, make_company):
    admin = make_company("First Co")
    elsewhere = make_company("Second Co")
    sign_in(client, admin.email, admin.password)
    assert _post(client, "/settings/users", {"email": elsewhere.email,
                                             "role": "admin"}).status_code == 302
    [mail] = inbox.to(elsewhere.email)
    assert mail.subject == "You have been invited to First Co on Ledgerlink"
    assert "/reset-password/" not in mail.text  # their password stays as it is
    assert f"{app.config['BASE_URL']}/settings/invitations" in mail.text
    assert _status(app, admin.company_id, elsewhere.user_id) == "invited"
    assert _role(app, elsewhere.company_id, elsewhere.user_id) == "admin"
    # Adding them twice is refused with a sentence, and bad addresses are named.
    twice = _post(client, "/settings/users", {"email": elsewhere.email, "role": "admin"})
    assert twice.status_code == 409 and "or send the invitation again" in twice.get_data(
        as_text=True)
    bad = _post(client, "/settings/users", {"email": "not an address", "role": "admin"})
    assert bad.status_code == 400 and "is not an email address" in bad.get_data(as_text=True)
    odd = _post(client, "/settings/users", {"email": "x@example.test", "role": "owner"})
    assert odd.status_code == 400 and "Choose a role" in odd.get_data(as_text=True)


def test_the_last_admin_can_be_neither_demoted_nor_removed(app, client, inbox, make_company):
    admin = make_company()
    sign_in(client, admin.email, admin.password)
    demote = _post(client, f"/settings/users/{admin.user_id}/role", {"role": "bookkeeper"})
    assert demote.status_code == 409
    assert "the only admin" in demote.get_data(as_text=True)
    remove = _post(client, f"/settings/users/{admin.user_id}/remove")
    assert remove.status_code == 409
    assert _role(app, admin.company_id, admin.user_id) == "admin"

    second = f"second-{uuid.uuid4().hex[:6]}@example.test"
    _post(client, "/settings/users", {"email": second, "role": "bookkeeper"})
    second_id = _user_id(app, second)
    assert _post(client, f"/settings/users/{second_id}/role",
                 {"role": "admin"}).status_code == 302
    # An invited admin is not an admin yet: the first still cannot step down.
    assert _post(client, f"/settings/users/{admin.user_id}/role",
                 {"role": "bookkeeper"}).status_code == 409
    _accept(app, admin.company_id, second_id)
    assert _role(app, admin.company_id, second_id) == "admin"
    # Now there are two admins: the first may step down, then the second is the last one.
    step_down = _post(client, f"/settings/users/{admin.user_id}/role", {"role": "bookkeeper"})
    assert step_down.status_code == 302 and step_down.headers["Location"] == "/"
    assert client.get("/settings/users").status_code == 403
    with app.app_context():
        m = db.session.execute(db.select(Membership).filter_by(
            company_id=admin.company_id, user_id=second_id)).scalar_one()
        m.role = "admin"
        db.session.commit()
    assert _role(app, admin.company_id, admin.user_id) == "bookkeeper"


def test_an_admin_removes_a_user_who_then_loses_access(app, client, inbox, make_company):
    admin = make_company()
    colleague = make_company()
    sign_in(client, admin.email, admin.password)
    _post(client, "/settings/users", {"email": colleague.email, "role": "bookkeeper"})
    assert _post(client, f"/settings/users/{colleague.user_id}/remove").status_code == 302
    assert _role(app, admin.company_id, colleague.user_id) is None
    assert _role(app, colleague.company_id, colleague.user_id) == "admin"  # theirs untouched
    page = client.get("/settings/users").get_data(as_text=True)
    assert "can no longer see or change" in page
    assert f'id="user-{colleague.user_id}"' not in page
    # Removing again: they are not a user of this company any more.
    assert _post(client, f"/settings/users/{colleague.user_id}/remove").status_code == 404


def test_another_companys_users_are_not_found(app, client, inbox, make_company):
    mine = make_company()
    theirs = make_company()
    sign_in(client, mine.email, mine.password)
    for path, data in ((f"/settings/users/{theirs.user_id}/role", {"role": "bookkeeper"}),
                       (f"/settings/users/{theirs.user_id}/remove", {}),
                       (f"/settings/users/{theirs.user_id}/password-link", {}),
                       (f"/settings/users/{10**9}/remove", {})):
        assert _post(client, path, data).status_code == 404, path
    assert client.post("/settings/users/abc/remove").status_code in (400, 404)
    assert _role(app, theirs.company_id, theirs.user_id) == "admin"
    assert inbox.to(theirs.email) == []
    assert theirs.email not in client.get("/settings/users").get_data(as_text=True)


def test_every_settings_form_needs_its_csrf_token(app, client, make_company):
    admin = make_company()
    sign_in(client, admin.email, admin.password)
    for path, data in (("/settings/users", {"email": "a@example.test", "role": "admin"}),
                       (f"/settings/users/{admin.user_id}/role", {"role": "bookkeeper"}),
                       (f"/settings/users/{admin.user_id}/remove", {}),
                       ("/settings/notifications", {"frequency": "never"})):
        assert client.post(path, data=data).status_code == 400, path
    assert _role(app, admin.company_id, admin.user_id) == "admin"


def test_a_password_link_can_be_sent_again(app, client, inbox, make_company):
    admin = make_company()
    sign_in(client, admin.email, admin.password)
    assert _post(client, f"/settings/users/{admin.user_id}/password-link").status_code == 302
    [mail] = inbox.to(admin.email)
    assert "/reset-password/" in mail.text


def test_settings_need_sign_in(client):
    answer = client.get("/settings/users")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
