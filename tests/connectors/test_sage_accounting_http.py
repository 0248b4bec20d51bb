"""The Sage Accounting connector over real HTTP against its sandbox, for what is Sage's own
beyond the contract suite (tests/contract): contacts linked by reference rather than made twice,
our codes turned into Sage's ids once per run and refused before any call when Sage has none,
a credit note whose allocation Sage refuses still Sent, one receipt settling two invoices, and
the lists by nominal code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from connectors.base import Allocation, Rejected, Sent
from sandboxes.sage_accounting import store
from tests.contract.kit import ConnectedOrg, connect_org
from tests.fault_injection import FaultInjector

KEY = "sage_accounting"


@pytest.fixture(scope="module")
def org(app: Any, live_url: str) -> Iterator[ConnectedOrg]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "CALL_BUDGET_ENABLED", False)
        patch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
        yield connect_org(app, KEY, FaultInjector(app.wsgi_app))


def _api(org: ConnectedOrg, method: str, path: str, body: Any = None) -> Any:
    from connectors.sage_accounting.readback import api_request

    answer = api_request(org.config, org.credentials, method, path, json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _held(org: ConnectedOrg, reference: str) -> list[str]:
    return [pid for ref, pid in org.read_back().contacts if ref == reference]


def test_sign_in_asks_for_api_v3_1_and_sends_the_client_in_the_form(app: Any,
                                                                   live_url: str) -> None:
    from urllib.parse import parse_qs, urlsplit

    from connectors.sage_accounting import SageAccountingConnector

    url = SageAccountingConnector.authorization_url(dict(app.config), "http://localhost/cb",
                                                    "st")
    query = parse_qs(urlsplit(url).query)
    assert query["filter"] == ["apiv3.1"] and query["scope"] == ["full_access"]
    assert query["response_type"] == ["code"] and query["state"] == ["st"]
    assert SageAccountingConnector.oauth2(app.config).client_auth == "client_secret_post"
    # And the sandbox's token endpoint takes it: a refresh goes through, rotating the token
    # (on an organisation of its own: the shared one keeps the refresh token it stored).
    org = connect_org(app, KEY, FaultInjector(app.wsgi_app))
    creds = org.credentials
    fresh = SageAccountingConnector.refresh(org.config, creds)
    assert fresh.access_token and fresh.refresh_token != creds.refresh_token


def test_a_contact_already_in_sage_with_our_code_and_name_is_linked_not_made_again(
        org: ConnectedOrg) -> None:
    record = org.contact()
    made = _api(org, "POST", "contacts", {"contact": {
        "name": record.name.upper(), "contact_type_ids": ["CUSTOMER"],
        "reference": record.reference}})
    assert org.push_one(record) == Sent(made["id"])
    assert org.find(record) == made["id"]
    assert _held(org, record.reference) == [made["id"]]


def test_a_new_contact_costs_one_call_and_a_clash_names_the_holder(org: ConnectedOrg) -> None:
    record = org.contact()
    with org.connector() as connector:
        assert isinstance(connector.push("customer", [record])[0], Sent)
        assert connector.client.calls == 1  # the create is the look-up: references are unique
    clash = org.contact()
    _api(org, "POST", "contacts", {"contact": {
        "name": "Someone Else Ltd", "contact_type_ids": ["CUSTOMER"],
        "reference": clash.reference}})
    refused = org.push_one(clash)
    assert isinstance(refused, Rejected) and refused.reason == "duplicate_reference"
    assert "Someone Else Ltd" in refused.package_message
    assert org.find(clash) is None


def test_a_supplier_goes_in_as_a_vendor(org: ConnectedOrg) -> None:
    record, supplier_id = org.sent_contact("supplier")
    books = org.read_back()
    assert (record.reference, supplier_id) in books.suppliers
    assert (record.reference, supplier_id) not in books.contacts


def test_the_chart_is_read_once_per_run_and_an_unknown_code_costs_no_create(
        org: ConnectedOrg) -> None:
    customer = org.sent_contact()
    good = [org.document(customer), org.document(customer)]
    unknown = org.document(customer, account_code="4999")
    with org.connector() as connector:
        outcomes = [connector.push("invoice", [r])[0] for r in (*good, unknown)]
        calls = connector.client.calls
    assert all(isinstance(o, Sent) for o in outcomes[:2]), outcomes
    refused = outcomes[2]
    assert isinstance(refused, Rejected) and refused.reason == "account_unknown"
    assert refused.details["account_code"] == "4999"
    assert calls == 1 + 2  # the ledger accounts (one page), then one create per invoice
    assert unknown.reference not in {d.number for d in org.read_back().invoices}


def test_a_bank_code_sage_lacks_is_refused_before_any_create(org: ConnectedOrg) -> None:
    invoice = org.sent_invoice()
    payment = org.payment(invoice, bank_account_code="1299")
    outcome = org.push_one(payment)
    assert isinstance(outcome, Rejected) and outcome.reason == "account_unknown"
    assert outcome.details["account_code"] == "1299"
    assert org.find(payment) is None


def test_a_credit_note_whose_allocation_sage_refuses_stands_with_its_credit(
        org: ConnectedOrg) -> None:
    invoice = org.sent_invoice()
    org.send(org.payment(invoice))  # paid in full: nothing left to allocate against
    contact = (org.contact(), invoice[0].contact_external_id)
    note = org.document(contact, kind="credit_note", invoice=invoice)
    note_id = org.send(note)
    held = next(d for d in org.read_back().credit_notes if d.package_id == note_id)
    assert held.due == note.total  # its credit is on the customer's account, for a person


def test_one_receipt_settles_two_invoices(org: ConnectedOrg) -> None:
    first = org.sent_invoice()
    contact = (org.contact(), first[0].contact_external_id)
    second_record = org.document(contact)
    second = (second_record, org.send(second_record))
    payment = org.payment(first)
    both = (Allocation(first[1], first[0].reference, first[0].total),
            Allocation(second[1], second_record.reference, second_record.total))
    payment = replace(payment, amount=first[0].total + second_record.total, allocations=both)
    payment_id = org.send(payment)
    books = org.read_back()
    lines = sorted((p.invoice_id, p.amount) for p in books.payments
                   if p.package_id == payment_id)
    assert lines == sorted((a.invoice_external_id, a.amount) for a in both)
    assert [d.due for d in books.invoices if d.package_id in (first[1], second[1])] == [0, 0]
    assert org.find(payment) == payment_id


def test_lists_by_nominal_code_and_a_hidden_account_shown_inactive(org: ConnectedOrg) -> None:
    tenant = org.tenant_id
    org.change_sandbox(lambda: store.set_included_in_chart(tenant, 8200, False))
    with org.connector() as connector:
        accounts = {(a.kind, a.code): a for a in connector.accounts()}
        rates = {r.code: r.rate for r in connector.tax_rates()}
        tenants = connector.tenants()
    assert {("sales", "4000"), ("sales", "4010"), ("sales", "4900"), ("bank", "1200"),
            ("bank", "1210"), ("expense", "5000"), ("expense", "7100")} <= set(accounts)
    assert [code for kind, code in accounts if code == "1200"] == ["1200"]  # listed once
    assert accounts[("expense", "8200")].active is False
    assert accounts[("bank", "1200")].name == "Current"
    assert rates["GB_STANDARD"] == Decimal("20") and rates["GB_REDUCED"] == Decimal("5")
    assert [t.id for t in tenants] == [tenant]


def test_invoices_of_a_customer_for_the_picker(org: ConnectedOrg) -> None:
    record, invoice_id = org.sent_invoice()
    with org.connector() as connector:
        found = connector.invoices_of(record.contact_external_id)
    assert [(i.external_id, i.number, i.total) for i in found] == [
        (invoice_id, record.reference, record.total)]
