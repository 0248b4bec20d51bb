"""Issue 8, item 6: the OAuth `state` is held server-side and is good for one callback only,
even when an older copy of the session cookie (which held it on main) is sent again."""

from __future__ import annotations

from app.extensions import db
from app.models import Connection
from tests.connections import answer_consent, callback, org_name, signed_in, start


def test_a_state_cannot_be_used_twice_even_with_an_old_session_cookie(app, live_url,
                                                                      make_company) -> None:  # type: ignore[no-untyped-def]
    made = make_company()
    client = signed_in(app, made)
    url = start(client)
    before = client.get_cookie("session").value  # the session as it was, state and all
    first = callback(client, answer_consent(url, organisation=org_name("Once")))
    assert first.status_code == 302

    # The same consent URL (same state) answered again, sent back with the old cookie.
    client.set_cookie("session", before)
    again = callback(client, answer_consent(url, organisation=org_name("Twice")))
    assert again.status_code == 400
    assert "does not match a connection started from this browser" in again.get_data(
        as_text=True)
    with app.app_context():
        names = db.session.execute(db.select(Connection.tenant_name).filter_by(
            company_id=made.company_id)).scalars().all()
    assert len(names) == 1 and names[0].startswith("Once")


def test_the_state_is_held_server_side_for_its_company(app, live_url, make_company) -> None:  # type: ignore[no-untyped-def]
    from app.connections import oauth_state

    made = make_company()
    client = signed_in(app, made)
    url = start(client)
    state = url.split("state=", 1)[1].split("&", 1)[0]
    with app.app_context():
        started = oauth_state.peek(state)
    assert started is not None and started["company_id"] == made.company_id


def test_without_redis_connecting_says_try_again_shortly(make_company) -> None:
    import os
    import socket

    from app import create_app
    from app.config import load_config
    from tests.connections import signed_in as signed_in_to
    from tests.ui import csrf_from

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    made = make_company()
    app = create_app(load_config(dict(os.environ)) | {"TESTING": True})
    client = signed_in_to(app, made)  # sign-in counts in the real Redis
    app.config["REDIS_URL"] = dead  # then Redis goes away
    page = client.get("/connections/new/xero").get_data(as_text=True)
    answer = client.post("/connections/new/xero", data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 503
    assert "please try again shortly" in answer.get_data(as_text=True)
