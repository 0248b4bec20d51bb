"""Issue 7's journey across both packages: one company connected to a sandbox Xero organisation
and a sandbox QuickBooks Online company, a customer linked by hand on Xero, a Send Data to
Xero, the one-time import on Xero, then Send Data to QuickBooks Online, which already holds
some of our customers under its own spelling. Real HTTP to the app and both sandboxes, real
RQ workers; each sandbox is counted through the package's own API: no two contacts for one of
our customers or suppliers, in either package.

(Before the fix: the import brought J. Patel back as a new customer "Jane Patel" and our
supplier "Screwfix Direct" back as a customer, and QuickBooks Online then got "Jane Patel"
beside "J. Patel" and a second "Greenfield Boilers".)"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import requests

from app.extensions import db
from app.sync.contact_match import normalise_name
from tests.linking.conftest import linker, make_xero_contacts  # noqa: F401 - fixture
from tests.linking.test_linking import invoice
from tests.sync.conftest import Books, connected_books  # noqa: F401 - fixture (linker)


class QboBooks:
    """The sandbox QuickBooks Online company, read and written through QBO's own API."""

    def __init__(self, app: Any, connection_id: int) -> None:
        self.app, self.connection_id = app, connection_id

    def call(self, method: str, path: str, **kwargs: Any) -> dict:
        with self.app.app_context():
            from app.models import Connection
            from app.sync.tokens import fresh_credentials

            creds = fresh_credentials(db.session.get(Connection, self.connection_id))
            api = self.app.config["QBO_API_URL"]
            db.session.remove()
        answer = requests.request(
            method, f"{api}/v3/company/{creds.tenant_id}/{path}", timeout=30,
            params={"minorversion": "75", **kwargs.pop("params", {})},
            headers={"Authorization": f"Bearer {creds.access_token}",
                     "Accept": "application/json"}, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def create_customer(self, name: str, email: str = "") -> str:
        body: dict[str, Any] = {"DisplayName": name}
        if email:
            body["PrimaryEmailAddr"] = {"Address": email}
        return self.call("POST", "customer", json=body)["Customer"]["Id"]

    def names(self, entity: str) -> list[str]:
        found = self.call("GET", "query", params={
            "query": f"select * from {entity} startposition 1 maxresults 1000"})  # noqa: S608
        return [row["DisplayName"] for row in found["QueryResponse"].get(entity, [])]


def _connect_both(app: Any, live_url: str, make_company: Any) -> tuple[Books, Books]:
    made = make_company()
    with app.app_context():
        from app.demo import connect_sandbox

        xero = connect_sandbox("xero", made.company_id, f"Org {uuid.uuid4().hex[:8]}")
        qbo = connect_sandbox("quickbooks_online", made.company_id, f"Co {uuid.uuid4().hex[:8]}")
        xero.schedule = qbo.schedule = "manual"
        db.session.commit()
        ids = xero.id, qbo.id
        db.session.remove()
    return (Books(app, live_url, made.company_id, made.api_key, ids[0], "xero"),
            Books(app, live_url, made.company_id, made.api_key, ids[1], "quickbooks_online"))


def _no_two_alike(names: list[str]) -> None:
    """No two package contacts that are one business by our own normalised-name rule."""
    twice = {n: c for n, c in Counter(normalise_name(x) for x in names).items() if c > 1}
    assert not twice, (twice, names)


def test_import_on_one_send_to_both_no_two_contacts_for_one_customer(
    app, live_url, make_company, linker, worker_process  # noqa: F811
) -> None:
    on_xero, on_qbo = _connect_both(app, live_url, make_company)
    qbo = QboBooks(app, on_qbo.connection_id)
    in_xero = make_xero_contacts(on_xero, [
        {"Name": "Jane Patel", "EmailAddress": "jane@patel.test"},
        {"Name": "Greenfield Boilers Ltd"},
        {"Name": "Hillside Lettings", "EmailAddress": "accounts@hillside.test"},
    ])
    in_qbo = {"Greenfield Boilers": qbo.create_customer("Greenfield Boilers"),
              "Priya Shah": qbo.create_customer("Priya Shah", "priya@shah.test")}
    on_xero.post_all([
        ("customers", {"source_id": "C1", "name": "J. Patel", "email": "jane@patel.test"}),
        ("customers", {"source_id": "C2", "name": "Greenfield Boilers"}),
        ("suppliers", {"source_id": "S1", "name": "Screwfix Direct"}),
        ("customers", {"source_id": "C3", "name": "P. Shah", "email": "priya@shah.test"}),
        invoice("1", "C1"), invoice("2", "C2"), invoice("3", "C3"),
    ])
    worker_process()

    # ---- Xero: J. Patel linked by hand, then Send Data, then the one-time import
    xero_page = linker(on_xero)
    xero_page.page()
    linked = xero_page.post(f"/{xero_page.transfer('C1').id}/link",
                            {"external_id": in_xero["Jane Patel"]})
    assert linked.status_code == 200, linked.get_data(as_text=True)
    run = on_xero.wait_for_run(on_xero.send()["id"])
    assert (run["status"], run["blocked"]) == ("finished", 0), run
    with app.app_context():
        from app.jobs import import_contacts

        imported = import_contacts(on_xero.connection_id)
        db.session.remove()
    assert (imported["customers"], imported["suppliers"], imported["already_linked"]) == \
        (1, 0, 4), imported

    # ---- QuickBooks Online: Send Data; P. Shah looks like QBO's Priya Shah: held
    run = on_qbo.wait_for_run(on_qbo.send()["id"])
    assert run["status"] == "finished", run
    qbo_page = linker(on_qbo)
    held = qbo_page.transfer("C3")
    assert (held.state, held.reason) == ("blocked", "possible_duplicate")
    assert qbo_page.transfer("C2").external_id == in_qbo["Greenfield Boilers"]
    assert "Possible duplicate: link or create?" in qbo_page.page().get_data(as_text=True)
    linked = qbo_page.post(f"/{held.id}/link", {"external_id": in_qbo["Priya Shah"]})
    assert linked.status_code == 200, linked.get_data(as_text=True)
    run = on_qbo.wait_for_run(on_qbo.send()["id"])
    assert (run["status"], run["failed"]) == ("finished", 0), run

    # ---- each package, counted through its own API
    xero_names = [c["Name"] for c in on_xero.package_list("Contacts")]
    assert Counter(xero_names) == Counter(["Jane Patel", "Greenfield Boilers Ltd",
                                           "Hillside Lettings", "Screwfix Direct", "P. Shah"])
    _no_two_alike(xero_names)
    customers, vendors = qbo.names("Customer"), qbo.names("Vendor")
    assert Counter(customers) == Counter(["J. Patel", "Greenfield Boilers", "Priya Shah",
                                          "Hillside Lettings"])
    assert vendors == ["Screwfix Direct"]
    _no_two_alike(customers + vendors)
    # Every record reached both packages, each of ours on exactly one contact in each.
    for books in (on_xero, on_qbo):
        transfers = books.transfers()
        assert {t.state for t in transfers} == {"sent"}, [(t.record_type, t.state, t.reason)
                                                          for t in transfers]
        contacts = [t for t in transfers if t.record_type in ("customer", "supplier")]
        assert len(contacts) == 5
        assert len({(t.record_type, t.external_id) for t in contacts}) == 5
    with app.app_context():
        from app.models import Contact

        ours = Counter(db.session.execute(db.select(Contact.kind).filter_by(
            company_id=on_xero.company_id)).scalars())
        db.session.remove()
    assert ours == {"customer": 4, "supplier": 1}
