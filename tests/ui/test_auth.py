"""Signing in and out, CSRF, throttling of failed sign-ins, and switching company."""

from __future__ import annotations

from app.companies import create_company
from tests.ui import csrf_from, page_token, sign_in


def test_sign_in_page_has_a_labelled_form(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="email">Email</label>' in html
    assert '<label for="password">Password</label>' in html
    assert 'name="csrf_token"' in html


def test_dashboard_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_sign_in_then_out(client, make_company):
    made = make_company(name="Acme Heating Ltd")
    response = sign_in(client, made.email, made.password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Acme Heating Ltd" in page.get_data(as_text=True)

    token = csrf_from(page.get_data(as_text=True))
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302
    assert client.get("/").status_code == 302  # signed out: back to the sign-in page


def test_email_is_not_case_sensitive(client, make_company):
    made = make_company()
    assert sign_in(client, made.email.upper(), made.password).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_company):
    made = make_company()
    wrong = sign_in(client, made.email, "not-the-password")
    unknown = sign_in(client, "nobody-" + made.email, made.password)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "do not match an account" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_csrf_token_is_required(client, make_company):
    made = make_company()
    no_token = client.post("/login", data={"email": made.email, "password": made.password})
    assert no_token.status_code == 400
    assert client.get("/").status_code == 302  # not signed in

    assert sign_in(client, made.email, made.password).status_code == 302
    # Signing out and Send Data refuse a POST that another site could forge.
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    assert client.post("/connections/1/send", headers={"HX-Request": "true"}).status_code == 400


def test_logout_by_get_only_asks(client, make_company):
    made = make_company()
    sign_in(client, made.email, made.password)
    page = client.get("/logout")
    assert page.status_code == 200
    assert "Sign out?" in page.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_next_must_stay_on_this_site(client, make_company):
    made = make_company()
    token = csrf_from(client.get("/login?next=//evil.example/x").get_data(as_text=True))
    response = client.post("/login", data={
        "email": made.email, "password": made.password, "csrf_token": token,
        "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_five_failures_pause_sign_in_for_that_email_and_address(client, app, make_company):
    made = make_company()
    for _ in range(4):
        assert sign_in(client, made.email, "wrong").status_code == 401
    fifth = sign_in(client, made.email, "wrong")
    assert fifth.status_code == 429
    # Even the right password is refused while paused, with a message saying how long.
    right = sign_in(client, made.email, made.password)
    assert right.status_code == 429
    text = right.get_data(as_text=True)
    assert "Too many failed sign-ins" in text
    assert "15 minutes" in text
    assert client.get("/").status_code == 302

    # Another address is not paused: one attacker cannot lock the real user out everywhere.
    other = app.test_client()
    response = sign_in(other, made.email, made.password,
                       environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302


def test_a_successful_sign_in_clears_the_failures(client, app, make_company):
    made = make_company()
    for _ in range(4):
        sign_in(client, made.email, "wrong")
    assert sign_in(client, made.email, made.password).status_code == 302
    client.post("/logout", data={"csrf_token": page_token(client)})
    for _ in range(4):
        assert sign_in(client, made.email, "wrong").status_code == 401
    assert sign_in(client, made.email, made.password).status_code == 302


def test_switching_between_a_users_companies(client, app, make_company):
    first = make_company(name="First Plumbing Ltd")
    stranger = make_company(name="Stranger Electrics Ltd")
    with app.app_context():
        second = create_company("Second Gas Ltd", first.email, first.password, "bookkeeper")
        second_id = second.company.id

    sign_in(client, first.email, first.password)
    page = client.get("/").get_data(as_text=True)
    assert '<select id="company-select" name="company_id">' in page
    assert "Second Gas Ltd" in page
    assert "Stranger Electrics Ltd" not in page

    token = csrf_from(page)
    switched = client.post("/company", data={"company_id": second_id, "csrf_token": token,
                                             "next": "/"})
    assert switched.status_code == 302
    assert "You are now working on Second Gas Ltd" in client.get("/").get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["company_id"] == second_id

    refused = client.post("/company", data={"company_id": stranger.company_id,
                                            "csrf_token": token})
    assert refused.status_code == 404
    with client.session_transaction() as session:
        assert session["company_id"] == second_id


def test_a_tampered_session_company_is_ignored(client, make_company):
    mine = make_company(name="Mine Heating Ltd")
    theirs = make_company(name="Theirs Heating Ltd")
    sign_in(client, mine.email, mine.password)
    with client.session_transaction() as session:
        session["company_id"] = theirs.company_id
    page = client.get("/").get_data(as_text=True)
    assert "Mine Heating Ltd" in page
    assert "Theirs Heating Ltd" not in page


def test_error_pages_use_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Back to the dashboard" in html
    assert "app.css" in html
