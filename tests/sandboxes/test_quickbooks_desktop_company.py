"""The QuickBooks Desktop company simulator (sandboxes/quickbooks_desktop) driven with what our
renderer (connectors/quickbooks_desktop/qbxml.py) sends, read back with our reader
(responses.py), and every response document validated against Intuit's qbXML 13.0 schema
(../shared/specs/quickbooks-desktop; skipped only where that folder is absent): the seeded
lists, contact adds and the shared name list, list queries with filters, iterators across
calls and sessions.

The harness here (fixtures `qbd`, `company`; `send`, `ok`) serves the other
test_quickbooks_desktop_company_* files.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from lxml import etree

from connectors.base import Address, ContactRecord
from connectors.quickbooks_desktop import qbxml, responses
from sandboxes.kit import db as kit_db

ROOT = Path(__file__).resolve().parents[2]
XSD = ROOT.parent / "shared" / "specs" / "quickbooks-desktop" / "qbxmlops130.xsd"
D = Decimal


@pytest.fixture(scope="module")
def qb_schema() -> etree.XMLSchema:
    if not XSD.exists():
        pytest.skip(f"{XSD} is not here")
    from sandboxes.quickbooks_desktop import schema

    # Intuit's file compiled by lxml, once per process for every module here and the sandbox.
    return schema.load(str(XSD))


def sandbox_app() -> Flask:
    """An app that mounts only the kit and this sandbox, as the app does in sandbox mode."""
    import sandboxes.kit
    import sandboxes.quickbooks_desktop

    app = Flask("qbd-sandbox-test")
    app.config.update(TESTING=True, QBD_SANDBOX_SCHEMA=str(XSD))
    app.register_blueprint(sandboxes.kit.bp)
    app.register_blueprint(sandboxes.quickbooks_desktop.bp)
    return app


@pytest.fixture
def qbd(qb_schema: etree.XMLSchema) -> Iterator[dict[str, Any]]:
    """An app context of the sandbox's own app (the schema setting on), and the schema."""
    app = sandbox_app()
    with app.app_context():
        yield {"app": app, "schema": qb_schema}
        kit_db.remove()


@pytest.fixture
def company(qbd: dict[str, Any]) -> str:
    from sandboxes.quickbooks_desktop import create_company

    return create_company("Hollis Plumbing Ltd")


def valid(schema: etree.XMLSchema, document: str) -> etree._Element:
    assert document.startswith('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML>')
    tree = etree.fromstring(document.split("?>", 2)[2].encode())
    assert schema.validate(tree), schema.error_log.last_error
    return tree


def send(qbd: dict[str, Any], company: str, *requests: etree._Element,
         on_error: qbxml.OnError = "stopOnError") -> str:
    """The envelope our renderer writes, through process(), the response validated."""
    from sandboxes.quickbooks_desktop import process

    document = qbxml.envelope(list(requests), on_error).decode("utf-8")
    answer = process(company, document)
    valid(qbd["schema"], answer)
    return answer


def ok(qbd: dict[str, Any], company: str, rq: etree._Element) -> responses.Answer:
    [answer] = responses.answers(send(qbd, company, rq))
    assert answer.status_code == 0, answer.message
    return answer


def customer(name: str = "Hollis & Daughters Ltd", **changes: Any) -> ContactRecord:
    fields: dict[str, Any] = dict(
        key="c-1", kind="customer", reference="CUST-0042", name=name,
        email="accounts@hollis.example", phone="0113 496 0000",
        address=Address(line1="12 Mill Lane", line2="Unit 3", city="Leeds",
                        postcode="LS1 4AB", country="United Kingdom"))
    fields.update(changes)
    return ContactRecord(**fields)


def supplier(name: str = "Pipe Supplies Ltd") -> ContactRecord:
    return ContactRecord(key="s-1", kind="supplier", reference="SUP-7", name=name)


def add_customer(qbd: dict[str, Any], company: str, name: str = "Hollis & Daughters Ltd"
                 ) -> str:
    answer = ok(qbd, company, qbxml.customer_add(customer(name), "c"))
    return answer.rets[0].findtext("ListID")


