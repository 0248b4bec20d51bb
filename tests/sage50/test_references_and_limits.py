"""Sage 50 account refs we choose (at most 8 characters, upper case, unique per connection,
clear of what Sage already has, the same on every hand-out), pre-flight against Sage 50's
limits (refused in words, never handed to the agent), and the heartbeat's words reaching the
dashboard and the digest. All over real HTTP against the live app."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta
from typing import Any

import pytest

from tests.connections import signed_in, text
from tests.sage50.agent_calls import LISTS, call, lease
from tests.sage50.conftest import Office

ADDRESS = {"line1": "1 High Street", "line2": "", "city": "Leeds", "postcode": "LS1 1AA",
           "country": "GB"}
LINE = {"description": "Boiler service", "quantity": 1, "unit_price": 100,
        "account": "sales", "tax_rate": "standard"}


def customer(source_id: str, name: str) -> tuple[str, dict[str, Any]]:
    return ("customers", {"source_id": source_id, "name": name, "email": "",
                          "phone": "0113 000000", "address": ADDRESS})


def invoice(source_id: str, customer_id: str, number: str, **line: Any
            ) -> tuple[str, dict[str, Any]]:
    return ("invoices", {"source_id": source_id, "number": number,
                         "customer_source_id": customer_id, "date": "2026-11-30",
                         "due_date": "2026-12-30", "amounts_are": "exclusive",
                         "lines": [{**LINE, **line}]})


def send_lists(office: Office, contacts: list[dict[str, Any]] | None = None) -> None:
    for name, entries in {**LISTS, "contacts": contacts or []}.items():
        answer = call(office, "PUT", f"lists/{name}", {name: entries})
        assert answer.status_code == 200, answer.text


def hand_out_all(office: Office, ack: bool = True) -> list[dict[str, Any]]:
    """Lease until nothing is ready, acking each batch as written (references made up as
    Sage would give them): every record the agent was handed, in order."""
    seen: list[dict[str, Any]] = []
    for _ in range(20):
        batch = lease(office)
        if not batch["records"]:
            return seen
        seen += batch["records"]
        if not ack:
            return seen
        results = [{"key": r["key"], "status": "created",
                    "reference": r["payload"].get("account_ref") if r["kind"] in (
                        "customer", "supplier") else str(100 + i)}
                   for i, r in enumerate(batch["records"])]
        answer = call(office, "POST", "ack", {"batch_id": batch["batch_id"],
                                              "results": results})
        assert answer.status_code == 200 and answer.json()["applied"] == len(results), \
            answer.text
    raise AssertionError("the hand-outs never ran dry")


def refs_of(records: list[dict[str, Any]]) -> dict[str, str]:
    return {r["payload"]["name"]: r["payload"]["account_ref"] for r in records
            if r["kind"] == "customer"}


# References.

def test_account_refs_are_short_upper_case_unique_and_say_which_customer(office) -> None:  # type: ignore[no-untyped-def]
    books = office()
    names = ["Acme Heating Ltd", "Acme Heating Limited", "ACME HEATING (North)",
             "The Zed Co", "O'Brien & Sons Plumbing and Heating", "99 Degrees", "Ltd"]
    books.post_all([customer(f"C{i}", n) for i, n in enumerate(names)])
    send_lists(books)
    refs = refs_of(hand_out_all(books, ack=False))
    assert set(refs) == set(names)
    for ref in refs.values():
        assert re.fullmatch(r"[A-Z0-9]{1,8}", ref), ref
    assert len(set(refs.values())) == len(names)
    # Named alike: the first keeps the stem, the next make room for a number.
    assert sorted(refs[n] for n in names[:3]) == ["ACMEHEA2", "ACMEHEA3", "ACMEHEAT"]
    assert refs["Acme Heating Ltd"] == "ACMEHEAT"
    assert refs["The Zed Co"] == "ZED"
    assert refs["O'Brien & Sons Plumbing and Heating"] == "OBRIENSO"
    assert refs["99 Degrees"] == "99DEGREE"
    assert refs["Ltd"] == "LTD"  # nothing left once filler words go: the name itself

    # Unique per connection, not across them: another company's books start afresh.
    other = office()
    other.post_all([customer("C0", "Acme Heating Ltd")])
    send_lists(other)
    assert refs_of(hand_out_all(other, ack=False)) == {"Acme Heating Ltd": "ACMEHEAT"}


def test_a_ref_sage_already_has_is_never_chosen(office) -> None:  # type: ignore[no-untyped-def]
    books = office()
    # What the agent read from Sage: accounts whose refs are the ones we would choose.
    send_lists(books, contacts=[
        {"reference": "ACMEHEAT", "name": "Acme Plant Hire", "kind": "customer"},
        {"reference": "acmehea2", "name": "Acme Tools", "kind": "supplier"},
        {"reference": "BROWNELE", "name": "Bluebell Florists", "kind": "customer"}])
    books.post_all([customer("C1", "Acme Heating Ltd"), customer("C2", "Acme Heating Ltd."),
                    customer("C3", "Brown Electrical")])
    refs = refs_of(hand_out_all(books, ack=False))
    assert sorted(refs.values()) == ["ACMEHEA3", "ACMEHEA4", "BROWNEL2"], refs


def test_a_record_handed_out_again_keeps_its_ref_and_is_checked_first(office) -> None:  # type: ignore[no-untyped-def]
    books = office()
    books.post_all([customer("C1", "Acme Heating Ltd"), customer("C2", "Acme Heating Ltd"),
                    customer("C3", "Brown Electrical")])
    send_lists(books)
    first = lease(books)
    assert not any(r["check_first"] for r in first["records"])
    # The agent wrote them and its answer never came: the lease runs out.
    assert books.expire_leases() == len(first["records"])
    # Meanwhile Sage's list arrives holding the refs the lost writes made: they are ours.
    send_lists(books, contacts=[{"reference": r["payload"]["account_ref"],
                                 "name": r["payload"]["name"], "kind": "customer"}
                                for r in first["records"]])
    again = lease(books)
    assert {r["key"]: r["payload"]["account_ref"] for r in again["records"]} == {
        r["key"]: r["payload"]["account_ref"] for r in first["records"]}
    assert all(r["check_first"] for r in again["records"])
    assert again["batch_id"] != first["batch_id"]
    # The first batch's late ack no longer counts; the new one's does.
    late = call(books, "POST", "ack", {"batch_id": first["batch_id"], "results": [
        {"key": r["key"], "status": "created", "reference": "WRONG"} for r in first["records"]]})
    assert late.json()["applied"] == 0
    done = call(books, "POST", "ack", {"batch_id": again["batch_id"], "results": [
        {"key": r["key"], "status": "exists", "reference": r["payload"]["account_ref"]}
        for r in again["records"]]})
    assert done.json()["applied"] == len(again["records"])
    sent = {t.package_ref: (t.state, t.external_id) for t in books.transfers()
            if t.record_type == "customer"}
    assert all(state == "sent" and ref == ext for ref, (state, ext) in sent.items()), sent


# Pre-flight: what Sage 50 would refuse is refused here, in words, and never handed out.

def _map_tax(office: Office, **codes: str) -> None:
    with office.app.app_context():
        from app.connections.service import set_mapping
        from app.extensions import db
        from app.models import Connection

        set_mapping(db.session.get(Connection, office.connection_id), {}, codes)
        db.session.commit()
        db.session.remove()


def _add_tax_rate(office: Office, key: str) -> None:
    from decimal import Decimal

    with office.app.app_context():
        from app.extensions import db
        from app.models import TaxRate

        db.session.add(TaxRate(company_id=office.company_id, key=key, name="Luxury 25%",
                               rate=Decimal("25")))
        db.session.commit()
        db.session.remove()


PREFLIGHT = [
    ("customer name over 60", [customer("C9", "A" * 61)], "customer", ["60", "name"]),
    ("invoice number over 30", [invoice("I9", "C1", "INV-" + "9" * 27)], "invoice",
     ["number", "30"]),
    ("line description over 60", [invoice("I9", "C1", "INV-9", description="d" * 61)],
     "invoice", ["Line 1", "60"]),
    ("their reference over 60", [("invoices", {**invoice("I9", "C1", "INV-9")[1],
                                                "reference": "R" * 61})], "invoice",
     ["customer reference", "60"]),
    ("invalid tax code", [invoice("I9", "C1", "INV-9", tax_rate="reduced")], "invoice",
     ["VAT5", "T0 to T99"]),
    ("amount over 8 digits", [invoice("I9", "C1", "INV-9", unit_price=100_000_000)],
     "invoice", ["99,999,999.99"]),
]


@pytest.mark.parametrize(("case", "bad", "kind", "words"), PREFLIGHT,
                         ids=[c[0] for c in PREFLIGHT])
def test_what_sage_would_refuse_is_failed_in_words_and_never_handed_out(
        office, case, bad, kind, words) -> None:  # type: ignore[no-untyped-def]
    books = office()
    _map_tax(books, reduced="VAT5")
    good = [customer("C1", "Good Customer Ltd"), invoice("I1", "C1", "INV-1")]
    books.post_all(good + bad)
    send_lists(books)
    handed = hand_out_all(books)
    failed = [t for t in books.transfers() if t.state == "failed"]
    assert len(failed) == 1, [(t.record_type, t.state, t.explanation) for t in failed]
    t = failed[0]
    assert t.record_type == kind
    said = f"{t.explanation} {t.package_message}"
    for word in words:
        assert word in said, (word, said)
    assert t.idempotency_key not in {r["key"] for r in handed}  # the agent never had it
    assert not {r["payload"].get("reference") for r in handed} & {"INV-9", "INV-" + "9" * 27}
    assert "A" * 61 not in {r["payload"].get("name") for r in handed}
    # The good records went through all the same.
    assert {r["payload"].get("reference") for r in handed if r["kind"] == "invoice"} == \
        {"INV-1"}
    assert {t.state for t in books.transfers() if t.state != "failed"} == {"sent"}


def test_an_unmapped_tax_rate_is_never_handed_out(office) -> None:  # type: ignore[no-untyped-def]
    books = office()
    _add_tax_rate(books, "luxury")
    books.post_all([customer("C1", "Good Customer Ltd"),
                    invoice("I1", "C1", "INV-1", tax_rate="luxury")])
    send_lists(books)
    handed = hand_out_all(books)
    assert [r["kind"] for r in handed] == ["customer"]
    waiting = [t for t in books.transfers() if t.record_type == "invoice"]
    assert len(waiting) == 1 and waiting[0].state != "sent"
    said = f"{waiting[0].explanation} {waiting[0].package_message}".lower()
    assert "map" in said, said


# The heartbeat: versions and company name on the dashboard; silence in the digest.

def test_the_heartbeat_reaches_the_dashboard_and_silence_the_digest(app, office,
                                                                    make_company) -> None:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.models import Company, Connection, PullClient, utcnow
    from app.sync.digest import build_digest

    made = make_company()
    books = office()
    with app.app_context():  # the office's connection, moved into this user's company
        connection = db.session.get(Connection, books.connection_id)
        connection.company_id = made.company_id
        connection.tenant_name = "Sage 50 Accounts company"
        db.session.commit()
        db.session.remove()
    answer = call(books, "POST", "heartbeat", {
        "agent_version": "0.1.7", "package_version": "30.1.0.120",
        "company_name": "Acme Heating Ltd", "last_error": "Sage 50 is locked by another user"})
    assert answer.status_code == 200, answer.text
    assert set(answer.json()["lists_due"]) == {"accounts", "tax_codes", "contacts"}
    page = htmllib.unescape(text(signed_in(app, made).get("/")))
    health = re.search(r'data-testid="desktop-health">(.*?)</p>', page, re.S)
    assert health, page[:2000]
    said = " ".join(health.group(1).split())
    for word in ("0.1.7", "30.1.0.120", "Acme Heating Ltd",
                 "Sage 50 is locked by another user"):
        assert word in said, (word, said)
    with app.app_context():  # the connection is named after the company now
        assert db.session.get(Connection, books.connection_id).tenant_name == "Acme Heating Ltd"
        db.session.remove()

    with app.app_context():
        company = db.session.get(Company, made.company_id)
        assert build_digest(company, 0) is None  # it checked in just now: nothing to say
        client = db.session.execute(db.select(PullClient).filter_by(
            connection_id=books.connection_id)).scalar_one()
        client.last_contact_at = utcnow() - timedelta(hours=3)
        db.session.commit()
        digest = build_digest(db.session.get(Company, made.company_id), 0)
        assert digest is not None and len(digest.silent) == 1
        assert "Sage 50 Accounts has not checked in since" in digest.silent[0]
        assert "that the Ledgerlink agent is running" in digest.silent[0]
        assert "Sage 50 Accounts" in digest.subject
        db.session.remove()
    # A heartbeat again and the silence is over.
    assert call(books, "POST", "heartbeat", {"agent_version": "0.1.7"}).status_code == 200
    with app.app_context():
        assert build_digest(db.session.get(Company, made.company_id), 0) is None
        db.session.remove()
