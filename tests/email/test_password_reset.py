"""Password reset by email, end to end through a real SMTP server and a real RQ worker."""

from __future__ import annotations

import re
import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.auth import reset
from app.extensions import db
from app.models import User
from tests.ui import csrf_from, sign_in


def _ask(client, email: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/forgot-password").get_data(as_text=True))
    return client.post("/forgot-password", data={"email": email, "csrf_token": token})


def _link(mail, base: str) -> str:  # type: ignore[no-untyped-def]
    links = [u for u in mail.links() if u.startswith(f"{base}/reset-password/")]
    assert len(links) == 1, mail.text
    assert f'href="{links[0]}"' in mail.html
    return links[0][len(base):]


def _set(client, path: str, password: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"password": password, "confirm": confirm or password,
                                   "csrf_token": token})


def test_reset_by_email_end_to_end(app, client, inbox, make_company, worker_process):
    made = make_company()
    worker_process()
    nobody = f"nobody-{made.email}"
    answer_unknown = _ask(client, nobody)
    answer = _ask(client, made.email.upper())  # addresses are not case sensitive
    # No user enumeration: the same page, word for word, whether or not the account exists.
    assert answer.status_code == answer_unknown.status_code == 200
    strip = re.compile(r'<strong>[^<]*</strong>|name="csrf_token"[^>]*value="[^"]+"')
    assert strip.sub("", answer.get_data(as_text=True)) == \
        strip.sub("", answer_unknown.get_data(as_text=True))
    assert "Check your email" in answer.get_data(as_text=True)

    [mail] = inbox.wait_for(made.email)
    assert mail.subject == "Reset your Ledgerlink password"
    assert inbox.to(nobody) == []  # its job ran first (one worker, in order) and sent nothing
    path = _link(mail, app.config["BASE_URL"])

    page = client.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    short = _set(client, path, "short")
    assert short.status_code == 400
    assert "Use at least 10 characters" in short.get_data(as_text=True)
    differ = _set(client, path, "correct horse battery", "correct horse batterY")
    assert differ.status_code == 400 and "not the same" in differ.get_data(as_text=True)
    done = _set(client, path, "correct horse battery")
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")

    assert sign_in(client, made.email, made.password).status_code == 401  # old one is gone
    assert sign_in(client, made.email, "correct horse battery").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/logout").get_data(
        as_text=True))})
    # A used link is dead: the password it was made for has changed.
    used = client.get(path)
    assert used.status_code == 404 and "does not work" in used.get_data(as_text=True)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    again = client.post(path, data={"password": "another long password",
                                    "confirm": "another long password", "csrf_token": token})
    assert again.status_code == 404
    assert sign_in(client, made.email, "correct horse battery").status_code == 302


def test_expired_and_tampered_links_are_refused(app, client, make_company):
    made = make_company()
    with app.app_context():
        user = db.session.get(User, made.user_id)

        class TwoHoursAgo(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(time.time()) - 2 * 3600

        signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=reset._SALT,
                                        signer=TwoHoursAgo)
        old = signer.dumps(
            {"u": user.id, "h": reset._fingerprint(user.password_hash), "p": "reset"})
        fresh = reset.make_token(user)
    expired = client.get(f"/reset-password/{old}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    token = csrf_from(client.get("/forgot-password").get_data(as_text=True))
    posted = client.post(f"/reset-password/{old}", data={
        "password": "a long enough password", "confirm": "a long enough password",
        "csrf_token": token})
    assert posted.status_code == 410
    assert client.get(f"/reset-password/{fresh[:-2]}xx").status_code == 404
    assert client.get("/reset-password/not-a-token").status_code == 404
    # The fresh one works, and without a CSRF token nothing changes.
    assert client.post(f"/reset-password/{fresh}", data={
        "password": "a long enough password", "confirm": "a long enough password"}
    ).status_code == 400
    assert sign_in(client, made.email, made.password).status_code == 302


def test_reset_mails_are_limited_per_address(app, ctx, inbox, make_company):
    made = make_company()
    sent = [reset.send_reset_mail(made.email) for _ in range(reset.MAX_RESET_MAILS_PER_HOUR + 2)]
    assert sent == [True] * reset.MAX_RESET_MAILS_PER_HOUR + [False, False]
    assert len(inbox.to(made.email)) == reset.MAX_RESET_MAILS_PER_HOUR


def test_an_empty_address_is_asked_for_again(client):
    token = csrf_from(client.get("/forgot-password").get_data(as_text=True))
    answer = client.post("/forgot-password", data={"email": " ", "csrf_token": token})
    assert answer.status_code == 400
    assert "Enter the email address you sign in with" in answer.get_data(as_text=True)


def test_sign_in_page_links_to_the_reset(client):
    assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)
