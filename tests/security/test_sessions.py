"""Issue 8, item 3: a password reset or change ends every other session and every remember-me
cookie of that user; the remember-me cookie does not last a year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from tests.ui import csrf_from, sign_in


def _remember_sign_in(client, email: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password,
                                       "remember": "y", "csrf_token": token})


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/").status_code == 200


def test_a_password_reset_ends_every_session_and_remember_me_cookie(app, make_company) -> None:
    from app.auth.reset import reset_link
    from app.extensions import db
    from app.models import User

    made = make_company()
    office = app.test_client()
    assert sign_in(office, made.email, made.password).status_code == 302
    laptop = app.test_client()
    answer = _remember_sign_in(laptop, made.email, made.password)
    assert answer.status_code == 302
    remember = laptop.get_cookie("remember_token")
    assert remember is not None
    # The remember-me cookie alone signs in (a browser restarted: no session cookie).
    restarted = app.test_client()
    restarted.set_cookie("remember_token", remember.value)
    assert _signed_in(restarted)
    assert _signed_in(office) and _signed_in(laptop)

    with app.app_context():
        link = reset_link(db.session.get(User, made.user_id))
    phone = app.test_client()
    path = link[len(app.config["BASE_URL"]):]
    token = csrf_from(phone.get(path).get_data(as_text=True))
    new_password = "a brand new password for the office"
    assert phone.post(path, data={"password": new_password, "confirm": new_password,
                                  "csrf_token": token}).status_code == 302

    assert not _signed_in(office)
    assert not _signed_in(laptop)
    stolen = app.test_client()
    stolen.set_cookie("remember_token", remember.value)
    assert not _signed_in(stolen)
    # The new password works, and makes a session that holds.
    assert sign_in(phone, made.email, new_password).status_code == 302
    assert _signed_in(phone)


def test_a_password_change_ends_the_sessions_made_before_it(app, make_company) -> None:
    """Changing the password (User.set_password, as every password change does) from one
    session: every session made before it ends."""
    from app.extensions import db
    from app.models import User

    made = make_company()
    other = app.test_client()
    assert sign_in(other, made.email, made.password).status_code == 302
    with app.app_context():
        user = db.session.get(User, made.user_id)
        user.set_password("changed by the user themselves")
        db.session.commit()
    assert not _signed_in(other)
    fresh = app.test_client()
    assert sign_in(fresh, made.email, "changed by the user themselves").status_code == 302
    assert _signed_in(fresh)


def test_the_remember_me_cookie_lasts_a_month_not_a_year(app, make_company) -> None:
    made = make_company()
    client = app.test_client()
    answer = _remember_sign_in(client, made.email, made.password)
    [header] = [h for h in answer.headers.getlist("Set-Cookie")
                if h.startswith("remember_token=")]
    expires = next(p.split("=", 1)[1] for p in header.split("; ")
                   if p.lower().startswith("expires="))
    lifetime = parsedate_to_datetime(expires) - datetime.now(UTC)
    assert timedelta(days=1) < lifetime <= timedelta(days=31)
    assert "SameSite=Lax" in header and "HttpOnly" in header


def test_changing_the_password_ends_every_other_session_but_this_one(app, make_company) -> None:
    made = make_company()
    here = app.test_client()
    assert sign_in(here, made.email, made.password).status_code == 302
    elsewhere = app.test_client()
    assert _remember_sign_in(elsewhere, made.email, made.password).status_code == 302
    remember = elsewhere.get_cookie("remember_token").value

    page = here.get("/account/password").get_data(as_text=True)
    wrong = here.post("/account/password", data={
        "current": "not it", "password": "x" * 12, "confirm": "x" * 12,
        "csrf_token": csrf_from(page)})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(
        as_text=True)
    new_password = "the new one for the office van"
    changed = here.post("/account/password", data={
        "current": made.password, "password": new_password, "confirm": new_password,
        "csrf_token": csrf_from(page)}, follow_redirects=True)
    assert changed.status_code == 200
    assert "signed out everywhere else" in changed.get_data(as_text=True)

    assert _signed_in(here)
    assert not _signed_in(elsewhere)
    restarted = app.test_client()
    restarted.set_cookie("remember_token", remember)
    assert not _signed_in(restarted)
    assert sign_in(app.test_client(), made.email, made.password).status_code == 401


def test_a_session_from_before_session_tokens_must_sign_in_again(app, make_company) -> None:
    """After the upgrade, a year-long remember-me cookie made before it (naming only the user
    id) no longer signs anyone in; signing in again gives the user a token."""
    from app.extensions import db
    from app.models import User

    made = make_company()
    with app.app_context():
        db.session.get(User, made.user_id).session_token = ""  # as the migration leaves it
        db.session.commit()
    old = app.test_client()
    with old.session_transaction() as sess:
        sess["_user_id"] = str(made.user_id)
        sess["_fresh"] = True
    assert not _signed_in(old)
    assert sign_in(old, made.email, made.password).status_code == 302
    assert _signed_in(old)
    with app.app_context():
        assert db.session.get(User, made.user_id).session_token