# --------------------------------------------------------------------------- the seed
def test_the_seeded_uk_company_lists(qbd, company) -> None:  # type: ignore[no-untyped-def]
    reply = send(qbd, company, qbxml.account_query("1"), qbxml.item_query("2"),
                 qbxml.sales_tax_code_query("3"), qbxml.item_sales_tax_query("4"))
    accounts = {a.full_name: a.account_type for a in responses.accounts(reply, "1")}
    assert accounts["Current Account"] == "Bank"
    assert accounts["Accounts Receivable"] == "AccountsReceivable"
    assert {"Labour Income", "Materials Income"} <= {n for n, t in accounts.items()
                                                     if t == "Income"}
    found = responses.items(reply, "2").items
    items = {i.full_name: i.type for i in found}
    assert items["Labour"] == "Service" and items["Materials"] == "NonInventory"
    assert items["Call-out charge"] == "OtherCharge" and items["20.0% S"] == "SalesTax"
    # Our renderer asks for ActiveStatus All: the inactive item comes too, marked so.
    assert [i.full_name for i in found if not i.active] == ["Old labour rate"]
    codes = {c.name: c for c in responses.sales_tax_codes(reply, "3")}
    assert codes["S"].taxable and codes["S"].item_sales_tax == "20.0% S"
    assert codes["Z"].taxable and codes["Z"].item_sales_tax == "0.0% Z"
    assert not codes["E"].taxable
    rates = {t.name: t.rate for t in responses.item_sales_taxes(reply, "4")}
    assert rates["20.0% S"] == D("20") and rates["0.0% Z"] == D("0")


def test_seeding_is_idempotent(qbd) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop import ensure_company, seed, store

    company_id = f"fixed-{uuid.uuid4().hex[:8]}"
    first = ensure_company(company_id, "Once Ltd")
    kit_db.remove()  # another session: what the first call committed
    again = ensure_company(company_id, "Twice Ltd")
    assert again == first and again["name"] == "Once Ltd"
    assert len(store.find_data(company_id, store.ACCOUNTS)) == len(seed.ACCOUNTS)
    assert len(store.find_data(company_id, store.ITEMS)) == len(seed.ITEMS) + len(
        seed.VAT_ITEMS)


def test_item_queries_by_type_name_and_active_status(qbd, company) -> None:  # type: ignore[no-untyped-def]
    reply = send(qbd, company, qbxml.item_query("a", "service"),
                 qbxml.item_query("b", "non_inventory", full_names=["Parts:Fittings"]),
                 qbxml.item_query("c", "all"),
                 qbxml.item_query("d", "other_charge"))
    assert [i.full_name for i in responses.items(reply, "a").items] == [
        "Labour", "Old labour rate"]
    [fittings] = responses.items(reply, "b").items
    assert (fittings.full_name, fittings.type) == ("Parts:Fittings", "NonInventory")
    every = responses.items(reply, "c").items  # ActiveStatus All: the inactive one too
    assert {"Old labour rate", "Labour", "0.0% E"} <= {i.full_name for i in every}
    assert [i.full_name for i in responses.items(reply, "d").items] == ["Call-out charge"]
    active = responses.items(send(qbd, company, qbxml.item_query(
        "e", "service", active_only=True)), "e").items
    assert [i.full_name for i in active] == ["Labour"]


def test_a_missing_name_is_a_warning_and_nothing_found_is_info(qbd, company) -> None:  # type: ignore[no-untyped-def]
    reply = send(qbd, company, qbxml.account_query("1", full_names=["Current Account", "Nope"]),
                 qbxml.customer_query("2", full_name="Nobody"),
                 qbxml.invoice_query("3", "INV-404"))
    first, second, third = responses.answers(reply)
    assert (first.status_code, first.severity) == (500, "Warn")
    assert '"Nope"' in first.message
    assert [a.full_name for a in responses.accounts(reply, "1")] == ["Current Account"]
    assert (second.status_code, second.severity) == (500, "Warn")
    assert (third.status_code, third.severity, third.message) == (
        1, "Info", "A query request did not find a matching object in QuickBooks")
    assert responses.transactions(reply, "3") == []


# --------------------------------------------------------------------------- contacts
def test_customer_add_returns_the_list_element(qbd, company) -> None:  # type: ignore[no-untyped-def]
    answer = ok(qbd, company, qbxml.customer_add(customer(), "1"))
    [ret] = answer.rets
    assert ret.tag == "CustomerRet"
    assert ret.findtext("Name") == ret.findtext("FullName") == "Hollis & Daughters Ltd"
    assert ret.findtext("ListID") and ret.findtext("EditSequence") and ret.findtext(
        "TimeCreated")
    assert ret.findtext("BillAddress/PostalCode") == "LS1 4AB"
    assert ret.findtext("AccountNumber") == "CUST-0042"
    found = responses.contacts(send(qbd, company, qbxml.customer_query(
        "2", full_name="hollis & daughters ltd")), "2").items
    assert [(c.external_id, c.reference, c.email) for c in found] == [
        (ret.findtext("ListID"), "CUST-0042", "accounts@hollis.example")]


