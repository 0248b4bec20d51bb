"""The FreeAgent connector against its sandbox over real HTTP, connected as the app connects
(consent page and code exchange, the demo's mapping): what the contract suite does not spell
out for a package without an idempotency key or a batch."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from connectors.base import Rejected, Sent, Uncertain
from connectors.freeagent.readback import api_request
from tests.contract.kit import ConnectedOrg, connect_org
from tests.fault_injection import FaultInjector


@pytest.fixture(scope="module")
def org(app: Any, live_url: str) -> Iterator[ConnectedOrg]:
    original = app.wsgi_app
    faults = FaultInjector(original, late_by=2.0)
    app.wsgi_app = faults
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "CALL_BUDGET_ENABLED", False)
        patch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
        yield connect_org(app, "freeagent", faults)
    app.wsgi_app = original


def _get(org: ConnectedOrg, url: str) -> dict[str, Any]:
    answer = api_request(org.config, org.credentials, "GET", url.split("/v2/", 1)[1])
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_company_is_the_tenant_and_the_lists_hold_the_mapping(org: ConnectedOrg) -> None:
    with org.connector() as connector:
        tenants = connector.tenants()
        accounts = {(a.kind, a.code) for a in connector.accounts()}
        rates = {r.code: r.rate for r in connector.tax_rates()}
    assert [t.name for t in tenants] == [org.credentials.tenant_name]
    assert {("sales", "001"), ("sales", "002"), ("bank", "750-1"), ("expense", "285")} <= accounts
    assert ("other", "750-1") not in accounts  # a bank category is a bank, not "other"
    assert rates == {"20": 20, "5": 5, "0": 0, "exempt": 0, "out_of_scope": 0}


def test_a_contact_of_a_name_already_there_is_linked_not_made_twice(org: ConnectedOrg) -> None:
    record = org.records.contact()
    first = org.send(record)
    twin = org.records.contact(name=f"  {record.name.upper()} ")  # another code, same name
    assert org.push_one(twin) == Sent(first)
    held = [url for _, url in org.read_back().contacts if url == first]
    assert held == [first]


def test_two_contacts_of_one_name_is_duplicate_name_without_a_call(org: ConnectedOrg) -> None:
    record = org.records.contact()
    for _ in range(2):
        answer = api_request(org.config, org.credentials, "POST", "contacts",
                             json={"contact": {"organisation_name": record.name}})
        assert answer.status_code == 201, answer.text
    outcome = org.push_one(record)
    assert isinstance(outcome, Rejected) and outcome.reason == "duplicate_name", outcome
    assert outcome.details["contact_name"] == record.name
    assert org.find(record) is None  # which of the two would be a guess


def test_an_invoice_is_marked_sent_with_our_figures_and_a_draft_stays_draft(
        org: ConnectedOrg) -> None:
    record, url = org.sent_invoice()
    invoice = _get(org, url)["invoice"]
    assert invoice["status"] == "Open" and invoice["reference"] == record.reference
    assert Decimal(invoice["total_value"]) == record.total == Decimal("120.00")
    draft, draft_url = org.sent_invoice(as_draft=True)
    assert _get(org, draft_url)["invoice"]["status"] == "Draft"
    assert org.complete(draft, draft_url) == Sent(draft_url)
    assert _get(org, draft_url)["invoice"]["status"] == "Draft"


def test_an_invoice_left_draft_by_an_interrupted_send_is_marked_sent_by_complete(
        org: ConnectedOrg) -> None:
    record = org.records.document(org.sent_contact())
    with org.faults("503", budget=5, pass_writes=1):
        outcome = org.push_one(record)
    assert isinstance(outcome, Uncertain), outcome
    found = org.find(record)
    assert found and _get(org, found)["invoice"]["status"] == "Draft"
    assert org.complete(record, found) == Sent(found)
    assert _get(org, found)["invoice"]["status"] == "Open"


def test_a_vat_code_freeagent_lacks_is_refused_before_any_call(org: ConnectedOrg) -> None:
    record = org.records.document(org.sent_contact(), tax_code="17.5")
    with org.connector() as connector:
        outcome = connector.push("invoice", [record])[0]
        calls = connector.client.calls
    assert isinstance(outcome, Rejected) and outcome.reason == "tax_rate_unknown", outcome
    assert outcome.details["tax_code"] == "17.5"
    assert calls == 0


def test_a_payment_of_two_invoices_is_two_explanations_found_again(org: ConnectedOrg) -> None:
    first = org.sent_invoice()
    contact = (org.records.contact(), first[0].contact_external_id)
    second_record = org.records.document(contact)
    second = (second_record, org.send(second_record))
    one = org.payment(first)
    from dataclasses import replace

    from connectors.base import Allocation

    payment = replace(one, amount=first[0].total + second[0].total, allocations=(
        *one.allocations, Allocation(second[1], second[0].reference, second[0].total)))
    external = org.send(payment)
    assert len(external.split(",")) == 2
    assert org.find(payment) == external
    assert org.push_one(payment) == Sent(external)
    books = org.read_back()
    dues = {d.package_id: d.due for d in books.invoices}
    assert dues[first[1]] == dues[second[1]] == 0
    assert sorted(p.invoice_id for p in books.payments if p.source_id == payment.reference) == (
        sorted([first[1], second[1]]))


def test_a_payment_into_an_unmapped_bank_is_refused_naming_it(org: ConnectedOrg) -> None:
    payment = org.payment(org.sent_invoice(), bank_account_code="750-9")
    outcome = org.push_one(payment)
    assert isinstance(outcome, Rejected) and outcome.reason == "account_unknown", outcome
    assert outcome.details["account_code"] == "750-9"
