"""The wizard's Web Connector step: the login made for an admin with its password shown once
(only its hash kept), the .qwc file (never the password), and reconnecting with a new password
that ends the old one."""

from __future__ import annotations

import re

import zeep
from lxml import etree

from app.extensions import db
from app.models import Connection, PullClient
from tests.connections import signed_in, text
from tests.ui import csrf_from
from tests.webconnector.conftest import SPECS

QBD = "quickbooks_desktop"


def _make_login(client, query: str = "") -> tuple[str, str, int]:  # type: ignore[no-untyped-def]
    page = client.get(f"/connections/new/{QBD}/web-connector{query}")
    assert page.status_code == 200
    form = {"csrf_token": csrf_from(text(page))}
    if "connection_id=" in query:
        form["connection_id"] = query.split("=", 1)[1]
    answer = client.post(f"/connections/new/{QBD}/web-connector", data=form)
    assert answer.status_code == 200, text(answer)[:500]
    assert answer.headers["Cache-Control"] == "no-store"
    html = text(answer)
    password = re.search(r'data-testid="qbwc-password">([^<]+)<', html).group(1)
    user = re.search(r"<code>(ledgerlink-\d+)</code>", html).group(1)
    connection_id = int(re.search(r"/connections/(\d+)/ledgerlink.qwc", html).group(1))
    return user, password, connection_id


def _authenticate(url: str, user: str, password: str) -> list[str]:
    client = zeep.Client(str(SPECS / "QBWebConnectorSvc.wsdl"))
    service = client.create_service("{http://developer.intuit.com/}QBWebConnectorSvcSoap",
                                    f"{url}/qbwc")
    return [s or "" for s in service.authenticate(strUserName=user, strPassword=password)]


def test_the_web_connector_step_makes_a_login_and_its_qwc_file(
        app, qbd_server, make_company) -> None:  # type: ignore[no-untyped-def]
    made = make_company()
    client = signed_in(app, made)
    new = text(client.get(f"/connections/new/{QBD}"))
    assert "Set up the QuickBooks Web Connector" in new
    user, password, connection_id = _make_login(client)
    with app.app_context():
        row = db.session.execute(db.select(PullClient).filter_by(
            connection_id=connection_id)).scalar_one()
        assert row.username == user and password not in row.secret_hash  # a hash, not it
        connection = db.session.get(Connection, connection_id)
        assert connection.company_id == made.company_id and not connection.sending_started
        db.session.remove()
    # The password is shown once: the page again shows none.
    assert password not in text(client.get(f"/connections/new/{QBD}/web-connector"))

    qwc = client.get(f"/connections/{connection_id}/ledgerlink.qwc")
    assert qwc.status_code == 200
    assert "attachment" in qwc.headers["Content-Disposition"]
    assert password.encode() not in qwc.data
    root = etree.fromstring(qwc.data)
    assert root.findtext("UserName") == user
    assert root.findtext("AppURL").endswith("/qbwc")
    assert root.findtext("QBType") == "QBFS"
    assert re.fullmatch(r"\{[0-9A-F-]{36}\}", root.findtext("OwnerID"))
    assert int(root.findtext("Scheduler/RunEveryNMinutes")) >= 1

    assert _authenticate(qbd_server.url, user, password)[0]  # a ticket: the login works


def test_a_second_company_file_gets_its_own_user_and_reconnecting_ends_the_old_password(
        app, qbd_server, make_company) -> None:  # type: ignore[no-untyped-def]
    made = make_company()
    client = signed_in(app, made)
    user, password, connection_id = _make_login(client)
    other_user, _, other_id = _make_login(client)
    assert (other_user, other_id) != (user, connection_id)  # two files never share a user
    token = csrf_from(text(client.get(f"/connections/{connection_id}/reconnect")))
    answer = client.post(f"/connections/{connection_id}/reconnect", data={"csrf_token": token})
    assert answer.status_code == 302 and "connection_id=" in answer.headers["Location"]
    again_user, new_password, again_id = _make_login(client, f"?connection_id={connection_id}")
    assert (again_user, again_id) == (user, connection_id) and new_password != password
    assert _authenticate(qbd_server.url, user, password) == ["", "nvu"]
    assert _authenticate(qbd_server.url, user, new_password)[0]


def test_only_an_admin_makes_the_login(app, qbd_server, make_company) -> None:  # type: ignore[no-untyped-def]
    made = make_company(role="bookkeeper")
    client = signed_in(app, made)
    page = client.get(f"/connections/new/{QBD}/web-connector")
    assert "Only an admin" in text(page)
    answer = client.post(f"/connections/new/{QBD}/web-connector", data={"csrf_token": "x"})
    assert answer.status_code in (400, 403)
    with app.app_context():
        assert db.session.execute(db.select(Connection).filter_by(
            company_id=made.company_id)).scalars().all() == []
        db.session.remove()


def test_the_import_waits_for_the_web_connectors_first_run(app, qbd_server, make_company) -> None:  # type: ignore[no-untyped-def]
    made = make_company()
    client = signed_in(app, made)
    _, _, connection_id = _make_login(client)
    page = client.get(f"/connections/{connection_id}/import")
    answer = client.post(f"/connections/{connection_id}/import",
                         data={"csrf_token": csrf_from(text(page))}, follow_redirects=True)
    assert "have not arrived yet" in text(answer), text(answer)[:2000]