def test_names_are_one_list_across_customers_and_vendors(qbd, company) -> None:  # type: ignore[no-untyped-def]
    ok(qbd, company, qbxml.customer_add(customer("Acme Ltd"), "1"))
    reply = send(qbd, company, qbxml.vendor_add(supplier("ACME LTD"), "2"))
    [answer] = responses.answers(reply)
    assert (answer.status_code, answer.severity) == (3100, "Error")
    assert answer.message == 'The name "ACME LTD" of the list element is already in use.'
    outcome = responses.outcome(answer, supplier("ACME LTD"))
    assert outcome.reason == "duplicate_name"  # type: ignore[union-attr]
    again = responses.answers(send(qbd, company, qbxml.customer_add(customer("Acme Ltd"), "3")))
    assert again[0].status_code == 3100
    vendor = ok(qbd, company, qbxml.vendor_add(supplier(), "4"))
    assert vendor.rets[0].tag == "VendorRet"
    from sandboxes.quickbooks_desktop import store

    assert [c["Name"] for c in store.find_data(company, store.CUSTOMERS)] == ["Acme Ltd"]
    assert [v["Name"] for v in store.find_data(company, store.VENDORS)] == ["Pipe Supplies Ltd"]


# --------------------------------------------------------------------------- iterators
def test_an_iterator_pages_customers_across_calls_and_dies_with_the_session(qbd, company) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop import end_session

    names = [f"Customer {n:02d}" for n in range(7)]
    send(qbd, company, *[qbxml.customer_add(customer(n), f"c{i}") for i, n in enumerate(names)])
    first = responses.contacts(send(qbd, company, qbxml.customer_query(
        "1", max_returned=3, iterator="Start")), "1")
    assert [c.name for c in first.items] == names[:3]
    assert first.remaining == 4 and first.iterator_id
    # Added after the Start: not in the iterator's snapshot.
    send(qbd, company, qbxml.customer_add(customer("Latecomer"), "late"))
    seen = list(first.items)
    page = first
    while page.remaining:
        page = responses.contacts(send(qbd, company, qbxml.customer_query(
            "2", max_returned=3, iterator="Continue", iterator_id=first.iterator_id)), "2")
        seen.extend(page.items)
    assert [c.name for c in seen] == names
    assert page.remaining == 0 and len(page.items) == 1
    assert end_session(company) == 1
    [dead] = responses.answers(send(qbd, company, qbxml.customer_query(
        "3", max_returned=3, iterator="Continue", iterator_id=first.iterator_id)))
    assert (dead.status_code, dead.severity) == (3391, "Error")
    assert first.iterator_id in dead.message


def test_an_unknown_iterator_is_refused(qbd, company) -> None:  # type: ignore[no-untyped-def]
    [answer] = responses.answers(send(qbd, company, qbxml.vendor_query(
        "1", max_returned=5, iterator="Continue", iterator_id="{00000000-dead}")))
    assert answer.status_code == 3391


def test_max_returned_without_an_iterator_and_the_name_filter(qbd, company) -> None:  # type: ignore[no-untyped-def]
    send(qbd, company, *[qbxml.customer_add(customer(n), n) for n in
                         ("Alpha Ltd", "Beta Ltd", "Alphabet Co")])
    page = responses.contacts(send(qbd, company, qbxml.customer_query("1", max_returned=2)),
                              "1")
    assert [c.name for c in page.items] == ["Alpha Ltd", "Beta Ltd"]
    assert page.iterator_id is None
    rq = qbxml.customer_query("2")
    active = rq.find("ActiveStatus")
    name_filter = etree.Element("NameFilter")
    etree.SubElement(name_filter, "MatchCriterion").text = "StartsWith"
    etree.SubElement(name_filter, "Name").text = "alpha"
    active.addnext(name_filter)
    found = responses.contacts(send(qbd, company, rq), "2").items
    assert [c.name for c in found] == ["Alpha Ltd", "Alphabet Co"]
